"""AWS clients, created once per container on first use; tests replace them with `use_clients`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

# Lex waits 30 s at most for the function: fail fast and answer politely rather than time out.
_FAST = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})
# A serverless endpoint's cold start can take longer than Lex waits: one attempt, then a polite reply.
_SAGEMAKER = Config(connect_timeout=3, read_timeout=20, retries={"mode": "standard", "max_attempts": 1})
# SigV4 presigned URLs, and the regional endpoint, so a URL works in every region.
_S3 = _FAST.merge(Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))


@dataclass(frozen=True)
class Clients:
    """The service clients the intents use; any object with the same methods will do (fakes, stubs)."""

    s3: Any
    rekognition: Any
    polly: Any
    translate: Any
    sagemaker_runtime: Any
    dynamodb: Any

    @classmethod
    def create(cls, region: str | None = None) -> Clients:
        session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION"))
        return cls(
            s3=session.client("s3", config=_S3),
            rekognition=session.client("rekognition", config=_FAST),
            polly=session.client("polly", config=_FAST),
            translate=session.client("translate", config=_FAST),
            sagemaker_runtime=session.client("sagemaker-runtime", config=_SAGEMAKER),
            dynamodb=session.client("dynamodb", config=_FAST),
        )


_clients: Clients | None = None


def get_clients() -> Clients:
    """The container's clients, created on the first invocation (not at import: keeps cold start lean)."""
    global _clients  # noqa: PLW0603 - one set of clients per container is the point
    if _clients is None:
        _clients = Clients.create()
    return _clients


def use_clients(clients: Clients | None) -> None:
    """Inject clients (tests, benchmarks); None makes the next invocation create real ones."""
    global _clients  # noqa: PLW0603
    _clients = clients
