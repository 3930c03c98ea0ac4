"""`mlstack local`'s run lock: one run per checkout, released by the kernel when its holder dies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlstack.local.lock import run_lock
from mlstack.ops import ui

HOLD_LOCK = """
import fcntl, sys, time
lock = open(sys.argv[1], "a+")
fcntl.flock(lock, fcntl.LOCK_EX)
lock.write("4242"); lock.flush()
print("held", flush=True)
time.sleep(60)
"""


def test_a_held_run_lock_refuses_in_one_line_and_dies_with_its_holder(tmp_path: Path) -> None:
    path = tmp_path / "cdk.local.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(ui.CommandError) as refused, run_lock(path):
            pass
        assert refused.value.code == ui.EXIT_FAILED
        assert str(refused.value) == (
            "another `mlstack local` is running in this checkout (pid 4242, lock cdk.local.lock); "
            "wait for it to finish or stop it"
        )
    finally:
        holder.kill()  # SIGKILL: no cleanup of its own; the kernel drops the lock with the process
        holder.wait()
    with run_lock(path):
        assert path.read_text() == str(os.getpid())
