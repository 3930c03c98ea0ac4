"""One turn at a time: slot elicitation with the slot's prompt, the code hook's event, sessions and their TTL."""

from __future__ import annotations

from typing import Any

import pytest

from mlstack.emulator.lex.bot_model import Alias, Bot
from mlstack.emulator.lex.dialog import LexError, Sessions, recognize_text

ALIAS = Alias("ALIAS1", "live", "3", {"en_US": "arn:aws:lambda:us-east-1:123456789012:function:f"})
# The top-level keys of the Lex V2 Lambda input event (Lex V2 developer guide, "Lambda input event format").
EVENT_KEYS = {
    "messageVersion",
    "invocationSource",
    "inputMode",
    "responseContentType",
    "sessionId",
    "inputTranscript",
    "bot",
    "interpretations",
    "requestAttributes",
    "sessionState",
    "transcriptions",
}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Hook:
    """The code hook Lambda: records each event and closes the intent as fulfilled."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, arn: str, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        intent = {**event["sessionState"]["intent"], "state": "Fulfilled"}
        return {
            "sessionState": {"dialogAction": {"type": "Close"}, "intent": intent, "sessionAttributes": {"seen": "yes"}},
            "messages": [{"contentType": "PlainText", "content": f"done {intent['name']}"}],
        }


@pytest.fixture
def turn(bot: Bot) -> Any:
    sessions, hook = Sessions(Clock()), Hook()

    def say(text: str, session: str = "s1") -> dict[str, Any]:
        return recognize_text(bot, ALIAS, "en_US", session, text, sessions=sessions, code_hook=hook)

    say.hook, say.clock = hook, sessions.clock  # type: ignore[attr-defined]
    return say


def test_a_missing_slot_is_elicited_with_its_prompt_then_filled_from_the_next_turn(turn: Any) -> None:
    first = turn("translate where is the station")
    assert first["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "TargetLanguage"}
    assert [m["content"] for m in first["messages"]] == ["Into which language?"]
    assert turn.hook.events == []  # no fulfillment before every required slot has a value

    second = turn("Spanish")
    [event] = turn.hook.events
    assert set(event) == EVENT_KEYS
    assert event["invocationSource"] == "FulfillmentCodeHook"
    assert event["inputTranscript"] == "Spanish"
    assert event["bot"] == {
        "id": "BOT1",
        "name": event["bot"]["name"],
        "aliasId": "ALIAS1",
        "aliasName": "live",
        "localeId": "en_US",
        "version": "3",
    }
    slots = event["sessionState"]["intent"]["slots"]
    assert slots["Text"]["value"]["originalValue"] == "where is the station"
    assert slots["TargetLanguage"]["value"] == {
        "originalValue": "Spanish",
        "interpretedValue": "Spanish",
        "resolvedValues": ["Spanish"],
    }
    assert event["sessionState"]["intent"]["state"] == "ReadyForFulfillment"
    assert second["messages"] == [{"contentType": "PlainText", "content": "done TranslateText"}]
    assert second["sessionState"]["sessionAttributes"] == {"seen": "yes"}


def test_sessions_are_kept_per_id_until_the_idle_ttl(turn: Any, bot: Bot) -> None:
    turn("translate where is the station", session="a")
    turn.clock.now += bot.idle_session_ttl_seconds + 1  # the elicitation was forgotten
    later = turn("Spanish", session="a")
    assert later["sessionState"]["intent"]["name"] == "FallbackIntent"
    turn("translate where is the station", session="b")
    assert turn("Spanish", session="c")["sessionState"]["intent"]["name"] == "FallbackIntent"  # another session
    assert turn("Spanish", session="b")["sessionState"]["intent"]["name"] == "TranslateText"


@pytest.mark.parametrize("text", ["", "x" * 1025])
def test_text_outside_1_to_1024_characters_is_refused_as_lex_does(turn: Any, text: str) -> None:
    with pytest.raises(LexError) as refused:
        turn(text)
    assert (refused.value.code, refused.value.status) == ("ValidationException", 400)


def test_a_locale_the_alias_does_not_enable_is_not_found(bot: Bot) -> None:
    with pytest.raises(LexError, match="locale fr_FR"):
        recognize_text(bot, ALIAS, "fr_FR", "s", "help", sessions=Sessions(), code_hook=Hook())
