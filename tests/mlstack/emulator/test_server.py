"""The server: moto behind the request handlers registered with the extension point, on a port freed on stop."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import boto3
import pytest
import requests

from mlstack.emulator import server


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello from a handler"]


def claims_hello(environ: dict[str, Any]) -> server.WSGIApplication | None:
    return hello if environ.get("PATH_INFO") == "/hello" else None


@pytest.fixture
def handler_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(server, "REQUEST_HANDLERS", [])
    server.register_request_handler(claims_hello)
    server.register_request_handler(claims_hello)  # idempotent
    yield


def test_a_registered_handler_answers_its_paths_and_moto_the_rest(handler_registered: None) -> None:
    assert [claims_hello] == server.REQUEST_HANDLERS
    with server.Emulator() as emulator:
        answer = requests.get(f"{emulator.endpoint}/hello", timeout=10)
        assert answer.status_code == 200 and answer.text == "hello from a handler"
        sts = boto3.client(
            "sts",
            endpoint_url=emulator.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert sts.get_caller_identity()["Account"] == "123456789012"


def test_stop_frees_the_port() -> None:
    emulator = server.Emulator().start()
    port = emulator.port
    emulator.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # raises EADDRINUSE if the server still held it
