"""One RecognizeText turn: intent and slots, slot elicitation with the slot's own prompt, the code hooks, sessions.

What Lex V2 does for a bot whose intents use a fulfillment code hook (and optionally a dialog code hook):
the dialog code hook may validate each turn; when it delegates, Lex elicits the first required empty slot
(in slot priority order) with that slot's prompt; once every required slot has a value, the fulfillment
code hook answers. A reply that elicits a slot keeps the intent in the session, so that the next turn fills
that slot. Sessions live until the bot's idle session TTL passes without a turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlstack.emulator.lex.bot_model import Alias, Bot, Intent, Locale
from mlstack.emulator.lex.code_hook import TurnContext, lex_event
from mlstack.emulator.lex.intent_matching import Interpretation, SlotValue, fill, interpret

# RecognizeText's `text`: 1 to 1,024 characters (the Lex V2 runtime API reference).
MAX_TEXT = 1024
DIALOG_CODE_HOOK, FULFILLMENT_CODE_HOOK = "DialogCodeHook", "FulfillmentCodeHook"
# Runs the alias's code hook Lambda on an event and returns its (validated) reply.
CodeHook = Callable[[str, dict[str, Any]], dict[str, Any]]


class LexError(Exception):
    """A Lex V2 runtime error: its code (x-amzn-ErrorType), HTTP status and message."""

    def __init__(self, code: str, status: int, message: str):
        super().__init__(message)
        self.code, self.status = code, status


@dataclass
class Session:
    """What Lex keeps between turns of one session id."""

    attributes: dict[str, str] = field(default_factory=dict)
    intent: dict[str, Any] | None = None  # the intent in progress, in Lex's shape
    dialog_action: dict[str, Any] = field(default_factory=dict)
    last_turn: float = field(default_factory=time.monotonic)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"sessionAttributes": dict(self.attributes)}
        if self.dialog_action:
            state["dialogAction"] = dict(self.dialog_action)
        if self.intent is not None:
            state["intent"] = self.intent
        return state


SessionKey = tuple[str, str, str, str]  # bot id, alias id, locale id, session id


class Sessions:
    """Sessions by key, forgotten after the bot's idle TTL (`clock` is injectable for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._sessions: dict[SessionKey, Session] = {}

    def get(self, key: SessionKey, ttl_seconds: int) -> Session | None:
        session = self._sessions.get(key)
        if session is not None and self.clock() - session.last_turn > ttl_seconds:
            del self._sessions[key]
            return None
        return session

    def open(self, key: SessionKey, ttl_seconds: int) -> Session:
        session = self.get(key, ttl_seconds) or Session()
        session.last_turn = self.clock()
        self._sessions[key] = session
        return session

    def delete(self, key: SessionKey) -> bool:
        return self._sessions.pop(key, None) is not None


def _lex_intent(interpretation: Interpretation, state: str) -> dict[str, Any]:
    return {
        "name": interpretation.intent.name,
        "slots": {name: value.as_lex() if value else None for name, value in interpretation.slots.items()},
        "state": state,
        "confirmationState": "None",
    }


def _continue(locale: Locale, session: Session, text: str) -> Interpretation | None:
    """The session's intent with the elicited slot filled from `text`, or None to interpret `text` afresh."""
    action, current = session.dialog_action, session.intent
    if action.get("type") != "ElicitSlot" or current is None:
        return None
    intent = locale.intent(str(current.get("name")))
    slot = next((s for s in intent.slots if s.name == action.get("slotToElicit")), None) if intent else None
    if intent is None or slot is None:
        return None
    value = fill(slot, text, locale)
    if value is None:
        # Not a value of the slot's type: maybe the user moved on to another request.
        fresh = interpret(locale, text)
        if not fresh.intent.fallback:
            return fresh
    slots: dict[str, SlotValue | None] = {s.name: None for s in intent.slots}
    for name, lex_value in (current.get("slots") or {}).items():
        if lex_value and name in slots:
            raw = lex_value["value"]
            slots[name] = fill(next(s for s in intent.slots if s.name == name), raw["originalValue"], locale)
    slots[slot.name] = value
    return Interpretation(intent, slots)


