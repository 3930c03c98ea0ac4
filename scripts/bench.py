#!/usr/bin/env python3
"""`make bench`: synth time of the whole app against a one-bucket CDK app in the same run, test wall time.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        baseline_file = Path(tmp, "baseline.py")
        baseline_file.write_text(BASELINE_APP)
        baseline, app = [], []
        for run in range(REPEAT):
            baseline.append(_timed([sys.executable, str(baseline_file)], _synth_env(f"{tmp}/b{run}")))
            app.append(_timed([sys.executable, "app.py"], _synth_env(f"{tmp}/a{run}")))
        stacks = sorted(p.name for p in Path(f"{tmp}/a0").glob("*.template.json"))
    tests = _timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit", "tests/lambdas"])
    b, a = statistics.median(baseline), statistics.median(app)
    print(f"stacks synthesized:       {', '.join(stacks)}")
    print(f"baseline synth (1 bucket): {b:6.2f} s  (median of {REPEAT})")
    print(f"mlstack synth (with nag):  {a:6.2f} s  (median of {REPEAT})")
    print(f"ratio app / baseline:      {a / b:6.2f}x")
    print(f"unit + lambda tests:       {tests:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
