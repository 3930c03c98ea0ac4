"""The local round trip with the real CDK CLI: the app itself, and the prototype of the layers still to land."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCAL = [sys.executable, str(ROOT / "scripts" / "local.py")]
PROTOTYPE_APP = f"{sys.executable} {ROOT / 'tests' / 'e2e' / 'prototype_app.py'}"

pytestmark = pytest.mark.round_trip


def run_local(*args: str) -> str:
    result = subprocess.run([*LOCAL, *args], cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-6000:]
    return report


def test_app_round_trip_passes_with_zero_leftovers() -> None:
    report = run_local()
    assert re.search(r"^leftovers:\s+0$", report, re.MULTILINE)
    assert re.search(r"^stacks deployed:\s+.*Mlstack-Data", report, re.MULTILINE)
    assert "[fail]" not in report
    assert "result:            passed" in report


def test_prototype_of_every_layer_round_trips() -> None:
    """Notebook, endpoint, VPC, DLAMI instance, alarms, Lex bot, Powertools function, table, bucket deployments."""
    report = run_local("--app", PROTOTYPE_APP)
    deployed = re.search(r"^stacks deployed:\s+(.*)$", report, re.MULTILINE)
    assert deployed and deployed.group(1).split(", ") == [
        "Proto-ApiServices",
        "Proto-Data",
        "Proto-Frameworks",
        "Proto-Platform",
    ]
    for check in (
        "Platform: notebook instance",
        "Platform: endpoint config",
        "Frameworks: GPU instance",
        "Frameworks: idle-stop alarm",
        "ApiServices: fulfillment function",
        "ApiServices: results table",
    ):
        assert f"[pass] {check}" in report, check
    assert re.search(r"^leftovers:\s+0$", report, re.MULTILINE)
    assert "not emulated" not in report, "a resource type of the prototype was skipped by the emulator"