def recognize_text(
    bot: Bot,
    alias: Alias,
    locale_id: str,
    session_id: str,
    text: str,
    *,
    sessions: Sessions,
    code_hook: CodeHook,
    request_attributes: dict[str, str] | None = None,
    session_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The RecognizeText response for one turn (raises LexError as the service would)."""
    if not 1 <= len(text) <= MAX_TEXT:
        raise LexError("ValidationException", 400, f"text must be 1 to {MAX_TEXT} characters, got {len(text)}")
    locale = bot.locales.get(locale_id)
    if locale is None or (alias.code_hooks and locale_id not in alias.code_hooks):
        raise LexError("ResourceNotFoundException", 404, f"locale {locale_id} is not enabled on alias {alias.name}")
    key = (bot.bot_id, alias.alias_id, locale_id, session_id)
    session = sessions.open(key, bot.idle_session_ttl_seconds)
    if session_state and isinstance(session_state.get("sessionAttributes"), dict):
        session.attributes.update({str(k): str(v) for k, v in session_state["sessionAttributes"].items()})
    interpretation = _continue(locale, session, text) or interpret(locale, text)
    turn = TurnContext(
        session_id=session_id,
        input_transcript=text,
        bot={
            "id": bot.bot_id,
            "name": bot.name,
            "aliasId": alias.alias_id,
            "aliasName": alias.name,
            "localeId": locale_id,
            "version": alias.version,
        },
        session_attributes=session.attributes,
        request_attributes=dict(request_attributes or {}),
    )
    hook_arn = alias.code_hooks.get(locale_id)
    intent = interpretation.intent
    lex_intent = _lex_intent(interpretation, "InProgress")
    messages: list[dict[str, Any]] = []

    def call(source: str, current: dict[str, Any]) -> dict[str, Any]:
        assert hook_arn is not None
        event = lex_event(turn, current, source, interpretation.confidence)
        return code_hook(hook_arn, event)

    reply: dict[str, Any] | None = None
    if intent.dialog_code_hook and hook_arn:
        reply = call(DIALOG_CODE_HOOK, lex_intent)
        if reply["sessionState"]["dialogAction"]["type"] == "Delegate":
            lex_intent = reply["sessionState"].get("intent") or lex_intent
            session.attributes = dict(reply["sessionState"].get("sessionAttributes") or session.attributes)
            reply = None
    if reply is None:
        missing = _first_missing(intent, lex_intent)
        if missing is not None:
            action = {"type": "ElicitSlot", "slotToElicit": missing.name}
            reply = {"sessionState": {"dialogAction": action, "intent": lex_intent}}
            messages = [{"contentType": "PlainText", "content": missing.prompt}] if missing.prompt else []
        elif intent.fulfillment_code_hook and hook_arn:
            reply = call(FULFILLMENT_CODE_HOOK, {**lex_intent, "state": "ReadyForFulfillment"})
        else:
            reply = {
                "sessionState": {
                    "dialogAction": {"type": "Close"},
                    "intent": {**lex_intent, "state": "ReadyForFulfillment"},
                }
            }
    return _answer(
        session=session,
        session_id=session_id,
        interpretation=interpretation,
        reply=reply,
        messages=messages or list(reply.get("messages") or []),
        turn=turn,
    )


def _first_missing(intent: Intent, lex_intent: dict[str, Any]) -> Any:
    slots = lex_intent.get("slots") or {}
    return next((slot for slot in intent.slots if slot.required and not slots.get(slot.name)), None)


def _answer(
    *,
    session: Session,
    session_id: str,
    interpretation: Interpretation,
    reply: dict[str, Any],
    messages: list[dict[str, Any]],
    turn: TurnContext,
) -> dict[str, Any]:
    state = reply["sessionState"]
    action = dict(state["dialogAction"])
    intent = state.get("intent")
    if "sessionAttributes" in state:
        session.attributes = {str(k): str(v) for k, v in (state.get("sessionAttributes") or {}).items()}
    # An intent that ended leaves the session; one that waits for a slot (or a confirmation) stays.
    session.intent = intent if action["type"] in ("ElicitSlot", "ConfirmIntent", "Delegate") else None
    session.dialog_action = action if session.intent is not None else {}
    response_state = {**session.state(), "dialogAction": action, "originatingRequestId": session_id}
    if intent is not None:
        response_state["intent"] = intent
    return {
        "sessionId": session_id,
        "messages": messages,
        "sessionState": response_state,
        "interpretations": [
            {
                "intent": intent or _lex_intent(interpretation, "InProgress"),
                "nluConfidence": {"score": interpretation.confidence},
            },
            *(
                []
                if interpretation.intent.fallback
                else [
                    {
                        "intent": {
                            "name": "FallbackIntent",
                            "slots": {},
                            "state": "InProgress",
                            "confirmationState": "None",
                        }
                    }
                ]
            ),
        ],
        "requestAttributes": dict(reply.get("requestAttributes") or turn.request_attributes),
    }
