"""One module per intent, each with `SERVICE` (named in failure replies), `validate` and `fulfil`."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from clients import Clients
from environment import Environment
from lex import LexRequest, Reply, elicit_slot


@dataclass(frozen=True)
class Deps:
    """What an intent may use: the settings and the AWS clients."""

    env: Environment
    clients: Clients


def require_text(request: LexRequest, slot: str, question: str, max_chars: int, what: str) -> Reply | None:
    """ElicitSlot when the slot is empty or longer than the service accepts, else None."""
    text = request.slot(slot)
    if not text:
        return elicit_slot(request, slot, question)
    if len(text) > max_chars:
        return elicit_slot(
            request,
            slot,
            f"That text has {len(text):,} characters; {what} takes at most {max_chars:,}. "
            "Please say something shorter.",
        )
    return None


def registry() -> dict[str, ModuleType]:
    from intents import analyze_sentiment, describe_image, fallback, forecast, help, read_text, speak, translate_text

    return {
        "DescribeImage": describe_image,
        "ReadText": read_text,
        "Speak": speak,
        "TranslateText": translate_text,
        "AnalyzeSentiment": analyze_sentiment,
        "Forecast": forecast,
        "Help": help,
        # A bot names its fallback intent (usually `FallbackIntent`); AMAZON.FallbackIntent is its signature.
        "FallbackIntent": fallback,
        "AMAZON.FallbackIntent": fallback,
    }
