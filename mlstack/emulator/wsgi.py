"""What the emulator's server and its own request handlers share: the handler registry, who a request is
signed for, and a JSON answer.

The registry is the extension point for requests moto does not serve (a service's runtime API, say): a
request handler, registered with `register_request_handler` (by its module's installer, see install.py),
sees each request's WSGI environ first and returns a WSGI app to answer it, or None to leave it to moto.
Handlers are asked in registration order, at request time (server.dispatch). It lives here, not in the
server, so that the handlers' modules and the server import it without importing each other.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
RequestHandler = Callable[[dict[str, Any]], WSGIApp | None]

REQUEST_HANDLERS: list[RequestHandler] = []
# The SigV4 credential scope: <key>/<date>/<region>/<service>/aws4_request.
_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")


def register_request_handler(handler: RequestHandler) -> None:
    """Let `handler` claim requests before moto (idempotent: registering twice keeps one)."""
    if handler not in REQUEST_HANDLERS:
        REQUEST_HANDLERS.append(handler)


def signing_scope(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(service, region) the request is signed for, or None when it is not SigV4-signed."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match["service"], match["region"]) if match else None


def request_body(environ: dict[str, Any]) -> bytes:
    """The request body, put back so that moto can still read it when the handler lets the request pass."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    return raw


def json_response(status: int, body: Any, *, content_type: str = "application/json", error: str = "") -> WSGIApp:
    """A WSGI app answering `body` as JSON; `error` sets x-amzn-ErrorType, which botocore reads as the code."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        payload = json.dumps(body).encode()
        headers = [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
        if error:
            headers.append(("x-amzn-ErrorType", error))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [payload]

    return app
