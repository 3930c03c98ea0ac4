"""The CDK CLI in a child process group of its own, aimed at the emulator, stopped whole on a timeout or an
interrupt."""

from __future__ import annotations

import os
import subprocess

from mlstack.local.failure import PhaseFailed, tail
from mlstack.local.processes import stop_process_group
from mlstack.ops import cdk_cli
from mlstack.paths import ROOT

CDK_QUIET = ["--no-notices", "--no-version-reporting", "--ci"]
# One CLI command against the emulator takes seconds; a hang (a stack waiting on a state moto never
# reaches) must fail the round trip rather than block CI.
CDK_TIMEOUT_SECONDS = int(os.environ.get("MLSTACK_LOCAL_CDK_TIMEOUT", "600"))


def run(args: tuple[str, ...], env: dict[str, str], *, verbose: bool) -> tuple[int, str]:
    """Run `cdk ARGS`: its exit code and output (stdout and stderr). PhaseFailed on a timeout."""
    process = subprocess.Popen(
        cdk_cli.command(*args, *CDK_QUIET),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        process_group=0,
    )
    try:
        output, _ = process.communicate(timeout=CDK_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        stop_process_group(process)
        output, _ = process.communicate()
        raise PhaseFailed(
            f"`cdk {' '.join(args)}` timed out after {CDK_TIMEOUT_SECONDS} s:\n{tail(output or '')}"
        ) from None
    except BaseException:  # Interrupted, or anything else: the CLI must not outlive this run
        stop_process_group(process)
        raise
    if verbose:
        print(output)
    return process.returncode, output
