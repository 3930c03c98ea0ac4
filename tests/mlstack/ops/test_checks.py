"""The check-result model smoke, preflight and local share: its line, counts, table and JSON value."""

from __future__ import annotations

import json

from rich.console import Console

from mlstack.ops import checks
from mlstack.ops.checks import CheckResult, Status

RESULTS = [
    CheckResult("Data: bucket encryption", Status.PASS, "b: aws:kms"),
    CheckResult("Frameworks: IMDSv2 required", Status.NOT_CHECKABLE, "only a real account can answer"),
    CheckResult("Data: Glue tables", Status.FAIL, "database d has no table", "run the crawler"),
    CheckResult("Platform: layer", Status.SKIPPED, "stack not deployed"),
]


def test_a_line_names_the_status_the_check_and_what_was_seen() -> None:
    assert RESULTS[0].line() == "[pass] Data: bucket encryption: b: aws:kms"
    assert CheckResult("credentials", Status.FAIL).line() == "[fail] credentials"


def test_the_summary_counts_every_smoke_status_in_order() -> None:
    assert checks.summary(RESULTS) == "4 checks: 1 pass, 1 fail, 1 not checkable here, 1 skipped"
    assert checks.counts([], (Status.PASS, Status.WARN)) == "0 pass, 0 warn"


def test_failed_is_only_the_failures() -> None:
    assert checks.failed(RESULTS) == [RESULTS[2]]
    assert checks.failed([CheckResult("quota", Status.WARN, "quota not found")]) == []


def test_the_status_is_written_to_json_as_its_value() -> None:
    assert json.dumps({"status": Status.NOT_CHECKABLE.value}) == '{"status": "not checkable here"}'
    assert Status("skipped") is Status.SKIPPED


def test_the_table_shows_each_result_in_capitals_with_its_fix() -> None:
    console = Console(width=200, no_color=True, record=True)
    console.print(checks.table("Preflight", [*RESULTS, CheckResult("quota: x", Status.WARN, "quota not found")]))
    text = console.export_text()
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") == 5}
    assert "PASS" in rows["Data: bucket encryption"]
    assert "FAIL" in rows["Data: Glue tables"] and "run the crawler" in rows["Data: Glue tables"]
    assert "SKIP" in rows["Platform: layer"] and "WARN" in rows["quota: x"]
