"""The one error type of settings: every problem found, one line each."""

from __future__ import annotations


class SettingsError(Exception):
    """Invalid settings; `problems` holds one line per problem, each naming setting, value and rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
