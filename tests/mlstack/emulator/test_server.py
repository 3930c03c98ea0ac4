"""The server: moto behind the front and the request handlers registered with the extension point, on a port
freed on stop, answering only the credentials it issued."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import boto3
import pytest
import requests

from mlstack.emulator import server, wsgi
from mlstack.emulator.install import install


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello from a handler"]


def claims_hello(environ: dict[str, Any]) -> wsgi.WSGIApp | None:
    return hello if environ.get("PATH_INFO") == "/hello" else None


@pytest.fixture
def handler_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    install()  # the extensions register their handlers in the real registry first, once per process
    monkeypatch.setattr(wsgi, "REQUEST_HANDLERS", [])
    wsgi.register_request_handler(claims_hello)
    wsgi.register_request_handler(claims_hello)  # idempotent
    yield


def test_a_registered_handler_answers_its_paths_and_moto_the_rest(handler_registered: None) -> None:
    assert [claims_hello] == wsgi.REQUEST_HANDLERS
    with server.Emulator() as emulator:
        signed = {"Authorization": f"AWS4-HMAC-SHA256 Credential={emulator.credentials.access_key_id}/20261204/"}
        answer = requests.get(f"{emulator.endpoint}/hello", headers=signed, timeout=10)
        assert answer.status_code == 200 and answer.text == "hello from a handler"
        assert requests.get(f"{emulator.endpoint}/hello", timeout=10).status_code == 403  # the front comes first
        sts = boto3.client(
            "sts",
            endpoint_url=emulator.endpoint,
            region_name="us-east-1",
            aws_access_key_id=emulator.credentials.access_key_id,
            aws_secret_access_key=emulator.credentials.secret_access_key,
        )
        assert sts.get_caller_identity()["Account"] == "123456789012"


def test_stop_frees_the_port() -> None:
    emulator = server.Emulator().start()
    port = emulator.port
    emulator.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # raises EADDRINUSE if the server still held it


def test_each_emulator_issues_its_own_credentials() -> None:
    first, second = server.Emulator(), server.Emulator()
    assert first.credentials.access_key_id != second.credentials.access_key_id
    assert len(first.credentials.access_key_id) == 20 and first.credentials.access_key_id.isalnum()
