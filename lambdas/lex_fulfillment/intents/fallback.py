"""AMAZON.FallbackIntent: Lex did not recognise the request; point the user at help."""

from __future__ import annotations

from lex import LexRequest, Reply, close

from intents import Deps

SERVICE = "fallback"
MESSAGE = "Sorry, I didn't understand that. Say 'help' to hear what I can do."


def validate(request: LexRequest, deps: Deps) -> Reply | None:
    return None


def fulfil(request: LexRequest, deps: Deps) -> Reply:
    return close(request, MESSAGE, result="fallback")
