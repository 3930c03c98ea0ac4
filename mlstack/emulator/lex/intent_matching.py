"""Which intent and slot values a text means, from the bot's own sample utterances and slot types.

This approximates Lex's natural-language understanding, it does not reproduce it: a text matches an
utterance when it says the utterance's words in order with any text where the utterance has a slot
(case and spacing ignored), and the most specific match (most literal characters) wins. Lex's NLU also
accepts paraphrases and misspellings that no sample spells out; here those fall to the fallback intent. So
the emulator proves the bot's wiring and its fulfillment code, not its language understanding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from mlstack.emulator.lex.bot_model import Intent, Locale, Slot

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A question mark or full stop at the end of what was typed is not part of any slot value.
_TRAILING = r"[\s.!?]*"


@dataclass(frozen=True)
class SlotValue:
    original: str
    interpreted: str
    resolved: tuple[str, ...] = ()

    def as_lex(self) -> dict[str, object]:
        return {
            "shape": "Scalar",
            "value": {
                "originalValue": self.original,
                "interpretedValue": self.interpreted,
                "resolvedValues": list(self.resolved),
            },
        }


@dataclass(frozen=True)
class Interpretation:
    intent: Intent
    slots: dict[str, SlotValue | None] = field(default_factory=dict)
    confidence: float = 1.0


@lru_cache(maxsize=512)
def _pattern(utterance: str) -> tuple[re.Pattern[str], tuple[str, ...], int]:
    """The utterance as a regular expression, the slot names in order, and its count of literal characters."""
    parts: list[str] = []
    slots: list[str] = []
    literal = 0
    for index, piece in enumerate(_PLACEHOLDER.split(utterance)):
        if index % 2:  # a slot name
            parts.append(f"(?P<s{len(slots)}>.+?)")
            slots.append(piece)
        elif piece.strip():
            words = piece.split()
            literal += sum(map(len, words))
            parts.append(r"\s+".join(map(re.escape, words)))
    pattern = re.compile(r"\s*" + r"\s+".join(parts) + _TRAILING, re.IGNORECASE)
    return pattern, tuple(slots), literal


def fill(slot: Slot, text: str, locale: Locale) -> SlotValue | None:
    """The slot's value for `text` through its slot type, or None when the type does not resolve it."""
    slot_type = locale.slot_types.get(slot.slot_type)
    if slot_type is None:  # a built-in AMAZON.* type: the text as said
        return SlotValue(text.strip(), text.strip())
    resolved = slot_type.resolve(text)
    if resolved is None:
        return None
    interpreted, values = resolved
    return SlotValue(text.strip(), interpreted, tuple(values))


def interpret(locale: Locale, text: str) -> Interpretation:
    """The best-matching intent with its slot values, else the fallback intent."""
    best: tuple[int, int, Interpretation] | None = None
    for intent in locale.intents:
        for utterance in intent.utterances:
            pattern, slot_names, literal = _pattern(utterance)
            match = pattern.fullmatch(text)
            if match is None:
                continue
            slots: dict[str, SlotValue | None] = {slot.name: None for slot in intent.slots}
            by_name = {slot.name: slot for slot in intent.slots}
            resolved = 0
            for index, name in enumerate(slot_names):
                if name in by_name:
                    slots[name] = fill(by_name[name], match[f"s{index}"], locale)
                    resolved += slots[name] is not None
            # Most literal characters first; among equals, the one whose slot values resolve.
            score = (literal, resolved)
            if best is None or score > best[:2]:
                best = (*score, Interpretation(intent, slots))
    if best is None:
        return Interpretation(locale.fallback, {}, confidence=0.0)
    return best[2]
