"""`mlstack chat --web`: a local web page for the bot, served on 127.0.0.1 only.

The page talks only to this server; this server calls the Lex V2 runtime (and S3, for the images and the
speech the bot's replies name) with the user's own credentials, or the emulator's. Nothing listens on a
public address, so no Cognito pool is needed. Because this process holds AWS credentials, it refuses what a
hostile web page in the same browser could send it:
- a `Host` that is not this server's own address (DNS rebinding: evil.example resolving to 127.0.0.1);
- an `Origin` that is not this server's own (cross-site requests);
- an API call without the random per-run token that only the printed page URL carries.
Responses carry a Content-Security-Policy that allows only this server's own scripts and media; the S3
objects it passes on are served only as the image and audio types the page shows (chosen by the key's
ending, never the stored Content-Type), sandboxed. Bad input (a malformed token, length or body) is a 400
with one quiet log line, a client that stalls is dropped after SOCKET_TIMEOUT_SECONDS, one that leaves
during a reply is noted in one line: no request can crash a handler or print a traceback.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import secrets
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from mlstack.webchat.replies import ChatReply, read_reply

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"/": "index.html", "/app.js": "app.js", "/style.css": "style.css"}
MAX_BODY_BYTES = 16 * 1024  # a chat turn is a sentence; Lex accepts at most 1,024 characters of text
MAX_TEXT_CHARS = 1024
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
TOKEN_HEADER = "X-Mlstack-Token"
# The only media the page shows (an <img> or an <audio>), by the key's ending: an object's stored
# Content-Type is whatever its writer chose (text/html included), so it is never passed on.
OBJECT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
}
# A chat turn waits on Lex (and the code hook) without reading or writing; this bounds only a client that
# stalls mid-request, or connects and sends nothing, which would otherwise hold a thread for ever.
SOCKET_TIMEOUT_SECONDS = 15.0
# Turns sent at once queue here instead of being refused (the default of 5 reset some of 50 parallel turns).
LISTEN_QUEUE = 64
LOG = logging.getLogger("mlstack.webchat")


class BadRequest(ValueError):
    """Input the server refuses with 400 and one log line (the message says what was wrong)."""


def object_type(key: str) -> str | None:
    """The Content-Type the page may receive for `key`, from its ending; None for anything it does not show."""
    suffix = Path(key).suffix.lower()
    return OBJECT_TYPES.get(suffix)


@dataclass
class BotConnection:
    """What the server needs to talk for the user: the Lex runtime and S3 clients and the bot's address."""

    lex: Any
    s3: Any
    bot_id: str
    alias_id: str
    locale_id: str
    data_bucket: str
    session_id: str = field(default_factory=lambda: f"web-{uuid.uuid4()}")
    # S3 keys the bot's replies named in this run: the only objects the server will fetch for the page.
    shown_keys: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, text: str) -> ChatReply:
        response = self.lex.recognize_text(
            botId=self.bot_id, botAliasId=self.alias_id, localeId=self.locale_id, sessionId=self.session_id, text=text
        )
        reply = read_reply(response)
        with self.lock:
            self.shown_keys.update(key for key in (reply.image_key, reply.audio_key) if key)
        return reply

    def fetch(self, key: str) -> tuple[bytes, str]:
        """The object's bytes and the type the page shows it as, only for a key a reply of this run named and
        only for an image or audio ending (OBJECT_TYPES)."""
        with self.lock:
            allowed = key in self.shown_keys
        content_type = object_type(key)
        if not allowed or content_type is None:
            raise PermissionError(key)
        obj = self.s3.get_object(Bucket=self.data_bucket, Key=key)
        return obj["Body"].read(), content_type


