"""`mlstack local`'s start of the emulator: which public parameters it seeds, from the app's own settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlstack.commands import local
from mlstack.ops import ui
from stacks.config import FrameworksSettings


def test_every_dlami_parameter_the_app_can_resolve_is_seeded() -> None:
    names = local.dlami_parameter_names()
    assert FrameworksSettings().ami_parameter in names  # the default the app deploys
    assert "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id" in names
    assert names == sorted(set(names))


def test_the_emulator_process_is_the_package_told_what_to_seed() -> None:
    command = local.emulator_command()
    assert command[:3] == [sys.executable, "-m", "mlstack.emulator"]
    seeded = [command[i + 1] for i, arg in enumerate(command) if arg == "--dlami-parameter"]
    assert seeded == local.dlami_parameter_names()


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
        with pytest.raises(ui.CommandError) as refused, local.run_lock(path):
            pass
        assert refused.value.code == ui.EXIT_FAILED
        assert str(refused.value) == (
            "another `mlstack local` is running in this checkout (pid 4242, lock cdk.local.lock); "
            "wait for it to finish or stop it"
        )
    finally:
        holder.kill()  # SIGKILL: no cleanup of its own; the kernel drops the lock with the process
        holder.wait()
    with local.run_lock(path):
        assert path.read_text() == str(os.getpid())


def test_sigterm_becomes_an_interrupt_the_run_can_clean_up_after() -> None:
    with pytest.raises(local.Interrupted) as interrupted, local.interruptible():
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
    local.stop_process_group(leader, grace=1)
    assert leader.poll() is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        if Path(f"/proc/{child}/stat").read_text().split(") ")[1].startswith("Z"):
            break  # a zombie: dead, waiting to be reaped by init
        time.sleep(0.1)
    else:
        assert not Path(f"/proc/{child}").exists()
