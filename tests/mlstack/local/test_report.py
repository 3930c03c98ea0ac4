"""`mlstack local`'s report: the printed summary and the `--json` document the e2e tests read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlstack.local.emulator_process import Emulator
from mlstack.local.report import json_report, report
from mlstack.local.round_trip import RoundTrip
from mlstack.ops.checks import CheckResult, Status


def _finished_trip() -> RoundTrip:
    trip = RoundTrip("http://localhost:1", [], verbose=False)
    trip.stacks = ["Mlstack-Data", "Mlstack-Platform"]
    trip.timings = [("synth", 2.25), ("deploy", 5.5)]
    trip.checks = [
        CheckResult("Data: bucket encryption", Status.PASS, "b: aws:kms"),
        CheckResult("Frameworks: IMDSv2 required", Status.NOT_CHECKABLE, "only a real account can answer"),
        CheckResult("ApiServices: layer", Status.SKIPPED, "stack not deployed"),
    ]
    trip.leftovers = ["bucket:left"]
    trip.unlistable = {"lifecycle-config"}
    return trip


def test_the_json_report_writes_each_check_with_its_status_value(tmp_path: Path) -> None:
    emulator = Emulator(tmp_path / "emulator.log")
    document = json.loads(json.dumps(json_report(_finished_trip(), emulator, "1 resource(s) left after destroy")))
    assert document["passed"] is False and document["error"] == "1 resource(s) left after destroy"
    assert document["checks"] == [
        {"name": "Data: bucket encryption", "status": "pass", "detail": "b: aws:kms"},
        {
            "name": "Frameworks: IMDSv2 required",
            "status": "not checkable here",
            "detail": "only a real account can answer",
        },
        {"name": "ApiServices: layer", "status": "skipped", "detail": "stack not deployed"},
    ]
    assert document["phases"] == [{"name": "synth", "seconds": 2.25}, {"name": "deploy", "seconds": 5.5}]
    assert (document["leftovers"], document["unlistable"]) == (["bucket:left"], ["lifecycle-config"])


def test_the_printed_report_counts_the_checks_by_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report(_finished_trip(), Emulator(tmp_path / "emulator.log"), None)
    out = capsys.readouterr().out
    assert "resources checked: 3 (1 pass, 0 fail, 1 not checkable here, 1 skipped)" in out
    assert "  total                         7.8 s" in out
    assert "leftovers:         1 (bucket:left)" in out
    assert out.rstrip().endswith("result:            passed")
