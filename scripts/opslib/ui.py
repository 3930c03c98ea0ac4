"""Terminal output shared by the scripts: tables, spinners, one-line errors and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from rich.console import Console
from rich.table import Table

from stacks.config import SettingsError

EXIT_OK = 0
EXIT_FAILED = 1  # a check failed, or something the command was asked to do did not happen
EXIT_USAGE = 2  # invalid settings or arguments (the same code app.py uses)
EXIT_AWS_ERROR = 3  # AWS refused or could not be reached (credentials, permissions, throttling)

console = Console(highlight=False)
if not console.is_terminal:
    console = Console(highlight=False, width=200)  # piped or in CI: keep rows on one line
errors = Console(stderr=True, highlight=False, soft_wrap=True)  # one line per error, never wrapped


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    """A table whose cells are printed as text; numbers right-aligned."""
    result = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        result.add_column(column, justify="right" if "$" in column else "left", overflow="fold")
    for row in rows:
        result.add_row(*("" if cell is None else str(cell) for cell in row))
    return result


@contextmanager
def spinner(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner while a person waits; yields a function that updates the message."""
    with console.status(message) as status:
        yield status.update


def money(value: float) -> str:
    """Dollars with enough digits to see small amounts: 0, <0.0001, 0.0123, 12.35."""
    if value == 0:
        return "0"
    if value < 0.0001:
        return "<0.0001"
    return f"{value:.2f}" if value >= 1 else f"{value:.4f}"


def fail(message: str, code: int = EXIT_FAILED) -> int:
    errors.print(f"mlstack: {message}", markup=False)
    return code


def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run a script's main: invalid settings and AWS errors become one line and an exit code, no traceback."""
    try:
        return main(argv)
    except SettingsError as error:
        for problem in error.problems:
            errors.print(f"mlstack: invalid setting: {problem}", markup=False)
        return EXIT_USAGE
    except NoCredentialsError:
        return fail("no AWS credentials: set AWS_PROFILE or run `aws configure`", EXIT_AWS_ERROR)
    except ClientError as error:
        info = error.response.get("Error", {})
        return fail(f"AWS refused {error.operation_name}: {info.get('Code')}: {info.get('Message')}", EXIT_AWS_ERROR)
    except BotoCoreError as error:
        return fail(f"AWS call failed: {error}", EXIT_AWS_ERROR)
    except KeyboardInterrupt:
        return fail("interrupted", 130)


def exit_with(main: Callable[[list[str] | None], int]) -> None:
    sys.exit(run(main, sys.argv[1:]))
