"""The emulator's front door: what a request must show before a handler or moto sees it.

The emulator runs deployed function code on this machine as the user who started it, so it answers only the
SDKs and CLIs that user points at it:
- a `Host` of `localhost`, `127.0.0.1`, `[::1]` or `<name>.localhost` (S3's virtual-hosted buckets) on its
  own port, given once: a foreign name that resolves to 127.0.0.1 is DNS rebinding;
- no `Origin` header: browsers send one with cross-site requests, SDKs and the CDK CLI never do;
- signed (SigV4 `Authorization` header, or a presigned URL's `X-Amz-Credential`) with this run's access key
  id, or with credentials moto issued to a caller signed so (the CDK CLI assumes the bootstrap roles): another
  local user, or a page that guessed the port, knows neither. The emulator does not verify signatures (moto
  does not either), so the access key id is the run's secret.
Anything else is answered 403 AccessDenied with a one-line reason, and one quiet log line.
"""

from __future__ import annotations

import contextvars
import hmac
import json
import logging
import re
import secrets
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from mlstack.emulator.wsgi import WSGIApp

LOG = logging.getLogger("mlstack.emulator.front")
# Header SigV4: `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...`.
_HEADER_KEY = re.compile(r"Credential=([^/,\s]*)/")
_LOCAL_NAMES = re.compile(r"(localhost|127\.0\.0\.1|\[::1\]|[a-z0-9.-]+\.localhost)")
# How a starter hands the run's credentials to `python -m mlstack.emulator`: the environment, which other
# users cannot read (the command line they can, with `ps`).
HANDOVER_ACCESS_KEY = "MLSTACK_EMULATOR_ACCESS_KEY_ID"
HANDOVER_SECRET_KEY = "MLSTACK_EMULATOR_SECRET_ACCESS_KEY"
# An access key id as AWS spells one: 20 upper-case letters and digits (ASIA: temporary credentials).
_KEY_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Credentials:
    """The credentials of one run of the emulator; only the access key id is checked (see the module)."""

    access_key_id: str
    secret_access_key: str

    @classmethod
    def issue(cls) -> Credentials:
        key_id = "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
        return cls(key_id, secrets.token_urlsafe(30))

    def environment(self) -> dict[str, str]:
        """The standard variables every AWS SDK and the CDK CLI read credentials from."""
        return {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}

    def handover(self) -> dict[str, str]:
        """The variables that hand these credentials to `python -m mlstack.emulator` (see `handed_over`)."""
        return {HANDOVER_ACCESS_KEY: self.access_key_id, HANDOVER_SECRET_KEY: self.secret_access_key}


def handed_over(environ: Mapping[str, str]) -> Credentials | None:
    """The credentials a starter handed over in `environ`, or None."""
    key_id = environ.get(HANDOVER_ACCESS_KEY, "")
    return Credentials(key_id, environ.get(HANDOVER_SECRET_KEY, "")) if key_id else None


_SERVING: contextvars.ContextVar[Credentials] = contextvars.ContextVar("serving_credentials")


def serving_credentials() -> Credentials:
    """The credentials of the emulator serving the current request (the code hook hands them to the function)."""
    return _SERVING.get()


def signed_key_ids(environ: dict[str, Any]) -> list[str]:
    """Every access key id the request names: in its SigV4 `Authorization` header and its presigned query."""
    names = _HEADER_KEY.findall(environ.get("HTTP_AUTHORIZATION", ""))
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    names += [value.split("/")[0] for value in query.get("X-Amz-Credential", [])]
    # SigV2 (`AWS <key>:<signature>`, `AWSAccessKeyId=`): no SDK the project uses sends it; named so it is checked.
    names += re.findall(r"^AWS ([^:\s]*):", environ.get("HTTP_AUTHORIZATION", ""))
    names += query.get("AWSAccessKeyId", [])
    return names


def issued_by_moto(key_id: str) -> bool:
    """Whether moto issued `key_id`: an assumed role's credentials (AssumeRole, as the CDK CLI does for the
    bootstrap roles) or an IAM user's access key. Only a caller the front let in could have asked for one.
    Not GetSessionToken's: moto answers every caller the same documented example key."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    def backends(backend_dict: Any) -> list[Any]:  # copied: another request may add an account meanwhile
        return [backend for account in list(backend_dict.values()) for backend in list(account.values())]

    return any(sts.get_assumed_role_from_access_key(key_id) for sts in backends(sts_backends)) or any(
        iam.get_user_from_access_key_id(key_id) for iam in backends(iam_backends)
    )


def access_denied(environ: dict[str, Any], reason: str) -> tuple[str, bytes]:
    """The refusal in the shape the caller's SDK parses (an SDK shows the reason instead of a parse error):
    JSON for the JSON protocols, else the XML error of the query and REST-XML protocols (S3, STS, IAM,
    CloudFormation: the CDK CLI's)."""
    if "json" in environ.get("CONTENT_TYPE", "") or "HTTP_X_AMZ_TARGET" in environ:
        return "application/json", json.dumps({"__type": "AccessDeniedException", "message": reason}).encode()
    error = f"<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{escape(reason)}</Message></Error>"
    return "text/xml", f"<ErrorResponse>{error}</ErrorResponse>\n".encode()


class Front:
    """WSGI middleware refusing what the module docstring lists; `port` is set once the server is bound."""

    def __init__(self, app: WSGIApp, credentials: Credentials, port: int = 0) -> None:
        self.app = app
        self.credentials = credentials
        self.port = port

    def refusal(self, environ: dict[str, Any]) -> str | None:
        """Why this request is refused, or None when it may pass."""
        host = environ.get("HTTP_HOST", "")
        # A repeated Host header arrives joined with a comma (werkzeug), which no local name matches.
        name, _, port = host.lower().rpartition(":")
        if not (_LOCAL_NAMES.fullmatch(name) and port == str(self.port)):
            return f"Host {host!r} is not this emulator (localhost:{self.port})"
        if "HTTP_ORIGIN" in environ:
            return f"Origin {environ['HTTP_ORIGIN']!r}: the emulator answers SDKs and CLIs, not web pages"
        named = signed_key_ids(environ)
        if not named:
            return "not signed: sign with the access key id this emulator issued for its run"
        if not all(self.accepts(key) for key in named):
            return "signed with another access key id than the one this emulator issued for its run"
        return None

    def accepts(self, key_id: str) -> bool:
        run_key = hmac.compare_digest(key_id.encode(), self.credentials.access_key_id.encode())
        return run_key or issued_by_moto(key_id)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        reason = self.refusal(environ)
        if reason is not None:
            LOG.warning("refused %s %s: %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), reason)
            content_type, body = access_denied(environ, reason)
            start_response(
                "403 Forbidden",
                [
                    ("Content-Type", content_type),
                    ("Content-Length", str(len(body))),
                    ("x-amzn-ErrorType", "AccessDeniedException"),  # the error code JSON-protocol SDKs read
                ],
            )
            return [body]
        token = _SERVING.set(self.credentials)
        try:
            return self.app(environ, start_response)
        finally:
            _SERVING.reset(token)
