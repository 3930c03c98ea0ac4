"""Intent matching from the app's own sample utterances and slot types."""

from __future__ import annotations

import pytest

from mlstack.emulator.lex.bot_model import Locale
from mlstack.emulator.lex.intent_matching import interpret


def values(locale: Locale, text: str) -> tuple[str, dict[str, str | None]]:
    found = interpret(locale, text)
    return found.intent.name, {name: v.interpreted if v else None for name, v in found.slots.items()}


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("help", "Help", {}),
        ("Describe house.", "DescribeImage", {"ImageName": "house"}),
        ("read the text in sign", "ReadText", {"ImageName": "sign"}),
        ("say hello world", "Speak", {"Text": "hello world"}),
        # The most specific utterance wins: "say {Text} in {TargetLanguage}" over "say {Text}".
        ("say good morning in Spanish", "TranslateText", {"Text": "good morning", "TargetLanguage": "Spanish"}),
        # TOP_RESOLUTION: a synonym (the ISO code) resolves to the value.
        ("translate good night to fr", "TranslateText", {"Text": "good night", "TargetLanguage": "French"}),
        # ... and a word that is no value leaves the slot empty, for Lex to elicit.
        ("translate good night to Klingon", "TranslateText", {"Text": "good night", "TargetLanguage": None}),
        ("translate where is the station", "TranslateText", {"Text": "where is the station", "TargetLanguage": None}),
        ("what is the sentiment of I love it", "AnalyzeSentiment", {"Text": "I love it"}),
    ],
)
def test_texts_match_their_intent_and_slot_values(locale: Locale, text: str, intent: str, slots: dict) -> None:
    name, found = values(locale, text)
    assert name == intent
    assert {key: value for key, value in found.items() if key in slots} == slots


def test_original_value_keeps_what_was_said_and_lists_resolutions(locale: Locale) -> None:
    found = interpret(locale, "describe House")
    image = found.slots["ImageName"]
    assert image is not None and image.original == image.interpreted == "House"
    assert image.resolved == ("house",)  # a listed sample value, matched case-insensitively


def test_anything_else_is_the_fallback_intent_with_no_confidence(locale: Locale) -> None:
    found = interpret(locale, "book me a table on the moon for tuesday")
    assert found.intent.fallback and found.intent.name == "FallbackIntent"
    assert found.confidence == 0.0
