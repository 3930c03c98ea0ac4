"""The local chat server: replies rendered for the page, media proxied, and every hostile request refused."""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import json
import logging
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from mlstack.webchat.replies import read_reply
from mlstack.webchat.server import BotConnection, ChatServer, object_type

# How often serve_forever looks for shutdown(): its default of 0.5 s made every test wait that long at the end.
POLL_SECONDS = 0.01
BUCKET = "chat-data"
BOT = {"botId": "BOT1234567", "botAliasId": "ALIAS12345", "localeId": "en_US"}


def lex_response(intent: str, *messages: str, state: str = "Fulfilled", **attributes: str) -> dict[str, Any]:
    return {
        "sessionState": {
            "dialogAction": {"type": "Close"},
            "intent": {"name": intent, "state": state},
            "sessionAttributes": attributes,
        },
        "messages": [{"contentType": "PlainText", "content": text} for text in messages],
        "sessionId": "web-1",
    }


class Page:
    """The running server and a way to send raw requests to it with chosen headers."""

    def __init__(self, server: ChatServer, stubber: Stubber) -> None:
        self.server = server
        self.stubber = stubber

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        host: str | None = None,
        origin: str | None = None,
        token: str | None = "default",
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        headers = {"Host": host or f"127.0.0.1:{self.server.port}"}
        if origin is not None:
            headers["Origin"] = origin
        if token is not None:
            headers["X-Mlstack-Token"] = self.server.token if token == "default" else token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def say(self, text: str, reply: dict[str, Any]) -> dict[str, Any]:
        self.stubber.add_response("recognize_text", reply, {**BOT, "sessionId": ANY, "text": text})
        status, _, body = self.request("POST", "/api/say", {"text": text})
        assert status == 200, body
        result: dict[str, Any] = json.loads(body)
        return result


@pytest.fixture
def page() -> Iterator[Page]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="samples/images/house.png", Body=b"\x89PNG...", ContentType="image/png")
        s3.put_object(Bucket=BUCKET, Key="generated/speech/a.mp3", Body=b"ID3...", ContentType="audio/mpeg")
        s3.put_object(Bucket=BUCKET, Key="private/secret.txt", Body=b"secret")
        lex = boto3.client("lexv2-runtime", region_name="us-east-1")
        stubber = Stubber(lex)
        stubber.activate()
        connection = BotConnection(
            lex, s3, bot_id=BOT["botId"], alias_id=BOT["botAliasId"], locale_id=BOT["localeId"], data_bucket=BUCKET
        )
        server = ChatServer(connection)
        thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
        thread.start()
        try:
            yield Page(server, stubber)
        finally:
            server.shutdown()
            server.server_close()
            stubber.deactivate()


def test_server_binds_loopback_only_with_a_random_token(page: Page) -> None:
    assert page.server.server_address[0] == "127.0.0.1"
    other = ChatServer(page.server.connection)
    try:
        assert other.token != page.server.token and len(other.token) >= 32
    finally:
        other.server_close()


def test_the_page_and_its_assets_are_served_with_a_strict_policy(page: Page) -> None:
    status, headers, html = page.request("GET", f"/?token={page.server.token}", token=None)
    assert status == 200 and b'<ol id="transcript"' in html
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    for asset in ("/app.js", "/style.css"):
        status, _, body = page.request("GET", asset, token=None)
        assert status == 200 and body
    # no CDN: every script and style the page loads is this server's own
    assert b"http" not in html


def test_a_described_image_is_shown_through_the_local_server(page: Page) -> None:
    reply = page.say(
        "describe house",
        lex_response("DescribeImage", "In house I see: House (98%).", imageKey="samples/images/house.png"),
    )
    assert reply["intent"] == "DescribeImage" and reply["state"] == "Fulfilled"
    assert reply["messages"] == ["In house I see: House (98%)."]
    assert reply["image"].startswith("/api/object?key=samples%2Fimages%2Fhouse.png&token=")
    status, headers, body = page.request("GET", reply["image"], token=None)
    assert status == 200 and body == b"\x89PNG..." and headers["Content-Type"] == "image/png"


