"""TranslateText: Amazon Translate from the detected source language into a named or coded target language."""

from __future__ import annotations

import bot_model
from lex import LexRequest, Reply, close, elicit_slot

from intents import Deps, require_text

SERVICE = "Amazon Translate"
TEXT_SLOT = "Text"
LANGUAGE_SLOT = "TargetLanguage"
# TranslateText accepts at most 10,000 bytes of UTF-8 text.
MAX_BYTES = 10_000

# What the bot's TargetLanguage slot resolves to, read from the model the bot is built from.
LANGUAGES: dict[str, str] = bot_model.target_languages()
_NAMES: dict[str, str] = bot_model.language_names()


def language_code(spoken: str) -> str | None:
    """'French', 'french', 'fr', 'FR', 'zh-tw' -> a Translate language code; None when the bot has no such language."""
    value = " ".join(spoken.lower().replace("_", "-").split())
    return LANGUAGES.get(value)


def language_question() -> str:
    names = ", ".join(_NAMES.values())
    return f"Which language should I translate into? I know {names}."


def validate(request: LexRequest, deps: Deps) -> Reply | None:
    problem = require_text(request, TEXT_SLOT, "What text should I translate?", MAX_BYTES, "Amazon Translate")
    if problem:
        return problem
    text = request.slot(TEXT_SLOT) or ""
    if len(text.encode()) > MAX_BYTES:
        return elicit_slot(request, TEXT_SLOT, "That text is too long to translate in one go. Please say less.")
    target = request.slot(LANGUAGE_SLOT)
    if not target:
        return elicit_slot(request, LANGUAGE_SLOT, language_question())
    if language_code(target) is None:
        unsupported = f"Sorry, I can't translate into {target[:40]}. {language_question()}"
        return elicit_slot(request, LANGUAGE_SLOT, unsupported)
    return None


def fulfil(request: LexRequest, deps: Deps) -> Reply:
    text = request.slot(TEXT_SLOT) or ""
    code = language_code(request.slot(LANGUAGE_SLOT) or "") or "en"
    # "auto" lets Translate detect the source language (it calls Comprehend DetectDominantLanguage).
    response = deps.clients.translate.translate_text(Text=text, SourceLanguageCode="auto", TargetLanguageCode=code)
    translated = str(response.get("TranslatedText") or "").strip()
    if not translated:
        return close(request, "Amazon Translate returned no text for that.", result="empty translation")
    # The languages travel as session attributes so that a chat client can show them beside the text.
    languages = {"sourceLanguage": str(response.get("SourceLanguageCode") or "auto"), "targetLanguage": code}
    return close(request, f"In {_NAMES[code]}: {translated}", result=translated, session_attributes=languages)
