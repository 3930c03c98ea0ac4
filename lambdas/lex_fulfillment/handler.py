"""Lex V2 fulfillment entry point: closes every intent with a polite reply and never raises to Lex."""

from __future__ import annotations

from typing import Any

HELP = (
    "I can describe an image, read the text in it, speak or translate a text, and analyse its sentiment. "
    "Try: describe house, read text in sign, say hello, translate good morning to French."
)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Close the conversation turn with a reply naming what the bot can do."""
    session_state = event.get("sessionState") if isinstance(event, dict) else None
    intent = session_state.get("intent") if isinstance(session_state, dict) else None
    name = intent.get("name") if isinstance(intent, dict) else None
    name = name if isinstance(name, str) and name else "FallbackIntent"
    return {
        "sessionState": {
            "dialogAction": {"type": "Close"},
            "intent": {"name": name, "state": "Fulfilled" if name == "Help" else "Failed"},
        },
        "messages": [{"contentType": "PlainText", "content": HELP}],
    }
