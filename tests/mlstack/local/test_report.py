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
    trip.planned = ["synth", "deploy"]
    trip.leftovers = ["bucket:left"]
    trip.leftovers_checked = True
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


def _failed_redeploy() -> RoundTrip:
    """A run whose redeploy failed: destroy and leftovers never ran."""
    trip = RoundTrip("http://localhost:1", [], verbose=False)
    trip.planned = ["synth", "deploy", "redeploy (no changes)", "destroy", "leftovers"]
    trip.timings = [("synth", 1.0), ("deploy", 2.0), ("redeploy (no changes)", 3.0)]
    trip.failed_phase = "redeploy (no changes)"
    return trip


def test_phases_that_did_not_run_are_reported_as_not_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report(_failed_redeploy(), Emulator(tmp_path / "emulator.log"), "a second deploy without changes changed X")
    out = capsys.readouterr().out
    assert "  redeploy (no changes)         3.0 s  failed" in out
    assert "  destroy                    not run" in out
    assert "  leftovers                  not run" in out
    assert "leftovers:         not run" in out
    assert "leftovers:         0" not in out
    assert out.count("a second deploy without changes changed X") == 1
    document = json_report(_failed_redeploy(), Emulator(tmp_path / "emulator.log"), "failed")
    assert document["leftovers"] is None
    assert document["not_run"] == ["destroy", "leftovers"]


def test_a_failure_is_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first line of a multi-line failure is the report's result line; stderr gets only the rest."""
    from mlstack.local import run as local_run
    from mlstack.local.failure import PhaseFailed

    class NoEmulator(Emulator):
        def start(self, timeout: float = 60) -> None:
            raise PhaseFailed("emulator did not start\nits log's last line")

    from mlstack.local.lock import run_lock

    monkeypatch.setattr(local_run, "Emulator", lambda *args: NoEmulator(tmp_path / "emulator.log"))
    monkeypatch.setattr(local_run, "run_lock", lambda: run_lock(tmp_path / "lock"))
    code = local_run.run("app", [], verbose=False, app=None, keep=False, json_path=None)
    captured = capsys.readouterr()
    assert code == 1
    assert (captured.out + captured.err).count("emulator did not start") == 1
    assert "its log's last line" in captured.err