def test_speech_is_an_audio_source_and_a_translation_names_its_languages(page: Page) -> None:
    link = "https://bucket.s3.amazonaws.com/generated/speech/a.mp3?X-Amz-Signature=abc"
    spoken = page.say(
        "say good morning", lex_response("Speak", f"Here it is: {link}", speechKey="generated/speech/a.mp3")
    )
    assert spoken["messages"] == ["Here it is: (the player below)"]  # the page plays it; no presigned link shown
    status, headers, body = page.request("GET", spoken["audio"], token=None)
    assert status == 200 and body == b"ID3..." and headers["Content-Type"] == "audio/mpeg"
    translated = page.say(
        "translate good night to French",
        lex_response("TranslateText", "In French: Bonne nuit", sourceLanguage="en", targetLanguage="fr"),
    )
    assert translated["translation"] == {"source": "en", "target": "fr"}
    assert "image" not in translated and "audio" not in translated


def test_only_objects_a_reply_named_can_be_fetched(page: Page) -> None:
    status, _, _ = page.request("GET", f"/api/object?key=private%2Fsecret.txt&token={page.server.token}")
    assert status == 403


@pytest.mark.parametrize(
    ("host", "origin", "token", "expected"),
    [
        ("evil.example:80", None, "default", 403),  # DNS rebinding: a foreign name resolving to 127.0.0.1
        (None, "http://evil.example", "default", 403),  # a cross-site request from another page
        (None, "http://127.0.0.1:1", "default", 403),  # another local port is another origin
        (None, None, None, 401),  # no token
        (None, None, "wrong", 401),
    ],
)
def test_hostile_requests_are_refused_before_lex_is_called(
    page: Page, host: str | None, origin: str | None, token: str | None, expected: int
) -> None:
    status, _, body = page.request("POST", "/api/say", {"text": "help"}, host=host, origin=origin, token=token)
    assert status == expected, body
    page.stubber.assert_no_pending_responses()  # nothing was sent to Lex


def test_the_page_itself_needs_the_token(page: Page) -> None:
    assert page.request("GET", "/", token=None)[0] == 401
    assert page.request("GET", "/?token=nope", token=None)[0] == 401


def test_bad_turns_are_refused_with_a_reason(page: Page) -> None:
    assert page.request("POST", "/api/say", {"text": ""})[0] == 400
    assert page.request("POST", "/api/say", {"text": "x" * 1025})[0] in (400, 413)
    assert page.request("POST", "/api/say", {"words": "help"})[0] == 400


def test_session_attributes_count_only_for_the_intent_that_sets_them() -> None:
    # a later Help turn still carries the imageKey of an earlier DescribeImage: no image for it
    reply = read_reply(lex_response("Help", "I can...", imageKey="samples/images/house.png", speechKey="x.mp3"))
    assert reply.image_key == "" and reply.audio_key == ""
    asked = read_reply(lex_response("DescribeImage", "Which image?", state="InProgress", imageKey="k.png"))
    assert asked.image_key == ""


# ---- the object proxy serves only the media the page shows, as the type the key's ending names


def test_an_object_is_served_as_its_ending_says_not_as_stored(page: Page) -> None:
    """An `images/` object stored as text/html is still an image to the page, sandboxed, never HTML."""
    s3 = page.server.connection.s3
    s3.put_object(Bucket=BUCKET, Key="samples/images/page.png", Body=b"<script>1</script>", ContentType="text/html")
    reply = page.say("describe page", lex_response("DescribeImage", "A page.", imageKey="samples/images/page.png"))
    status, headers, body = page.request("GET", reply["image"], token=None)
    assert status == 200 and body == b"<script>1</script>"
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "sandbox"


def test_an_object_the_page_does_not_show_is_refused_even_when_a_reply_named_it(page: Page) -> None:
    s3 = page.server.connection.s3
    s3.put_object(Bucket=BUCKET, Key="samples/images/page.html", Body=b"<html>", ContentType="text/html")
    reply = page.say("describe page", lex_response("DescribeImage", "A page.", imageKey="samples/images/page.html"))
    assert page.request("GET", reply["image"], token=None)[0] == 403


@pytest.mark.parametrize(
    ("key", "expected"),
    [("a/b.PNG", "image/png"), ("x.jpeg", "image/jpeg"), ("s.mp3", "audio/mpeg"), ("p.html", None), ("png", None)],
)
def test_object_types_come_from_an_allowlist_of_endings(key: str, expected: str | None) -> None:
    assert object_type(key) == expected


# ---- bad input: a 400 and one log line each, never a traceback; stalled and departed clients dropped quietly


