"""AWS clients, created once per container on first use; tests replace them with `use_clients`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar

import boto3
from botocore.config import Config

# Lex V2 waits at most 30 s for a code hook's Lambda and then fails the turn with no reply of ours. The
# function's timeout (25 s, stacks/constructs/bot_fulfillment.py) sits below that, and the worst case of every
# AWS call a turn makes sits below the function's timeout (TURN_BUDGET_SECONDS), so the handler always gets to
# answer, politely, before either limit.
LEX_CODE_HOOK_LIMIT_SECONDS = 30
TURN_BUDGET_SECONDS = 22


@dataclass(frozen=True)
class CallBudget:
    """Bounds of one client's calls: botocore's standard retry mode with `max_attempts` tries in total.

    Passed to botocore as `total_max_attempts`: its `max_attempts` key counts retries only, so
    `max_attempts=1` there means two tries (the previous configuration here made that mistake).
    """

    connect_timeout: float
    read_timeout: float
    max_attempts: int

    # Standard mode waits rand(0, 1) * min(2 ** i, 20) s before retry i (0-based) after a throttle (less after
    # other errors), raised by up to 5 s more when the service sends x-amz-retry-after.
    MAX_BACKOFF: ClassVar[float] = 20
    RETRY_AFTER_EXTRA: ClassVar[float] = 5

    def config(self, **extra: Any) -> Config:
        return Config(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            **extra,
        )

    def worst_case_seconds(self) -> float:
        """Every attempt waits out both timeouts, and every retry waits the longest backoff.

        read_timeout bounds each wait for bytes, so this is the bound for a service that stops answering; one
        that trickles a large body byte by byte could take longer (not a failure mode of these small replies).
        """
        waits = self.max_attempts * (self.connect_timeout + self.read_timeout)
        backoffs = sum(min(2**i, self.MAX_BACKOFF) + self.RETRY_AFTER_EXTRA for i in range(self.max_attempts - 1))
        return waits + backoffs


# One retry for the call that answers the user (a throttle or a dropped connection often clears at once); none
# for the follow-up writes, which must not eat the turn's time: recording the result is best effort anyway.
BUDGETS: dict[str, CallBudget] = {
    # DetectLabels/DetectText read the image from S3 first: a few seconds for a large image.
    "rekognition": CallBudget(connect_timeout=1, read_timeout=5, max_attempts=2),
    "polly": CallBudget(connect_timeout=1, read_timeout=4, max_attempts=2),
    "translate": CallBudget(connect_timeout=1, read_timeout=3, max_attempts=2),
    # A serverless endpoint's cold start can outlast any budget: one long attempt, then a polite "warming up".
    "sagemaker_runtime": CallBudget(connect_timeout=1, read_timeout=18, max_attempts=1),
    # The forecast endpoint shares the turn with the history read: a shorter single attempt.
    "forecast_runtime": CallBudget(connect_timeout=1, read_timeout=15, max_attempts=1),
    "s3": CallBudget(connect_timeout=1, read_timeout=2, max_attempts=1),
    "dynamodb": CallBudget(connect_timeout=1, read_timeout=1, max_attempts=1),
}
# The AWS calls each intent makes, in order; every turn ends with the DynamoDB record. tests/lambdas checks this
# table against what the intents really call, and that every intent's worst case fits TURN_BUDGET_SECONDS.
INTENT_CALLS: dict[str, tuple[str, ...]] = {
    "DescribeImage": ("rekognition",),
    "ReadText": ("rekognition",),
    "Speak": ("polly", "s3"),
    "TranslateText": ("translate",),
    "AnalyzeSentiment": ("sagemaker_runtime",),
    "Forecast": ("s3", "forecast_runtime"),
    "Help": (),
    "FallbackIntent": (),
}
RECORD_CALL = "dynamodb"


def worst_case_turn_seconds(intent: str) -> float:
    """The longest one turn of `intent` can spend in AWS calls, unknown intents (no call but the record) included."""
    calls = (*INTENT_CALLS.get(intent, ()), RECORD_CALL)
    return sum(BUDGETS[client].worst_case_seconds() for client in calls)


# SigV4 presigned URLs, and the regional endpoint, so a URL works in every region.
_S3_EXTRA = {"signature_version": "s3v4", "s3": {"addressing_style": "virtual"}}


@dataclass(frozen=True)
class Clients:
    """The service clients the intents use; any object with the same methods will do (fakes, stubs)."""

    s3: Any
    rekognition: Any
    polly: Any
    translate: Any
    sagemaker_runtime: Any
    dynamodb: Any
    forecast_runtime: Any = None

    @classmethod
    def create(cls, region: str | None = None) -> Clients:
        session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION"))
        return cls(
            s3=session.client("s3", config=BUDGETS["s3"].config(**_S3_EXTRA)),
            rekognition=session.client("rekognition", config=BUDGETS["rekognition"].config()),
            polly=session.client("polly", config=BUDGETS["polly"].config()),
            translate=session.client("translate", config=BUDGETS["translate"].config()),
            sagemaker_runtime=session.client("sagemaker-runtime", config=BUDGETS["sagemaker_runtime"].config()),
            dynamodb=session.client("dynamodb", config=BUDGETS["dynamodb"].config()),
            forecast_runtime=session.client("sagemaker-runtime", config=BUDGETS["forecast_runtime"].config()),
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
