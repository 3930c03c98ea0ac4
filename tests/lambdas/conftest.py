"""Fixtures for the Lambda tests: the function's modules on sys.path, its environment, AWS mocked by moto."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "lambdas" / "lex_fulfillment"
if str(FUNCTION_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTION_DIR))

# Before the function's modules are imported: no real credentials, no X-Ray, a fixed region.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "lex-fulfillment-test",
        "POWERTOOLS_METRICS_NAMESPACE": "mlstack-test",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
os.environ.pop("AWS_PROFILE", None)

REGION = "us-east-1"
BUCKET = "mlstack-test-data"
TABLE = "mlstack-test-results"
SAMPLES = ("cat", "street-sign")
ENDPOINT = "mlstack-sentiment"

FUNCTION_ENV = {
    "DATA_BUCKET": BUCKET,
    "RESULTS_TABLE": TABLE,
    "SAMPLE_IMAGES_PREFIX": "samples/images/",
    "SAMPLE_IMAGES": ",".join(SAMPLES),
    "USER_IMAGES_PREFIX": "images/",
    "SPEECH_PREFIX": "generated/speech/",
    "POLLY_VOICE": "Joanna",
    "SENTIMENT_ENDPOINT": ENDPOINT,
    "FORECAST_ENDPOINT": "mlstack-forecast",
    "FORECAST_HISTORY_PREFIX": "curated/ghcn/TMAX/latest-history/",
    "FORECAST_STATIONS": "Denver=USW00003017,Seattle=USW00024233",
    "FORECAST_MAX_DATA_AGE_DAYS": "7",
    "RESULT_TTL_DAYS": "30",
    "PRESIGNED_URL_SECONDS": "3600",
}


@dataclass
class FakeLambdaContext:
    """The attributes Powertools and the handler read from the Lambda context."""

    aws_request_id: str = "req-0001"
    function_name: str = "lex-fulfillment"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:lex-fulfillment"
    memory_limit_in_mb: int = 256
    log_group_name: str = "/aws/lambda/lex-fulfillment"
    log_stream_name: str = "stream"


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def function_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key, value in FUNCTION_ENV.items():
        monkeypatch.setenv(key, value)
    return FUNCTION_ENV


def lex_event(
    intent: str,
    slots: dict[str, str | None] | None = None,
    *,
    source: str = "FulfillmentCodeHook",
    session_id: str = "session-1",
    transcript: str = "",
) -> dict[str, Any]:
    """A Lex V2 code-hook event as the service sends it (message version 1.0)."""
    slot_map = {
        name: None
        if value is None
        else {
            "shape": "Scalar",
            "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
        }
        for name, value in (slots or {}).items()
    }
    return {
        "messageVersion": "1.0",
        "invocationSource": source,
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": session_id,
        "inputTranscript": transcript,
        "bot": {
            "id": "BOTID12345",
            "name": "mlstack-bot",
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
            "localeId": "en_US",
            "version": "DRAFT",
        },
        "interpretations": [{"intent": {"name": intent, "slots": slot_map, "state": "ReadyForFulfillment"}}],
        "proposedNextState": None,
        "requestAttributes": {},
        "sessionState": {
            "sessionAttributes": {"greeting": "hi"},
            "activeContexts": [],
            "intent": {
                "name": intent,
                "slots": slot_map,
                "state": "ReadyForFulfillment",
                "confirmationState": "None",
            },
            "originatingRequestId": "orig-1",
        },
    }


@pytest.fixture(scope="module")
def moto_clients() -> Iterator[Any]:
    """moto for every service the function uses, started once per module (client creation is the slow part)."""
    from clients import Clients
    from moto import mock_aws

    with mock_aws():
        clients = Clients.create(REGION)
        clients.s3.create_bucket(Bucket=BUCKET)
        clients.s3.put_object(Bucket=BUCKET, Key="samples/images/cat.png", Body=b"\x89PNG\r\n\x1a\n")
        yield clients


@pytest.fixture
def aws(function_env: dict[str, str], moto_clients: Any) -> Iterator[Any]:
    """The clients the handler uses, against moto: the data bucket with no generated media, an empty results table."""
    from clients import use_clients

    clients = moto_clients
    generated = clients.s3.list_objects_v2(Bucket=BUCKET, Prefix="generated/").get("Contents", [])
    for item in generated:
        clients.s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    if TABLE in clients.dynamodb.list_tables()["TableNames"]:
        clients.dynamodb.delete_table(TableName=TABLE)
    clients.dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "session_id", "KeyType": "HASH"},
            {"AttributeName": "created_at", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "session_id", "AttributeType": "S"},
            {"AttributeName": "created_at", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    use_clients(clients)
    try:
        yield clients
    finally:
        use_clients(None)


def recorded(clients: Any, session_id: str = "session-1") -> list[dict[str, Any]]:
    """The results-table items of one session, oldest first."""
    response = clients.dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="session_id = :s",
        ExpressionAttributeValues={":s": {"S": session_id}},
    )
    return response["Items"]