class FakeLex:
    """A Lex runtime answering every turn with Help, after `gate` opens (if any); safe across threads."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.turns = 0
        self.lock = threading.Lock()

    def recognize_text(self, **request: Any) -> dict[str, Any]:
        if self.gate is not None:
            self.gate.wait(timeout=30)
        with self.lock:
            self.turns += 1
        return lex_response("Help", f"I can: {request['text']}")


@contextlib.contextmanager
def serving(lex: Any, **options: Any) -> Iterator[ChatServer]:
    connection = BotConnection(lex, None, bot_id="B", alias_id="A", locale_id="en_US", data_bucket=BUCKET)
    server = ChatServer(connection, **options)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def send_raw(server: ChatServer, data: bytes) -> bytes:
    """Bytes written as given on a socket, and everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def turn_request(server: ChatServer, body: bytes, *, length: str | None = None, token: bytes | None = None) -> bytes:
    head = (
        f"POST /api/say HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\nConnection: close\r\n"
    ).encode()
    return head + b"X-Mlstack-Token: " + (token or server.token.encode()) + b"\r\n\r\n" + body


BAD_TURNS = {
    "non-ASCII token header": lambda s: turn_request(s, b'{"text": "help"}', token=b"\xe9"),
    "non-ASCII token in the URL": lambda s: (
        f"GET /api/object?key=a.png&token=%C3%A9 HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\nConnection: close\r\n\r\n"
    ).encode(),
    "Content-Length abc": lambda s: turn_request(s, b'{"text": "help"}', length="abc"),
    "body not UTF-8": lambda s: turn_request(s, b'{"text": "\xff\xfe"}'),
    "JSON nested 5,000 deep": lambda s: turn_request(s, b"[" * 5000 + b"]" * 5000),
    "an integer of 5,000 digits": lambda s: turn_request(s, b'{"text": ' + b"9" * 5000 + b"}"),
}


@pytest.mark.parametrize("name", list(BAD_TURNS))
def test_bad_input_is_a_400_with_one_log_line_and_no_traceback(
    name: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    lex = FakeLex()
    with caplog.at_level(logging.WARNING, logger="mlstack.webchat"), serving(lex) as server:
        answer = send_raw(server, BAD_TURNS[name](server))
    assert answer.startswith(b"HTTP/1.0 400 ") or answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert lex.turns == 0
    lines = [record.getMessage() for record in caplog.records if record.name == "mlstack.webchat"]
    assert len(lines) == 1 and lines[0].startswith("chat page: 400 "), lines
    assert "Traceback" not in capsys.readouterr().err


def test_a_stalled_client_is_dropped_after_the_socket_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(FakeLex(), socket_timeout=0.2) as server:
        assert send_raw(server, b"") == b""  # connects, sends nothing: closed, not held for ever
        half = turn_request(server, b'{"text": "he', length="16")  # 12 of the 16 bytes it announced
        assert send_raw(server, half) == b""
        # a bare GET / without the blank line that ends the request
        assert send_raw(server, f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode()) == b""
    assert "Traceback" not in capsys.readouterr().err


def test_a_browser_leaving_during_a_reply_is_one_quiet_line(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    gate = threading.Event()
    lex = FakeLex(gate)
    with caplog.at_level(logging.WARNING, logger="mlstack.webchat"), serving(lex) as server:
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        connection.sendall(turn_request(server, b'{"text": "help"}'))
        # The tab closes while Lex is answering: a reset, as a browser's abort does.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
        gate.set()
        deadline = time.monotonic() + 30
        while not any("connection dropped" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert lex.turns == 1
    lines = [record.getMessage() for record in caplog.records if record.name == "mlstack.webchat"]
    assert len(lines) == 1, lines
    assert re.fullmatch(
        r"chat page: POST /api/say HTTP/1.1: connection dropped \((BrokenPipe|ConnectionReset)Error\)", lines[0]
    )
    assert "Traceback" not in capsys.readouterr().err


def test_a_burst_of_50_parallel_turns_is_queued_and_every_turn_answered() -> None:
    """Loopback only, bounded: 50 turns sent at once (the listen queue of 5 reset some of them)."""
    gate = threading.Event()
    lex = FakeLex(gate)
    with serving(lex) as server:
        assert server.request_queue_size >= 50

        def turn(index: int) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            body = json.dumps({"text": f"turn {index}"})
            headers = {"Content-Type": "application/json", "X-Mlstack-Token": server.token}
            connection.request("POST", "/api/say", body=body, headers=headers)
            response = connection.getresponse()
            answered = json.loads(response.read())["messages"] == [f"I can: turn {index}"]
            return response.status if answered else -response.status

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            futures = [pool.submit(turn, index) for index in range(50)]
            gate.set()  # every turn is in flight (or queued) before Lex answers any
            statuses = [future.result(timeout=120) for future in futures]
    assert statuses == [200] * 50
    assert lex.turns == 50
