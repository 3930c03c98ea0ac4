"""Signals and process groups: SIGINT/SIGTERM as an exception the run cleans up after, and a child's whole
group stopped (the CDK CLI's node processes, the emulator's server)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: the run stops, its children are stopped, the report says which signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise Interrupted, so the run's `finally` stops the emulator and the CDK CLI.

    (Python's default for SIGTERM ends the process at once: the emulator would outlive it, holding its port.)
    """

    def handler(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def stop_process_group(process: subprocess.Popen[str], grace: float = 10) -> None:
    """SIGTERM the process group `process` leads, then SIGKILL what is left after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # grandchildren that outlived the leader
