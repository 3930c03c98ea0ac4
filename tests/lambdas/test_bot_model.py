"""The function reads the bot's model (bot_model.json, shipped in its zip): its intents and slots are the bot's."""

from __future__ import annotations

import importlib

import pytest


def test_every_intent_of_the_model_has_a_module_and_no_module_is_unknown_to_the_bot() -> None:
    import bot_model
    from dispatch import INTENTS

    modelled = {intent["name"] for intent in bot_model.MODEL["intents"]} | {bot_model.MODEL["fallback_intent"]}
    # AMAZON.FallbackIntent: the signature a bot's fallback intent may arrive under instead of its name.
    assert set(INTENTS) - {"AMAZON.FallbackIntent"} == modelled


@pytest.mark.parametrize(
    ("intent", "module_name", "constants"),
    [
        ("DescribeImage", "describe_image", ("SLOT",)),
        ("Speak", "speak", ("SLOT",)),
        ("AnalyzeSentiment", "analyze_sentiment", ("SLOT",)),
        ("Forecast", "forecast", ("SLOT",)),
        ("TranslateText", "translate_text", ("TEXT_SLOT", "LANGUAGE_SLOT")),
    ],
)
def test_the_slots_an_intent_reads_are_slots_the_bot_elicits(
    intent: str, module_name: str, constants: tuple[str, ...]
) -> None:
    import bot_model

    module = importlib.import_module(f"intents.{module_name}")
    [modelled] = [i for i in bot_model.MODEL["intents"] if i["name"] == intent]
    assert {getattr(module, constant) for constant in constants} <= set(modelled["slots"])


def test_languages_are_the_names_and_synonyms_of_the_model_only() -> None:
    from intents.translate_text import language_code, language_question

    assert language_code("Traditional  Chinese") == language_code("zh_tw") == "zh-TW"
    assert language_code("NB") == language_code("norwegian") == "no"
    assert language_code("no") is None  # an answer, not a language: the bot does not resolve it either
    assert language_code("Klingon") is None
    assert "Traditional Chinese" in language_question()
