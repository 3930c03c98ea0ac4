"""Terminal output shared by the commands: tables, spinners, one-line errors and exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from rich.console import Console
from rich.table import Table

from stacks.config import SettingsError

EXIT_OK = 0
EXIT_FAILED = 1  # a check failed, or something the command was asked to do did not happen
EXIT_USAGE = 2  # invalid settings or arguments (the same code app.py uses)
EXIT_AWS_ERROR = 3  # AWS refused or could not be reached (credentials, permissions, throttling)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
# Refusals that mean the credentials, not the permissions, are the problem.
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
    }
)

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


class CommandError(Exception):
    """A failure the user can act on, with the exit code it means; printed as one line."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = EXIT_FAILED) -> int:
    """Print `mlstack: message` as one line on stderr and return `code`."""
    errors.print(f"mlstack: {' '.join(message.split())}", markup=False)
    return code


NO_REGION = "no AWS region: set AWS_REGION or -c region=... (e.g. -c region=eu-west-1)"
NO_CREDENTIALS = "no AWS credentials: set AWS_PROFILE or run `aws configure` / `aws sso login`"


def report_error(error: BaseException) -> int:  # noqa: PLR0911 - one return per kind of error
    """Print any error as one line and return its exit code (2 settings, 3 AWS, 1 the rest)."""
    if isinstance(error, SettingsError):
        for problem in error.problems:
            errors.print(f"mlstack: invalid setting: {problem}", markup=False)
        return EXIT_USAGE
    if isinstance(error, CommandError):
        return fail(str(error), error.code)
    if isinstance(error, KeyboardInterrupt):
        return fail("interrupted", EXIT_INTERRUPTED)
    if isinstance(error, NoRegionError):
        return fail(NO_REGION, EXIT_AWS_ERROR)
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return fail(NO_CREDENTIALS, EXIT_AWS_ERROR)
    if isinstance(error, ProfileNotFound):
        return fail(f"{error}: set AWS_PROFILE to a profile of ~/.aws/config", EXIT_AWS_ERROR)
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        code = info.get("Code", "")
        fix = (
            "; check the credentials (expired session? `aws sso login`)"
            if code in CREDENTIAL_ERROR_CODES
            else "; the role or user needs that permission"
            if "AccessDenied" in code or code == "UnauthorizedOperation"
            else ""
        )
        return fail(f"AWS refused {error.operation_name}: {code}: {info.get('Message', '')}{fix}", EXIT_AWS_ERROR)
    if isinstance(error, EndpointConnectionError):
        return fail(f"AWS unreachable: {error} (check the network and the region)", EXIT_AWS_ERROR)
    if isinstance(error, BotoCoreError):
        return fail(f"AWS call failed: {error}", EXIT_AWS_ERROR)
    return fail(f"unexpected {type(error).__name__}: {error} (MLSTACK_DEBUG=1 shows the traceback)", EXIT_FAILED)
