"""Synth time of the whole app against a one-bucket CDK app in the same run, and the test gate's wall time.

jsii start-up dominates any CDK synth, so the app's synth is reported as a ratio to a baseline app that
pays the same start-up for one bucket: REPEAT pairs (the baseline, then the app, each in a fresh process), the
ratio being the median of the pairs' ratios. The gate is the median of GATE_REPEAT runs of `make test`.
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

from mlstack.ops.cdk_cli import VALIDATION_VARIABLE
from mlstack.ops.settings import cdk_context
from mlstack.paths import ROOT

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
GATE_REPEAT = int(os.environ.get("BENCH_GATE_REPEAT", "3"))
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


def _synth_env(outdir: str, validation: str | None, context_json: str) -> dict[str, str]:
    """This process's environment with the CLI's context and `outdir`; CDK's built-in validation switch set to
    `validation`, or left unset (on by default in a plain app, off in mlstack's: app.py)."""
    env = {key: value for key, value in os.environ.items() if key != VALIDATION_VARIABLE}
    if validation is not None:
        env[VALIDATION_VARIABLE] = validation
    return {**env, "CDK_CONTEXT_JSON": context_json, "CDK_OUTDIR": outdir}


@dataclass(frozen=True)
class SynthPairs:
    """Paired runs: in each, the baseline then the app, each in a fresh process."""

    label: str
    baseline_s: list[float]
    app_s: list[float]

    @property
    def ratio(self) -> float:
        """The median of the pairs' ratios (a pair shares the machine's load of the moment)."""
        return statistics.median(app / baseline for app, baseline in zip(self.app_s, self.baseline_s, strict=True))

    def line(self) -> str:
        return (
            f"{self.label:<44} app {statistics.median(self.app_s):5.2f} s, baseline "
            f"{statistics.median(self.baseline_s):5.2f} s, ratio {self.ratio:4.2f}x"
        )


@dataclass(frozen=True)
class SynthFigures:
    stacks: list[str]
    as_shipped: SynthPairs
    both_validating: SynthPairs
    neither_validating: SynthPairs
    repeat: int

    def lines(self) -> list[str]:
        return [
            f"stacks synthesized: {', '.join(self.stacks)}; medians of {self.repeat} paired runs, fresh processes",
            self.as_shipped.line(),
            self.both_validating.line(),
            self.neither_validating.line(),
        ]


def _pairs(
    label: str, tmp: str, repeat: int, *, app_validation: str | None, baseline_validation: str | None
) -> SynthPairs:
    baseline_file = Path(tmp, "baseline.py")
    baseline_file.write_text(BASELINE_APP)
    context_json = json.dumps(cdk_context())
    baseline, app = [], []
    for run in range(repeat):
        baseline_env = _synth_env(f"{tmp}/b{run}", baseline_validation, context_json)
        baseline.append(_timed([sys.executable, str(baseline_file)], baseline_env))
        app.append(_timed([sys.executable, "app.py"], _synth_env(f"{tmp}/a{run}", app_validation, context_json)))
    return SynthPairs(label, baseline, app)


def synth_figures(repeat: int = REPEAT) -> SynthFigures:
    """The app's synth (with nag) against a one-bucket app's: as each ships (the baseline with CDK's built-in
    validation, the app without, as `cdk synth` runs them), both validating (as `mlstack cdk deploy` runs the
    app) and neither."""
    with tempfile.TemporaryDirectory() as tmp:
        as_shipped = _pairs(
            "as shipped (`cdk synth` of each):", tmp, repeat, app_validation=None, baseline_validation=None
        )
        stacks = sorted(p.name for p in Path(f"{tmp}/a0").glob("*.template.json"))
        both = _pairs(
            "both with CDK's built-in validation:", tmp, repeat, app_validation="true", baseline_validation=None
        )
        neither = _pairs(
            "neither with CDK's built-in validation:", tmp, repeat, app_validation=None, baseline_validation="false"
        )
    return SynthFigures(stacks, as_shipped, both, neither, repeat)


def gate_seconds(target: str = "test", repeat: int = GATE_REPEAT) -> list[float]:
    """Wall seconds of `repeat` runs of `make <target>` with warm venvs (the CI gate is `make test`)."""
    return [_timed(["make", "--no-print-directory", target]) for _ in range(repeat)]
