"""The local round trip with the real CDK CLI against the emulator: the whole app, and one layer alone."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCAL = [sys.executable, str(ROOT / "scripts" / "local.py")]

pytestmark = pytest.mark.round_trip


def run_local(*args: str) -> str:
    result = subprocess.run([*LOCAL, *args], cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    return report


def test_app_round_trip_passes_with_zero_leftovers() -> None:
    """Every layer deploys, passes its checks, redeploys unchanged and is destroyed without a trace."""
    report = run_local()
    deployed = re.search(r"^stacks deployed:\s+(.*)$", report, re.MULTILINE)
    assert deployed and deployed.group(1).split(", ") == [
        "Mlstack-ApiServices",
        "Mlstack-Data",
        "Mlstack-Frameworks",
        "Mlstack-Platform",
    ]
    for check in (
        "Data: bucket TLS-only policy",
        "Data: Glue tables",
        "Platform: notebook instance",
        "Platform: notebook lifecycle config",
        "Platform: endpoint config",
        "Frameworks: GPU instance",
        "Frameworks: IMDSv2 required",
        "Frameworks: idle-stop alarm",
        "ApiServices: fulfillment function",
        "ApiServices: results table",
    ):
        assert f"[pass] {check}" in report, check
    assert "[fail]" not in report
    assert "not emulated" not in report, "a resource type of the app was skipped by the emulator"
    assert re.search(r"^leftovers:\s+0$", report, re.MULTILINE)
    assert "result:            passed" in report


def test_a_single_layer_round_trips() -> None:
    """`-c layers=data` passes straight through to the CLI: only the Data stack is deployed and checked."""
    report = run_local("-c", "layers=data")
    assert re.search(r"^stacks deployed:\s+Mlstack-Data$", report, re.MULTILINE)
    for layer in ("Platform", "Frameworks", "ApiServices"):
        assert f"[skipped] {layer}: layer: stack not deployed" in report
    assert re.search(r"^leftovers:\s+0$", report, re.MULTILINE)
