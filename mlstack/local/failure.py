"""How a phase of the round trip fails: one message, ending with the tail of what the CLI printed."""

from __future__ import annotations


class PhaseFailed(Exception):
    """A phase of the round trip failed; the message says which and why."""


def tail(text: str, lines: int = 40) -> str:
    """The last `lines` lines of a CLI's output: where its error is."""
    return "\n".join(text.strip().splitlines()[-lines:])
