"""`mlstack local`'s signals and process groups: SIGTERM as an interrupt, a whole group stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from mlstack.local import processes


def test_sigterm_becomes_an_interrupt_the_run_can_clean_up_after() -> None:
    with pytest.raises(processes.Interrupted) as interrupted, processes.interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends
    assert interrupted.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # restored after the run


def test_stopping_a_process_group_stops_its_children_too() -> None:
    # A shell that ignores SIGTERM, with a child: both must go (the CDK CLI's node processes, say).
    leader = subprocess.Popen(
        ["sh", "-c", "trap '' TERM; sleep 60 & echo $!; wait"], stdout=subprocess.PIPE, text=True, process_group=0
    )
    assert leader.stdout is not None
    child = int(leader.stdout.readline())
    processes.stop_process_group(leader, grace=1)
    assert leader.poll() is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        if Path(f"/proc/{child}/stat").read_text().split(") ")[1].startswith("Z"):
            break  # a zombie: dead, waiting to be reaped by init
        time.sleep(0.1)
    else:
        assert not Path(f"/proc/{child}").exists()
