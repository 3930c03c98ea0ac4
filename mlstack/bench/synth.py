"""Synth time of the whole app against a one-bucket CDK app in the same run, and the test gate's wall time.

jsii start-up dominates any CDK synth, so the app's synth is reported as a ratio to a baseline app that
pays the same start-up for one bucket. Each synth runs REPEAT times in a fresh process; medians are used.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mlstack.paths import ROOT

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
BASELINE_APP = """
import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
app = cdk.App()
s3.Bucket(cdk.Stack(app, "Baseline"), "Bucket")
app.synth()
"""


def _timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _synth_env(outdir: str) -> dict[str, str]:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    return {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": outdir}


@dataclass(frozen=True)
class SynthFigures:
    stacks: list[str]
    baseline_s: float
    app_s: float
    repeat: int

    def lines(self) -> list[str]:
        return [
            f"stacks synthesized:        {', '.join(self.stacks)}",
            f"baseline synth (1 bucket): {self.baseline_s:6.2f} s  (median of {self.repeat})",
            f"mlstack synth (with nag):  {self.app_s:6.2f} s  (median of {self.repeat})",
            f"ratio app / baseline:      {self.app_s / self.baseline_s:6.2f}x",
        ]


def synth_figures(repeat: int = REPEAT) -> SynthFigures:
    """Median synth seconds of the app and of the one-bucket baseline, each in fresh processes."""
    with tempfile.TemporaryDirectory() as tmp:
        baseline_file = Path(tmp, "baseline.py")
        baseline_file.write_text(BASELINE_APP)
        baseline, app = [], []
        for run in range(repeat):
            baseline.append(_timed([sys.executable, str(baseline_file)], _synth_env(f"{tmp}/b{run}")))
            app.append(_timed([sys.executable, "app.py"], _synth_env(f"{tmp}/a{run}")))
        stacks = sorted(p.name for p in Path(f"{tmp}/a0").glob("*.template.json"))
    return SynthFigures(stacks, statistics.median(baseline), statistics.median(app), repeat)


def gate_seconds(target: str = "test") -> float:
    """Wall seconds of `make <target>` with warm venvs (the CI gate is `make test`)."""
    return _timed(["make", "--no-print-directory", target])
