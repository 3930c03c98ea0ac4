"""The deployed bot as the chat tests see it: its stack outputs, and lexv2-runtime replies for a Stubber."""

from __future__ import annotations

from typing import Any

from botocore.stub import ANY, Stubber

from mlstack.ops import chat
from stacks import outputs

BOT = chat.BotAddress(bot_id="BOT1234567", alias_id="ALIAS12345", locale_id="en_US")
# The ApiServices stack as moto's CloudFormation holds it: one resource, the bot's outputs.
TEMPLATE = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {
        outputs.BOT_ID: {"Value": BOT.bot_id},
        outputs.BOT_ALIAS_ID: {"Value": BOT.alias_id},
        outputs.BOT_LOCALE_ID: {"Value": BOT.locale_id},
    },
}


def lex_reply(intent: str, state: str, *messages: str) -> dict[str, Any]:
    """A RecognizeText response closing `intent` in `state` with `messages`."""
    return {
        "sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": intent, "state": state}},
        "messages": [{"contentType": "PlainText", "content": text} for text in messages],
        "sessionId": "session-1",
    }


def expect(stubber: Stubber, text: str, response: dict[str, Any]) -> None:
    """Queue `response` for the bot's next RecognizeText of `text`."""
    stubber.add_response(
        "recognize_text",
        response,
        {"botId": BOT.bot_id, "botAliasId": BOT.alias_id, "localeId": "en_US", "sessionId": ANY, "text": text},
    )
