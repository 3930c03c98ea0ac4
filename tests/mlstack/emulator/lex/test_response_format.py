"""The response validator rejects invalid responses (so the fuzz test cannot pass vacuously); the parser is tolerant."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mlstack.emulator.lex.response_format import lex_response_problems
from tests.lambdas.conftest import lex_event

VALID_CLOSE: dict[str, Any] = {
    "sessionState": {
        "dialogAction": {"type": "Close"},
        "intent": {"name": "Help", "state": "Fulfilled", "slots": {}},
        "sessionAttributes": {},
    },
    "messages": [{"contentType": "PlainText", "content": "I can describe images."}],
}
VALID_ELICIT: dict[str, Any] = {
    "sessionState": {
        "dialogAction": {"type": "ElicitSlot", "slotToElicit": "Text"},
        "intent": {"name": "Speak", "state": "InProgress", "slots": {"Text": None}},
    },
    "messages": [{"contentType": "PlainText", "content": "What should I say?"}],
}


def _broken(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    response = copy.deepcopy(base)
    target = response
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return response


@pytest.mark.parametrize("response", [VALID_CLOSE, VALID_ELICIT])
def test_validator_accepts_valid_responses(response: dict[str, Any]) -> None:
    # given a response written by hand from the Lex V2 documentation, when validated, then it has no problems
    assert lex_response_problems(response) == []


@pytest.mark.parametrize(
    ("base", "path", "value", "expected"),
    [
        (VALID_CLOSE, ("sessionState",), KeyError, "sessionState is missing"),
        (VALID_CLOSE, ("sessionState", "dialogAction", "type"), "Finish", "dialogAction.type"),
        (VALID_CLOSE, ("sessionState", "intent"), KeyError, "intent is missing"),
        (VALID_CLOSE, ("sessionState", "intent", "name"), "", "intent.name"),
        (VALID_CLOSE, ("sessionState", "intent", "state"), "InProgress", "Close with intent.state"),
        (VALID_CLOSE, ("sessionState", "intent", "state"), "Done", "intent.state 'Done'"),
        (VALID_CLOSE, ("sessionState", "sessionAttributes"), {"count": 3}, "sessionAttributes"),
        (VALID_CLOSE, ("messages",), [{"contentType": "PlainText", "content": "x" * 1025}], "content"),
        (VALID_CLOSE, ("messages",), [{"contentType": "Markdown", "content": "hi"}], "contentType"),
        (VALID_CLOSE, ("messages",), "hello", "messages is not a list"),
        (VALID_CLOSE, ("sessionState", "intent", "slots"), {"Text": "raw"}, "slot Text"),
        (VALID_CLOSE, ("extra",), 1, "unknown top-level key"),
        (VALID_ELICIT, ("sessionState", "dialogAction", "slotToElicit"), KeyError, "ElicitSlot without"),
        (VALID_ELICIT, ("sessionState", "dialogAction", "slotToElicit"), "Other", "not among the intent's slots"),
        (VALID_ELICIT, ("sessionState", "dialogAction", "type"), "ElicitIntent", "needs messages"),
    ],
)
def test_validator_rejects_invalid_responses(
    base: dict[str, Any], path: tuple[str, ...], value: Any, expected: str
) -> None:
    # given a valid response with one thing broken
    response = _broken(base, path, value)
    if expected == "needs messages":
        del response["messages"]
    # when validated, then the problem is named
    problems = lex_response_problems(response)
    assert any(expected in problem for problem in problems), problems


def test_validator_rejects_non_objects_and_unserializable_values() -> None:
    assert lex_response_problems(None) == ["response is NoneType, not an object"]
    response = _broken(VALID_CLOSE, ("sessionState", "sessionAttributes"), {"when": object()})
    assert any("JSON" in problem for problem in lex_response_problems(response))


def test_request_reads_interpreted_value_then_original_value() -> None:
    from lex import LexRequest

    # given slots with both values, only the original value, and blanks
    event = lex_event("TranslateText", {"Text": "hello"})
    slots = event["sessionState"]["intent"]["slots"]
    slots["TargetLanguage"] = {"value": {"originalValue": "francais", "interpretedValue": "French"}}
    slots["Other"] = {"value": {"originalValue": " fr "}}
    slots["Blank"] = {"value": {"originalValue": "   ", "interpretedValue": ""}}
    # when parsed
    request = LexRequest.from_event(event)
    # then interpretedValue wins, originalValue is the fallback, blanks are missing
    assert request.slots == {"Text": "hello", "TargetLanguage": "French", "Other": "fr", "Blank": None}
    assert request.intent_name == "TranslateText"
    assert request.session_id == "session-1"
    assert request.session_attributes == {"greeting": "hi"}


@pytest.mark.parametrize(
    "event",
    [None, [], "text", 42, {"sessionState": None}, {"sessionState": {"intent": {"name": 7, "slots": [1, 2]}}}],
)
def test_request_parser_never_raises_on_garbage(event: Any) -> None:
    from lex import LexRequest

    request = LexRequest.from_event(event)
    assert request.intent_name is None
    assert request.slots == {}


def test_reply_clips_long_messages_and_rebuilds_slot_shapes() -> None:
    from lex import LexRequest, close

    request = LexRequest(intent_name="Speak", slots={"Text": "hi", "Empty": None})
    response = close(request, "x" * 5000).to_lex()
    assert len(response["messages"][0]["content"]) == 1024
    assert response["sessionState"]["intent"]["slots"]["Text"]["value"]["interpretedValue"] == "hi"
    assert response["sessionState"]["intent"]["slots"]["Empty"] is None
    assert lex_response_problems(response) == []
