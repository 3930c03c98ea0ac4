"""A Lex V2 RecognizeText response as the chat page shows it: messages, intent and state, and media.

The fulfillment Lambda names what a reply is about in session attributes (lambdas/lex_fulfillment/intents):
`imageKey` for DescribeImage and ReadText, `speechKey` for Speak, `sourceLanguage`/`targetLanguage` for
TranslateText. Session attributes outlive a turn, so each is read only for the intent that sets it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

IMAGE_INTENTS = frozenset({"DescribeImage", "ReadText"})
# The Speak reply carries a presigned link for chat clients that cannot play audio; the page plays it instead.
LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class ChatReply:
    intent: str
    state: str
    messages: tuple[str, ...]
    image_key: str = ""
    audio_key: str = ""
    source_language: str = ""
    target_language: str = ""

    def to_page(self, object_url: Callable[[str], str]) -> dict[str, Any]:
        """The JSON the page renders; media as URLs of this server (the page talks to nothing else)."""
        messages = [LINK.sub("(the player below)", m) for m in self.messages] if self.audio_key else list(self.messages)
        page: dict[str, Any] = {"intent": self.intent, "state": self.state, "messages": messages}
        if self.image_key:
            page["image"] = object_url(self.image_key)
        if self.audio_key:
            page["audio"] = object_url(self.audio_key)
        if self.target_language:
            page["translation"] = {"source": self.source_language, "target": self.target_language}
        return page


def read_reply(response: dict[str, Any]) -> ChatReply:
    """The page's view of one RecognizeText response (tolerant: missing parts are empty)."""
    state = response.get("sessionState") or {}
    intent = state.get("intent") or {}
    name = str(intent.get("name") or "")
    attributes = state.get("sessionAttributes") or {}
    fulfilled = intent.get("state") == "Fulfilled"
    return ChatReply(
        intent=name,
        state=str(intent.get("state") or (state.get("dialogAction") or {}).get("type") or ""),
        messages=tuple(str(m.get("content", "")) for m in response.get("messages") or [] if isinstance(m, dict)),
        image_key=str(attributes.get("imageKey", "")) if fulfilled and name in IMAGE_INTENTS else "",
        audio_key=str(attributes.get("speechKey", "")) if fulfilled and name == "Speak" else "",
        source_language=str(attributes.get("sourceLanguage", "")) if fulfilled and name == "TranslateText" else "",
        target_language=str(attributes.get("targetLanguage", "")) if fulfilled and name == "TranslateText" else "",
    )
