"""The Lex V2 Lambda response format as a validator: the emulator checks every code hook reply with it."""

from __future__ import annotations

import json
from typing import Any

DIALOG_ACTION_TYPES = {"Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot", "None"}
INTENT_STATES = {"Failed", "Fulfilled", "InProgress", "ReadyForFulfillment", "Waiting", "FulfillmentInProgress"}
CONFIRMATION_STATES = {"Confirmed", "Denied", "None"}
CONTENT_TYPES = {"CustomPayload", "ImageResponseCard", "PlainText", "SSML"}
# RecognizeText's Message.content: 1 to 1,024 characters.
MAX_CONTENT = 1024
# This function's contract on top of the format: a Close ends the intent one way or the other.
CLOSE_STATES = {"Fulfilled", "Failed"}


def _slot_problems(name: Any, slot: Any) -> list[str]:
    if not isinstance(name, str) or not name:
        return [f"slot name {name!r} is not a non-empty string"]
    if slot is None:
        return []
    if not isinstance(slot, dict):
        return [f"slot {name} is {type(slot).__name__}, not an object or null"]
    value = slot.get("value")
    if not isinstance(value, dict):
        return [f"slot {name} has no value object"]
    problems = [
        f"slot {name}.{key} is not a string"
        for key in ("originalValue", "interpretedValue")
        if key in value and not isinstance(value[key], str)
    ]
    if not isinstance(value.get("interpretedValue"), str):
        problems.append(f"slot {name} has no interpretedValue")
    resolved = value.get("resolvedValues", [])
    if not isinstance(resolved, list) or not all(isinstance(item, str) for item in resolved):
        problems.append(f"slot {name}.resolvedValues is not a list of strings")
    return problems


def _intent_problems(intent: Any, action: dict[str, Any]) -> list[str]:
    if not isinstance(intent, dict):
        return ["sessionState.intent is missing or not an object"]
    problems: list[str] = []
    name = intent.get("name")
    if not isinstance(name, str) or not name or len(name) > 100:
        problems.append(f"intent.name {name!r} is not a string of 1-100 characters")
    state = intent.get("state")
    if state is not None and state not in INTENT_STATES:
        problems.append(f"intent.state {state!r} is not one of {sorted(INTENT_STATES)}")
    if action.get("type") == "Close" and state not in CLOSE_STATES:
        problems.append(f"Close with intent.state {state!r}; expected Fulfilled or Failed")
    confirmation = intent.get("confirmationState")
    if confirmation is not None and confirmation not in CONFIRMATION_STATES:
        problems.append(f"intent.confirmationState {confirmation!r} is invalid")
    slots = intent.get("slots", {})
    if not isinstance(slots, dict):
        return [*problems, "intent.slots is not an object"]
    for slot_name, slot in slots.items():
        problems.extend(_slot_problems(slot_name, slot))
    if action.get("type") == "ElicitSlot" and action.get("slotToElicit") not in slots:
        problems.append(f"slotToElicit {action.get('slotToElicit')!r} is not among the intent's slots")
    return problems


def _message_problems(messages: Any) -> list[str]:
    if not isinstance(messages, list):
        return ["messages is not a list"]
    problems: list[str] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            problems.append(f"messages[{index}] is not an object")
            continue
        if message.get("contentType") not in CONTENT_TYPES:
            problems.append(f"messages[{index}].contentType {message.get('contentType')!r} is invalid")
        content = message.get("content")
        if message.get("contentType") == "PlainText" and (
            not isinstance(content, str) or not 1 <= len(content) <= MAX_CONTENT
        ):
            problems.append(f"messages[{index}].content is not a string of 1-{MAX_CONTENT} characters")
    return problems


def lex_response_problems(response: Any) -> list[str]:
    """Every way `response` breaks the Lex V2 Lambda response format; an empty list means valid."""
    if not isinstance(response, dict):
        return [f"response is {type(response).__name__}, not an object"]
    problems = [
        f"unknown top-level key {key!r}"
        for key in response
        if key not in {"sessionState", "messages", "requestAttributes"}
    ]
    try:
        json.dumps(response)
    except (TypeError, ValueError) as error:
        problems.append(f"not JSON-serializable: {error}")
    state = response.get("sessionState")
    if not isinstance(state, dict):
        return [*problems, "sessionState is missing or not an object"]
    action = state.get("dialogAction")
    if not isinstance(action, dict) or action.get("type") not in DIALOG_ACTION_TYPES:
        return [*problems, f"dialogAction.type is not one of {sorted(DIALOG_ACTION_TYPES)}"]
    kind = action["type"]
    if kind == "ElicitSlot" and not (isinstance(action.get("slotToElicit"), str) and action["slotToElicit"]):
        problems.append("ElicitSlot without slotToElicit")
    if kind != "ElicitIntent":
        problems.extend(_intent_problems(state.get("intent"), action))
    attributes = state.get("sessionAttributes", {})
    if not isinstance(attributes, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in attributes.items()
    ):
        problems.append("sessionAttributes is not a map of strings")
    if "messages" in response:
        problems.extend(_message_problems(response["messages"]))
    elif kind in {"ElicitIntent", "ConfirmIntent"}:
        problems.append(f"{kind} needs messages")
    return problems
