"""Faults survived by `mlstack local`: a deploy failing mid-stack, a run interrupted, a second run at once.

Each runs `python -m mlstack local` as a user would; processes are checked through /proc and os.kill(pid, 0).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

import pytest

from tests.e2e.test_round_trip import MLSTACK, ROOT, run_local

pytestmark = pytest.mark.round_trip


def test_a_deploy_failing_mid_stack_rolls_back_and_the_next_deploy_passes(tmp_path: Path) -> None:
    """The emulator fails the Data stack's first Glue table: the stack is ROLLBACK_COMPLETE with nothing of it
    left, and the next deploy into the same emulator passes its checks and is destroyed without a trace."""
    report = run_local(tmp_path, "--scenario", "failed-deploy", "-c", "layers=data")
    assert report["rolled_back"] == ["Mlstack-Data"]
    names = [phase["name"] for phase in report["phases"]]
    assert names.index("deploy (fails, rolls back)") < names.index("deploy") < names.index("leftovers")
    assert "fail" not in {check["status"] for check in report["checks"]}
    assert report["leftovers"] == []


def start_local(tmp_path: Path, name: str) -> tuple[subprocess.Popen[str], Path]:
    """`mlstack local -c layers=data --json` in a session of its own: every process it starts stays in it."""
    report = tmp_path / f"{name}.json"
    process = subprocess.Popen(
        [*MLSTACK, "local", "--json", str(report), "-c", "layers=data"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, report


def wait_for_line(stream: IO[str], wanted: str, timeout: float = 300) -> list[str]:
    """Read `stream` up to a line starting with `wanted`; the lines read."""
    deadline, lines = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith(wanted):
            return lines
    raise AssertionError(f"no {wanted!r} line:\n{''.join(lines)[-3000:]}")


def processes_in_session(session: int) -> list[str]:
    """`pid command` of every live process in `session` (its leader's pid), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, pgrp, session, ...
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(f"{entry.name} {stat[stat.index('(') + 1 : stat.rindex(')')]}")
    return found


def port_is_free(endpoint: str) -> bool:
    """Nobody listens on the endpoint's port and a new server could listen there (SO_REUSEADDR, as werkzeug's:
    the closed connections of the stopped emulator may linger in TIME_WAIT, which is no process's)."""
    port = int(endpoint.rsplit(":", 1)[1])
    with socket.socket() as probe, socket.socket() as server:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind(("127.0.0.1", port))
            server.listen()
        except OSError:
            return False
    return True


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_leaves_no_process_or_port_and_a_rerun_passes(
    tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    process, report_path = start_local(tmp_path, "interrupted")
    try:
        assert process.stdout is not None
        wait_for_line(process.stdout, "--- deploy")
        time.sleep(2)  # the CDK CLI is up and deploying
        process.send_signal(signum)
        out, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == code, out[-3000:]
    report = json.loads(report_path.read_text())
    assert report["error"] == f"interrupted by {signum.name}"
    assert report["phases"][-1]["name"] == "deploy"  # interrupted during the deploy
    emulator_pid, endpoint = report["emulator"]["pid"], report["emulator"]["endpoint"]
    with pytest.raises(ProcessLookupError):
        os.kill(emulator_pid, 0)
    assert port_is_free(endpoint)
    assert processes_in_session(process.pid) == []  # neither the CDK CLI nor the emulator, nor their children
    rerun = run_local(tmp_path, "-c", "layers=data")
    assert rerun["passed"] is True and rerun["leftovers"] == []


def test_a_second_run_refuses_while_one_runs(tmp_path: Path) -> None:
    first, _ = start_local(tmp_path, "first")
    try:
        assert first.stdout is not None
        wait_for_line(first.stdout, "--- synth")
        second = subprocess.run(
            [*MLSTACK, "local", "-c", "layers=data"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        assert second.returncode == 1
        assert second.stdout == ""
        assert second.stderr.strip().count("\n") == 0, second.stderr
        assert f"another `mlstack local` is running in this checkout (pid {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    assert first.returncode == 143