class ChatServer(ThreadingHTTPServer):
    """The page's server: loopback only, one random token per run."""

    daemon_threads = True
    request_queue_size = LISTEN_QUEUE

    def __init__(
        self,
        connection: BotConnection,
        port: int = 0,
        token: str | None = None,
        socket_timeout: float = SOCKET_TIMEOUT_SECONDS,
    ) -> None:
        self.connection = connection
        self.token = token or secrets.token_urlsafe(24)
        self.socket_timeout = socket_timeout
        super().__init__(("127.0.0.1", port), ChatRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Reached only by what the handler did not expect: one line, not socketserver's traceback.
        LOG.error("chat page: a request failed: %s", _exception_line())

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"


class ChatRequestHandler(BaseHTTPRequestHandler):
    server: ChatServer
    server_version = "mlstack-chat"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.socket_timeout)

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError) as error:  # the browser left, or stalled, mid-request
            LOG.warning(
                "chat page: %s: connection dropped (%s)",
                getattr(self, "requestline", "") or "a request",
                type(error).__name__,
            )
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # the terminal shows the chat, not an access log
        return

    def log_error(self, format: str, *args: Any) -> None:  # a malformed request line, a timeout: one line each
        LOG.warning("chat page: %s", format % args)

    # ---- the checks every request passes first
    def _refusal(self, *, api: bool) -> tuple[HTTPStatus, str] | None:
        host = self.headers.get("Host", "")
        if host not in self.server.allowed_hosts:
            return HTTPStatus.FORBIDDEN, f"Host {host!r} is not this server"
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{allowed}" for allowed in self.server.allowed_hosts}:
            return HTTPStatus.FORBIDDEN, f"Origin {origin!r} is not this server"
        if api:
            query = parse_qs(urlsplit(self.path).query)
            given = self.headers.get(TOKEN_HEADER) or (query.get("token") or [""])[0]
            if not given.isascii():  # the server's tokens are URL-safe ASCII: this one is malformed, not wrong
                return HTTPStatus.BAD_REQUEST, "the token is not ASCII: open the URL `mlstack chat --web` printed"
            # As bytes: compare_digest refuses a str with non-ASCII characters (TypeError) instead of answering.
            if not secrets.compare_digest(given.encode("utf-8", "surrogateescape"), self.server.token.encode()):
                return HTTPStatus.UNAUTHORIZED, "missing or wrong token: open the URL `mlstack chat --web` printed"
        return None

    def _send(
        self, status: HTTPStatus, body: bytes, content_type: str, *, policy: str = CONTENT_SECURITY_POLICY
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", policy)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _guarded(self, api: bool, handle: Callable[[], None]) -> None:
        refusal = self._refusal(api=api)
        if refusal is not None:
            if refusal[0] == HTTPStatus.BAD_REQUEST:
                LOG.warning("chat page: 400 %s %s: %s", self.command, urlsplit(self.path).path, refusal[1])
            self._json(refusal[0], {"error": refusal[1]})
            return
        try:
            handle()
        except BadRequest as error:
            LOG.warning("chat page: 400 %s %s: %s", self.command, urlsplit(self.path).path, error)
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
        except (ClientError, BotoCoreError) as error:
            self._json(HTTPStatus.BAD_GATEWAY, {"error": f"AWS error: {error}"})

    # ---- routes
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path in STATIC_FILES:
            self._guarded(api=path == "/", handle=lambda: self._static(STATIC_FILES[path]))
        elif path == "/api/object":
            self._guarded(api=True, handle=self._object)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        if urlsplit(self.path).path == "/api/say":
            self._guarded(api=True, handle=self._say)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def _static(self, name: str) -> None:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), f"{content_type}; charset=utf-8")

    def _say(self) -> None:
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": 'send JSON: {"text": "..."}'})
            return
        declared = self.headers.get("Content-Length") or "0"
        if not (declared.isascii() and declared.isdigit()):
            raise BadRequest(f"Content-Length {declared[:40]!r} is not a number of bytes")
        length = int(declared)
        if length <= 0 or length > MAX_BODY_BYTES:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"a turn is at most {MAX_TEXT_CHARS} characters"})
            return
        body = parse_turn(self.rfile.read(length))
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
            self._json(HTTPStatus.BAD_REQUEST, {"error": f"text must be 1 to {MAX_TEXT_CHARS} characters"})
            return
        reply = self.server.connection.say(text.strip())
        self._json(HTTPStatus.OK, reply.to_page(object_url=self._object_url))

    def _object_url(self, key: str) -> str:
        return f"/api/object?key={_quote(key)}&token={self.server.token}"

    def _object(self) -> None:
        key = (parse_qs(urlsplit(self.path).query).get("key") or [""])[0]
        try:
            body, content_type = self.server.connection.fetch(key)
        except PermissionError:
            message = "only the images and speech the bot's replies named can be fetched"
            self._json(HTTPStatus.FORBIDDEN, {"error": message})
            return
        # Shown by an <img> or <audio> of the page; opened on its own, a sandbox with no script and no origin.
        self._send(HTTPStatus.OK, body, content_type, policy="sandbox")


def parse_turn(raw: bytes) -> Any:
    """The JSON document of a turn's body, or BadRequest for a body that is not UTF-8 JSON the parser can hold
    (nesting too deep for the recursion limit, an integer past Python's digit limit)."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8") from None
    except RecursionError:
        raise BadRequest("the JSON is nested too deep") from None
    except ValueError as error:  # JSONDecodeError, and the int-digits limit
        raise BadRequest(f"not JSON: {str(error)[:80]}") from None


def _exception_line() -> str:
    kind, error, _ = sys.exc_info()
    return f"{kind.__name__ if kind else 'error'}: {error}"


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
