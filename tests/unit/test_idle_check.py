"""The notebook's idle check: stops the instance only when Jupyter has been idle for the configured time."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from stacks.constructs.notebook_instance import LIFECYCLE_DIR, on_start_script
from tests.conftest import load_file_module

UTC = datetime.UTC
NOW = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - datetime.timedelta(hours=5)


idle_check = load_file_module("idle_check", LIFECYCLE_DIR / "idle_check.py")


def _jupyter_time(moment: datetime.datetime) -> str:
    """Jupyter's format: ISO 8601 with microseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _session(state: str, minutes_ago: float) -> dict[str, Any]:
    last = _jupyter_time(NOW - datetime.timedelta(minutes=minutes_ago))
    return {"id": "s1", "path": "a.ipynb", "kernel": {"id": "k1", "execution_state": state, "last_activity": last}}


@pytest.mark.parametrize(
    ("sessions", "terminals", "idle"),
    [
        ([_session("idle", 61)], [], True),
        ([_session("idle", 60)], [], True),  # exactly the threshold counts as idle
        ([_session("idle", 59)], [], False),
        ([_session("busy", 600)], [], False),  # a long-running cell is never idle
        ([_session("starting", 600)], [], False),
        ([_session("idle", 120), _session("idle", 5)], [], False),  # the newest kernel activity counts
        ([_session("idle", 120), _session("busy", 120)], [], False),
        ([_session("idle", 120)], [{"name": "1", "last_activity": _jupyter_time(NOW)}], False),
        ([], [], True),  # nothing open since the instance started five hours ago
    ],
)
def test_idle_only_when_nothing_ran_for_the_threshold(sessions: list, terminals: list, idle: bool) -> None:
    assert idle_check.is_idle(sessions, terminals, LONG_AGO, NOW, idle_minutes=60) is idle


def test_a_freshly_started_instance_with_no_sessions_is_not_idle() -> None:
    started = NOW - datetime.timedelta(minutes=10)
    assert idle_check.is_idle([], [], started, NOW, idle_minutes=60) is False
    assert idle_check.is_idle([], [], started, NOW, idle_minutes=10) is True


def test_the_threshold_is_the_configured_number_of_minutes() -> None:
    sessions = [_session("idle", 30)]
    assert idle_check.is_idle(sessions, [], LONG_AGO, NOW, idle_minutes=15) is True
    assert idle_check.is_idle(sessions, [], LONG_AGO, NOW, idle_minutes=45) is False


def test_millisecond_timestamps_parse() -> None:
    assert idle_check.parse_timestamp("2026-01-15T11:00:00.123Z") == datetime.datetime(
        2026, 1, 15, 11, 0, 0, 123000, tzinfo=UTC
    )


class _FakeJupyter(BaseHTTPRequestHandler):
    responses: ClassVar[dict[str, Any]] = {}

    def do_GET(self) -> None:
        if self.path not in self.responses:
            self.send_error(404)
            return
        body = json.dumps(self.responses[self.path]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def jupyter() -> Iterator[tuple[str, dict[str, Any]]]:
    """A local stand-in for the notebook's Jupyter server; tests fill in what its API returns."""
    responses: ClassVar[dict[str, Any]] = {}
    handler = type("Handler", (_FakeJupyter,), {"responses": responses})
    server = HTTPServer(("127.0.0.1", 0), handler)
    # A short poll: serve_forever checks for shutdown() every poll interval (default 0.5 s).
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", responses
    server.shutdown()
    server.server_close()


@pytest.fixture
def stops(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(idle_check, "stop_notebook", lambda name, region: calls.append((name, region)))
    return calls


def _run(url: str, tmp_path: Path, idle_minutes: int = 60) -> int:
    metadata = tmp_path / "resource-metadata.json"
    metadata.write_text(json.dumps({"ResourceName": "mlstack-notebook"}))
    started = datetime.datetime.now(tz=UTC) - datetime.timedelta(hours=3)
    return idle_check.main(
        [
            f"--idle-minutes={idle_minutes}",
            f"--started-at={started.timestamp()}",
            "--region=eu-west-1",
            f"--jupyter-url={url}",
            f"--metadata-file={metadata}",
        ]
    )


def _ago(minutes: int) -> str:
    return _jupyter_time(datetime.datetime.now(tz=UTC) - datetime.timedelta(minutes=minutes))


def test_stops_this_notebook_when_the_sessions_api_shows_it_idle(jupyter: Any, stops: list, tmp_path: Path) -> None:
    url, responses = jupyter
    responses["/api/sessions"] = [{"kernel": {"execution_state": "idle", "last_activity": _ago(90)}}]
    responses["/api/terminals"] = []
    assert _run(url, tmp_path) == 0
    assert stops == [("mlstack-notebook", "eu-west-1")]


def test_keeps_running_while_a_kernel_is_busy(jupyter: Any, stops: list, tmp_path: Path) -> None:
    url, responses = jupyter
    responses["/api/sessions"] = [{"kernel": {"execution_state": "busy", "last_activity": _ago(300)}}]
    responses["/api/terminals"] = []
    assert _run(url, tmp_path) == 0
    assert stops == []


def test_keeps_running_after_recent_activity_and_honours_the_threshold(
    jupyter: Any, stops: list, tmp_path: Path
) -> None:
    url, responses = jupyter
    responses["/api/sessions"] = [{"kernel": {"execution_state": "idle", "last_activity": _ago(20)}}]
    assert _run(url, tmp_path, idle_minutes=30) == 0  # /api/terminals answers 404: no terminals
    assert stops == []
    assert _run(url, tmp_path, idle_minutes=15) == 0
    assert stops == [("mlstack-notebook", "eu-west-1")]


def test_an_unreachable_jupyter_is_not_taken_for_idleness(stops: list, tmp_path: Path) -> None:
    assert _run("http://127.0.0.1:9", tmp_path) == 0
    assert stops == []


def test_on_start_script_embeds_the_idle_check_verbatim_and_is_valid_bash(tmp_path: Path) -> None:
    script = on_start_script(45, "eu-west-1", bucket="data-bucket", notebooks_prefix="notebooks/")
    embedded = re.search(r"<<'IDLE_CHECK_PY'\n(.*?)\nIDLE_CHECK_PY\n", script, re.DOTALL)
    assert embedded is not None
    assert embedded.group(1) == (LIFECYCLE_DIR / "idle_check.py").read_text().rstrip("\n")
    assert "--idle-minutes 45" in script and "--region eu-west-1" in script
    assert "@" not in script.replace(embedded.group(1), "")  # every placeholder filled
    assert not re.search(r"pip install|curl |wget ", script)  # self-contained: works without internet
    path = tmp_path / "on_start.sh"
    path.write_text(script)
    subprocess.run(["bash", "-n", str(path)], check=True)
