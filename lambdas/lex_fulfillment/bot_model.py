"""The bot's model, shared with the bot construct: bot_model.json, next to this module in the function's zip.

The construct builds the Lex bot from the same file, so the languages the bot's slot type resolves to are
exactly the ones this function translates into (tests/unit/test_bot_model.py checks the synthesized bot).
Plain json: the function's cold start stays cheap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).parent / "bot_model.json"
MODEL: dict[str, Any] = json.loads(MODEL_FILE.read_text(encoding="utf-8"))


def target_languages() -> dict[str, str]:
    """Every spoken form the bot accepts for a target language, lower-cased -> Amazon Translate's code.

    The name ("traditional chinese") and each synonym ("zh-tw"); nothing else, so an answer the bot would
    not resolve (Norwegian's code "no") is not taken as a language here either.
    """
    forms: dict[str, str] = {}
    for language in MODEL["target_languages"]:
        for form in (language["name"], *language["synonyms"]):
            forms[form.lower()] = language["code"]
    return forms


def language_names() -> dict[str, str]:
    """Amazon Translate's code -> the language's name, as the bot says it ("zh-TW" -> "Traditional Chinese")."""
    return {language["code"]: language["name"] for language in MODEL["target_languages"]}
