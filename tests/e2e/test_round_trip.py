"""The local round trip with the real CDK CLI against the emulator: the whole app, and one layer alone.

Each test runs `mlstack local --json` as a user would and reads the JSON report it writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MLSTACK = [sys.executable, "-m", "mlstack"]

pytestmark = pytest.mark.round_trip


def run_local(tmp_path: Path, *args: str) -> dict[str, Any]:
    report_path = tmp_path / "local.json"
    result = subprocess.run(
        [*MLSTACK, "local", "--json", str(report_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    report: dict[str, Any] = json.loads(report_path.read_text())
    return report


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["status"] for check in report["checks"]}


def test_app_round_trip_passes_with_zero_leftovers(tmp_path: Path) -> None:
    """Every layer deploys, passes its checks, redeploys unchanged and is destroyed without a trace."""
    report = run_local(tmp_path)
    assert report["passed"] is True and report["error"] is None
    assert report["stacks"] == ["Mlstack-ApiServices", "Mlstack-Data", "Mlstack-Frameworks", "Mlstack-Platform"]
    found = statuses(report)
    for check in (
        "Data: bucket TLS-only policy",
        "Data: Glue tables",
        "Data: Spark application",
        "Data: Spark job run (mlstack spark)",
        "Platform: notebook instance",
        "Platform: notebook lifecycle config",
        "Platform: endpoint config",
        "Frameworks: GPU instance",
        "Frameworks: IMDSv2 required",
        "Frameworks: idle-stop alarm",
        "ApiServices: fulfillment function",
        "ApiServices: results table",
    ):
        assert found.get(check) == "pass", (check, found.get(check))
    assert "fail" not in found.values()
    assert report["not_emulated"] == [], "a resource type of the app was skipped by the emulator"
    assert report["leftovers"] == []
    assert [phase["name"] for phase in report["phases"]][-1] == "leftovers"


def test_a_single_layer_round_trips(tmp_path: Path) -> None:
    """`-c layers=data` passes straight through to the CLI: only the Data stack is deployed and checked."""
    report = run_local(tmp_path, "-c", "layers=data")
    assert report["stacks"] == ["Mlstack-Data"]
    found = statuses(report)
    for layer in ("Platform", "Frameworks", "ApiServices"):
        assert found[f"{layer}: layer"] == "skipped"
    assert report["leftovers"] == []


def test_retained_data_is_adopted_by_the_next_deploy(tmp_path: Path) -> None:
    """`--scenario retain`: retain_data keeps the bucket (objects, versions) and table; the next deploy adopts
    them by the flags `mlstack cdk destroy` prints, reads the same objects and item back, and its destroy
    (retain_data off) leaves the adopted ones alone, so the run deletes them itself: zero leftovers."""
    report = run_local(tmp_path, "--scenario", "retain")
    assert report["passed"] is True
    assert report["stacks"] == ["Mlstack-ApiServices", "Mlstack-Data"]
    names = [phase["name"] for phase in report["phases"]]
    for earlier, later in [
        ("write data", "destroy (retain_data)"),
        ("destroy (retain_data)", "data kept"),
        ("data kept", "deploy (adopting)"),
        ("deploy (adopting)", "read data back"),
        ("read data back", "destroy"),
        ("destroy", "delete kept data"),
    ]:
        assert names.index(earlier) < names.index(later), (earlier, later)
    kinds = sorted(entry.split(":")[0] for entry in report["kept"])
    assert kinds == ["bucket", "bucket", "table"]  # data bucket, its access-log bucket, results table
    assert any(entry.startswith("bucket:mlstack-data-datalakedatabucket") for entry in report["kept"])
    assert statuses(report)["Data: bucket TLS-only policy"] == "pass"  # enforced again on the adopted bucket
    assert report["leftovers"] == []
