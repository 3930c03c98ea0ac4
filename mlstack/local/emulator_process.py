"""The emulator in a child process of its own: `python -m mlstack.emulator` on a free localhost port, accepting
only the run's credentials (account.run_credentials)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import get_args

from pydantic import ValidationError

from mlstack.local import account
from mlstack.local.failure import PhaseFailed
from mlstack.local.processes import stop_process_group
from mlstack.paths import ROOT
from stacks.config import FrameworksSettings


def dlami_parameter_names() -> list[str]:
    """Every DLAMI parameter the Frameworks layer can resolve, asked of its own settings model.

    Each valid framework/OS combination names its parameter (FrameworksSettings.ami_parameter), so a new
    DLAMI version in the app needs no change here. The emulator serves exactly these (it knows no settings).
    """
    names = set()
    for framework in FrameworksSettings.FRAMEWORKS:
        for os_name in get_args(FrameworksSettings.model_fields["os"].annotation):
            try:
                names.add(FrameworksSettings(framework=framework, os=os_name).ami_parameter)
            except ValidationError:  # no DLAMI for that combination: the app refuses it too
                continue
    return sorted(names)


def emulator_command(port: int = 0, fail_next_create: tuple[str, ...] = ()) -> list[str]:
    """The emulator's process: `python -m mlstack.emulator`, told which public parameters to seed (and which
    resource types' next create to fail, for `--scenario failed-deploy`)."""
    seeds = [arg for name in dlami_parameter_names() for arg in ("--dlami-parameter", name)]
    faults = [arg for resource_type in fail_next_create for arg in ("--fail-next-create", resource_type)]
    return [sys.executable, "-m", "mlstack.emulator", "--port", str(port), *seeds, *faults]


class Emulator:
    """The emulator in a child process; `endpoint` once started. Always stopped by `stop()`."""

    def __init__(self, log_path: Path, fail_next_create: tuple[str, ...] = ()):
        self.log_path = log_path
        self.fail_next_create = fail_next_create
        self.process: subprocess.Popen[str] | None = None
        self.endpoint = ""
        self.pid: int | None = None
        self.skipped_types: list[str] = []

    def start(self, timeout: float = 60) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        # A process group of its own: a Ctrl-C in the terminal reaches only this command, which stops it.
        self.process = subprocess.Popen(
            emulator_command(fail_next_create=self.fail_next_create),
            cwd=ROOT,
            # The run's credentials, the only ones the emulator will accept (in the environment, out of `ps`).
            env={**os.environ, **account.run_credentials().handover()},
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            process_group=0,
        )
        self.pid = self.process.pid
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY ") or time.monotonic() > deadline:
            self.stop()
            raise PhaseFailed(f"emulator did not start (log: {self.log_path})")
        self.endpoint = line.split()[1]

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                out, _ = self.process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                stop_process_group(self.process, grace=5)
                out, _ = self.process.communicate()
            for line in (out or "").splitlines():
                if line.startswith("SKIPPED "):
                    self.skipped_types = json.loads(line.removeprefix("SKIPPED "))
        self.process = None
        self._log.close()
