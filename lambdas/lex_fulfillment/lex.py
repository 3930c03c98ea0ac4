"""Lex V2 code-hook events in, Lex V2 responses out: tolerant parsing and a small reply builder."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FALLBACK_INTENT = "AMAZON.FallbackIntent"
DIALOG_CODE_HOOK = "DialogCodeHook"
FULFILLMENT_CODE_HOOK = "FulfillmentCodeHook"

# Lex V2 rejects a message longer than 1,024 characters (RecognizeText `Message.content`).
MAX_MESSAGE_CHARS = 1024
# Intent and slot names Lex accepts (AMAZON.* built-ins carry a dot); anything else is not echoed back.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# DynamoDB keys and log lines stay small whatever the caller sends.
MAX_ID_CHARS = 256


def _text(value: Any) -> str | None:
    """A stripped non-empty string, or None for anything else (None, numbers, lists, blanks)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _slot_value(slot: Any) -> str | None:
    """A slot's interpretedValue, else its originalValue; list slots give their first value."""
    slot = _mapping(slot)
    value = _mapping(slot.get("value"))
    text = _text(value.get("interpretedValue")) or _text(value.get("originalValue"))
    if text is None and isinstance(slot.get("values"), list):
        for item in slot["values"]:
            text = _slot_value(item)
            if text:
                break
    return text


@dataclass(frozen=True)
class LexRequest:
    """What the fulfillment code needs from a Lex V2 event, with every field defaulted."""

    intent_name: str | None = None
    slots: dict[str, str | None] = field(default_factory=dict)
    session_id: str = "unknown-session"
    invocation_source: str = FULFILLMENT_CODE_HOOK
    input_transcript: str = ""
    locale_id: str = "en_US"
    session_attributes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: Any) -> LexRequest:
        """Parse any input; missing or mistyped fields fall back to defaults. Never raises."""
        try:
            return cls._parse(_mapping(event))
        except Exception:  # a hostile event must still produce a request to answer
            return cls()

    @classmethod
    def _parse(cls, event: Mapping[str, Any]) -> LexRequest:
        state = _mapping(event.get("sessionState"))
        intent = _mapping(state.get("intent"))
        name = _text(intent.get("name"))
        slots = {
            key: _slot_value(slot)
            for key, slot in _mapping(intent.get("slots")).items()
            if isinstance(key, str) and _NAME.match(key)
        }
        attributes = {
            key: value
            for key, value in _mapping(state.get("sessionAttributes")).items()
            if isinstance(key, str) and key and isinstance(value, str)
        }
        return cls(
            intent_name=name if name and _NAME.match(name) else None,
            slots=slots,
            session_id=(_text(event.get("sessionId")) or cls.session_id)[:MAX_ID_CHARS],
            invocation_source=_text(event.get("invocationSource")) or FULFILLMENT_CODE_HOOK,
            input_transcript=_text(event.get("inputTranscript")) or "",
            locale_id=_text(_mapping(event.get("bot")).get("localeId")) or cls.locale_id,
            session_attributes=attributes,
        )

    def slot(self, name: str) -> str | None:
        return self.slots.get(name)


@dataclass(frozen=True)
class Reply:
    """One Lex V2 response: a dialog action, the intent's state and slots, and plain-text messages."""

    intent_name: str
    intent_state: str
    dialog_action: str
    messages: tuple[str, ...] = ()
    slots: dict[str, str | None] = field(default_factory=dict)
    slot_to_elicit: str | None = None
    session_attributes: dict[str, str] = field(default_factory=dict)
    # Short machine-readable summary for the results table (not shown to the user).
    result: str = ""

    @property
    def fulfilled(self) -> bool:
        return self.intent_state == "Fulfilled"

    def to_lex(self) -> dict[str, Any]:
        intent: dict[str, Any] = {
            "name": self.intent_name,
            "state": self.intent_state,
            "confirmationState": "None",
            "slots": {name: _slot(value) for name, value in self.slots.items()},
        }
        dialog_action: dict[str, Any] = {"type": self.dialog_action}
        if self.slot_to_elicit:
            dialog_action["slotToElicit"] = self.slot_to_elicit
        response: dict[str, Any] = {
            "sessionState": {
                "dialogAction": dialog_action,
                "intent": intent,
                "sessionAttributes": dict(self.session_attributes),
            }
        }
        messages = [_clip(text) for text in self.messages if text]
        if messages:
            response["messages"] = [{"contentType": "PlainText", "content": text} for text in messages]
        return response


def _slot(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    value = _clip(value)
    return {"shape": "Scalar", "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]}}


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _reply_name(request: LexRequest) -> str:
    return request.intent_name or FALLBACK_INTENT


def close(
    request: LexRequest, *messages: str, result: str = "", session_attributes: dict[str, str] | None = None
) -> Reply:
    """The intent is done: reply and end the turn."""
    return Reply(
        intent_name=_reply_name(request),
        intent_state="Fulfilled",
        dialog_action="Close",
        messages=messages,
        slots=request.slots,
        session_attributes={**request.session_attributes, **(session_attributes or {})},
        result=result or (messages[0] if messages else ""),
    )


def fail(request: LexRequest, message: str, result: str = "") -> Reply:
    """The intent could not be fulfilled: a polite explanation, intent state Failed."""
    return Reply(
        intent_name=_reply_name(request),
        intent_state="Failed",
        dialog_action="Close",
        messages=(message,),
        slots=request.slots,
        session_attributes=request.session_attributes,
        result=result or message,
    )


def elicit_slot(request: LexRequest, slot: str, question: str) -> Reply:
    """Ask for a slot again; its current (missing or invalid) value is cleared so Lex re-fills it."""
    return Reply(
        intent_name=_reply_name(request),
        intent_state="InProgress",
        dialog_action="ElicitSlot",
        messages=(question,),
        slots={**request.slots, slot: None},
        slot_to_elicit=slot,
        session_attributes=request.session_attributes,
        result=f"elicit {slot}",
    )


def delegate(request: LexRequest) -> Reply:
    """Slots are valid: let Lex choose the next step (used by the dialog code hook)."""
    return Reply(
        intent_name=_reply_name(request),
        intent_state="InProgress",
        dialog_action="Delegate",
        slots=request.slots,
        session_attributes=request.session_attributes,
        result="delegate",
    )
