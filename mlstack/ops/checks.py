"""One check's result, as `mlstack preflight`, `mlstack smoke` and `mlstack local` report it.

A check passes, fails, warns (preflight: a quota it could not find), cannot be answered where it runs
(smoke in the emulator: a property the emulator drops, e.g. IMDSv2) or is skipped (a layer not deployed,
or the AWS checks after refused credentials). Smoke and local print one line per check and a count by
status; preflight prints a table with the fix of each failure. Any FAIL means exit 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rich.table import Table

from mlstack.ops import ui


class Status(StrEnum):
    """A check's outcome; the value is what smoke prints and `mlstack local --json` writes."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_CHECKABLE = "not checkable here"
    SKIPPED = "skipped"


# What a smoke check can come to (it never warns), in the order its summary counts them.
SMOKE_STATUSES = (Status.PASS, Status.FAIL, Status.NOT_CHECKABLE, Status.SKIPPED)
# The preflight table's result column.
TABLE_LABELS = {
    Status.PASS: "[green]PASS[/]",
    Status.FAIL: "[bold red]FAIL[/]",
    Status.WARN: "[yellow]WARN[/]",
    Status.NOT_CHECKABLE: "[dim]N/A[/]",
    Status.SKIPPED: "[dim]SKIP[/]",
}


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome; `detail` says what was seen (or why it could not be checked), `fix` what to do
    when it did not pass. `cause`: the AWS error behind a failure, for a command that ends on it (exit 3)."""

    name: str
    status: Status
    detail: str = ""
    fix: str = ""
    cause: Exception | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        """`[pass] Data: bucket encryption: mlstack-data: aws:kms`."""
        return f"[{self.status}] {self.name}" + (f": {self.detail}" if self.detail else "")


def failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    return [result for result in results if result.status == Status.FAIL]


def counts(results: Sequence[CheckResult], statuses: Sequence[Status] = SMOKE_STATUSES) -> str:
    """`12 pass, 0 fail, 2 not checkable here, 0 skipped`."""
    return ", ".join(f"{sum(1 for r in results if r.status == status)} {status}" for status in statuses)


def summary(results: Sequence[CheckResult]) -> str:
    """`14 checks: 12 pass, 0 fail, 2 not checkable here, 0 skipped`."""
    return f"{len(results)} checks: {counts(results)}"


def table(title: str, results: Sequence[CheckResult]) -> Table:
    """Check, result, detail and fix, one row per check."""
    rows = [(r.name, TABLE_LABELS[r.status], r.detail, r.fix) for r in results]
    return ui.table(title, ["check", "result", "detail", "fix"], rows)
