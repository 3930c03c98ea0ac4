"""The local chat server: replies rendered for the page, media proxied, and every hostile request refused."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from mlstack.webchat.replies import read_reply
from mlstack.webchat.server import BotConnection, ChatServer

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
        thread = threading.Thread(target=server.serve_forever, daemon=True)
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
