"""AWS in trouble: bounded retries and timeouts keep every turn under the Lex code hook's limit, and polite.

Throttling is answered by botocore's real retry machinery (a `before-send` hook plays the service, so the
standard retry mode runs as in Lambda) and by a Stubber (each call answered with ThrottlingException); slowness
by a local server that accepts connections and never answers, so the socket's read timeout really fires.
"""

from __future__ import annotations

import concurrent.futures
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, ClassVar

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from mlstack.emulator.lex.response_format import lex_response_problems
from tests.lambdas.conftest import ENDPOINT, FakeLambdaContext, lex_event

# A valid request for every intent; the values need only pass validation.
TURNS: dict[str, dict[str, str]] = {
    "DescribeImage": {"ImageName": "cat"},
    "ReadText": {"ImageName": "cat"},
    "Speak": {"Text": "hello there"},
    "TranslateText": {"Text": "hello there", "TargetLanguage": "French"},
    "AnalyzeSentiment": {"Text": "I love it"},
    "Forecast": {"City": "Denver"},
    "Help": {},
    "FallbackIntent": {},
}
_RECENT_HISTORY = {"start": "2026-01-01", "target": [10.0], "last_observation": "9999-12-31"}
# Calls that sign locally and never touch the network.
LOCAL_CALLS = {"generate_presigned_url"}
# One operation per client with valid parameters, to drive each client's retry configuration.
OPERATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "rekognition": ("detect_labels", {"Image": {"S3Object": {"Bucket": "data-bucket", "Name": "k.png"}}}),
    "polly": ("synthesize_speech", {"Text": "hi", "OutputFormat": "mp3", "VoiceId": "Joanna"}),
    "translate": ("translate_text", {"Text": "hi", "SourceLanguageCode": "auto", "TargetLanguageCode": "fr"}),
    "sagemaker_runtime": ("invoke_endpoint", {"EndpointName": ENDPOINT, "Body": b"{}"}),
    "forecast_runtime": ("invoke_endpoint", {"EndpointName": "mlstack-forecast", "Body": b"{}"}),
    "s3": ("put_object", {"Bucket": "data-bucket", "Key": "k", "Body": b"x"}),
    "dynamodb": ("put_item", {"TableName": "results", "Item": {"k": {"S": "v"}}}),
}


def _reply(response: dict[str, Any]) -> str:
    assert lex_response_problems(response) == []
    return " ".join(item["content"] for item in response.get("messages", []))


class _Recorder:
    """Stands in for one client: answers like the service would and logs `<client>.<method>` in call order."""

    ANSWERS: ClassVar[dict[str, Callable[[dict[str, Any]], Any]]] = {
        "detect_labels": lambda _: {"Labels": [{"Name": "Cat", "Confidence": 99.0}]},
        "detect_text": lambda _: {"TextDetections": [{"DetectedText": "STOP", "Type": "LINE"}]},
        "synthesize_speech": lambda _: {"AudioStream": io.BytesIO(b"ID3")},
        "put_object": lambda _: {},
        "generate_presigned_url": lambda _: "https://example.com/x.mp3",
        "translate_text": lambda kwargs: {"TranslatedText": kwargs["Text"]},
        "invoke_endpoint": lambda _: {"Body": io.BytesIO(b'[{"label": "POSITIVE", "score": 0.9}]')},
        "put_item": lambda _: {},
        "get_object": lambda _: {"Body": io.BytesIO(json.dumps(_RECENT_HISTORY).encode())},
    }

    def __init__(self, name: str, log: list[str]) -> None:
        self._name, self._log = name, log

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if method not in LOCAL_CALLS:
                self._log.append(self._name)
            return self.ANSWERS[method](kwargs)

        return call


def test_the_budget_table_lists_exactly_the_calls_each_intent_makes(function_env: dict[str, str]) -> None:
    from clients import INTENT_CALLS, RECORD_CALL, Clients, use_clients
    from handler import handler

    for intent, slots in TURNS.items():
        log: list[str] = []
        use_clients(Clients(**{name: _Recorder(name, log) for name in OPERATIONS}))
        try:
            _reply(handler(lex_event(intent, slots), FakeLambdaContext()))
        finally:
            use_clients(None)
        assert log == [*INTENT_CALLS[intent], RECORD_CALL], intent


def test_every_turns_worst_case_fits_under_the_function_and_lex_limits() -> None:
    from clients import BUDGETS, INTENT_CALLS, LEX_CODE_HOOK_LIMIT_SECONDS, TURN_BUDGET_SECONDS, worst_case_turn_seconds
    from dispatch import INTENTS

    assert set(INTENT_CALLS) | {"AMAZON.FallbackIntent"} == set(INTENTS)
    worst = {intent: worst_case_turn_seconds(intent) for intent in INTENT_CALLS}
    assert max(worst.values()) <= TURN_BUDGET_SECONDS, worst
    assert worst_case_turn_seconds("NoSuchIntent") == BUDGETS["dynamodb"].worst_case_seconds()
    # The function's timeout (25 s in the stack; tests/unit checks the template) lies between the two.
    assert TURN_BUDGET_SECONDS < 25 < LEX_CODE_HOOK_LIMIT_SECONDS
    # Small attempt counts: one retry at most.
    assert {budget.max_attempts for budget in BUDGETS.values()} <= {1, 2}


def test_the_worst_case_formula() -> None:
    from clients import CallBudget

    # Two attempts of (1 s connect + 3 s read), one retry after at most min(2**0, 20) + 5 s of backoff.
    assert CallBudget(connect_timeout=1, read_timeout=3, max_attempts=2).worst_case_seconds() == 2 * 4 + 6
    assert CallBudget(connect_timeout=1, read_timeout=3, max_attempts=1).worst_case_seconds() == 4
    assert CallBudget(connect_timeout=1, read_timeout=1, max_attempts=3).worst_case_seconds() == 3 * 2 + 6 + 7


def test_every_client_uses_standard_retries_and_its_budgeted_timeouts() -> None:
    from clients import BUDGETS, Clients

    clients = Clients.create("us-east-1")
    for name, budget in BUDGETS.items():
        config = getattr(clients, name).meta.config
        assert config.retries["mode"] == "standard", name
        assert config.retries == {"mode": "standard", "total_max_attempts": budget.max_attempts}, name
        assert (config.connect_timeout, config.read_timeout) == (budget.connect_timeout, budget.read_timeout), name
    assert clients.s3.meta.config.signature_version == "s3v4"


def _throttle(request: Any, **_: Any) -> AWSResponse:
    """What a throttled JSON or REST service sends back, for a `before-send` hook."""

    class Raw:
        def stream(self) -> Iterator[bytes]:
            yield json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()

    headers = {"x-amzn-errortype": "ThrottlingException", "Content-Type": "application/x-amz-json-1.1"}
    return AWSResponse(request.url, 400, headers, Raw())


def _slow_down(request: Any, **_: Any) -> AWSResponse:
    """S3's throttle (REST-XML)."""

    class Raw:
        def stream(self) -> Iterator[bytes]:
            yield b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"

    return AWSResponse(request.url, 503, {"Content-Type": "application/xml"}, Raw())


def _throttled_call(name: str, client: Any) -> tuple[str, int, float]:
    """One call of the function's client `name` that the service throttles every time: its error code, the
    attempts made and the seconds taken, botocore's standard retry mode (with its real, jittered backoff)
    deciding both."""
    from botocore.exceptions import ClientError

    attempts: list[float] = []

    def answer(request: Any, **kwargs: Any) -> AWSResponse:
        attempts.append(time.monotonic())
        return (_slow_down if name == "s3" else _throttle)(request, **kwargs)

    client.meta.events.register("before-send", answer)
    operation, params = OPERATIONS[name]
    started = time.monotonic()
    with pytest.raises(ClientError) as raised:
        getattr(client, operation)(**params)
    return raised.value.response["Error"]["Code"], len(attempts), time.monotonic() - started


def test_a_throttled_call_is_tried_max_attempts_times_within_its_bound() -> None:
    """Every client at once, each in its own thread: the backoffs are real sleeps, so the clients wait out
    theirs side by side (about a second in all instead of one each)."""
    from clients import BUDGETS, Clients

    clients = Clients.create("us-east-1")
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(OPERATIONS)) as pool:
        calls = {name: pool.submit(_throttled_call, name, getattr(clients, name)) for name in OPERATIONS}
        results = {name: call.result() for name, call in calls.items()}
    for name, (code, attempts, elapsed) in results.items():
        assert code in ("ThrottlingException", "SlowDown"), name
        assert attempts == BUDGETS[name].max_attempts, name
        assert elapsed <= BUDGETS[name].worst_case_seconds(), name


class _SilentServer:
    """Accepts TCP connections and never answers: every request ends in the client's read timeout."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[_SilentServer]:
    server = _SilentServer()
    try:
        yield server
    finally:
        server.close()


# The silent-server turn runs with every timeout a tenth of the function's: the waits are real socket timeouts
# either way, and the budgets' own values are checked above (configs, worst cases, the Lex limit).
TIMEOUT_SCALE = 0.1


def _scaled(budget: Any) -> Any:
    return replace(
        budget,
        connect_timeout=budget.connect_timeout * TIMEOUT_SCALE,
        read_timeout=budget.read_timeout * TIMEOUT_SCALE,
    )


def _clients_against(url: str) -> Any:
    """The function's real clients, with its retry configs and a tenth of its timeouts, pointed at `url`."""
    import boto3
    from clients import BUDGETS, Clients

    session = boto3.session.Session(region_name="us-east-1")
    service = {"sagemaker_runtime": "sagemaker-runtime", "forecast_runtime": "sagemaker-runtime"}
    return Clients(
        **{
            name: session.client(service.get(name, name), endpoint_url=url, config=_scaled(budget).config())
            for name, budget in BUDGETS.items()
        }
    )


def test_a_turn_against_a_silent_service_waits_out_each_budgeted_attempt_and_replies_politely(
    silent_server: _SilentServer, function_env: dict[str, str]
) -> None:
    """One real wait (the read timeouts fire on real sockets) proves both bounds: the call's and the turn's."""
    from clients import BUDGETS, TURN_BUDGET_SECONDS, use_clients, worst_case_turn_seconds
    from handler import handler

    # given Translate and DynamoDB that accept connections and never answer
    use_clients(_clients_against(silent_server.url))
    try:
        started = time.monotonic()
        # when the user asks for a translation
        response = handler(lex_event("TranslateText", TURNS["TranslateText"]), FakeLambdaContext())
        elapsed = time.monotonic() - started
    finally:
        use_clients(None)
    # then Translate, and DynamoDB recording the failed turn, were tried exactly as budgeted, each attempt
    # waiting out its read timeout on a fresh connection
    calls = [_scaled(BUDGETS["translate"]), _scaled(BUDGETS["dynamodb"])]
    assert len(silent_server.connections) == sum(budget.max_attempts for budget in calls)
    assert sum(budget.max_attempts * budget.read_timeout for budget in calls) <= elapsed
    # and the reply is the polite timeout message, within the calls' worst case and the turn's
    assert "took too long to answer" in _reply(response)
    assert response["sessionState"]["intent"]["state"] == "Failed"
    assert elapsed <= sum(budget.worst_case_seconds() for budget in calls)
    assert worst_case_turn_seconds("TranslateText") <= TURN_BUDGET_SECONDS


def test_a_turn_against_a_throttling_service_says_it_is_busy_within_its_budget(
    aws: Any, function_env: dict[str, str]
) -> None:
    from clients import Clients, use_clients, worst_case_turn_seconds
    from handler import handler

    # given Polly throttling every attempt, through botocore's own retry loop
    polly = Clients.create("us-east-1").polly
    polly.meta.events.register_first("before-send", _throttle)  # ahead of moto, which answers there too
    use_clients(replace(aws, polly=polly))
    try:
        started = time.monotonic()
        response = handler(lex_event("Speak", TURNS["Speak"]), FakeLambdaContext())
        elapsed = time.monotonic() - started
    finally:
        use_clients(None)
    # then the user hears that Polly is busy, well within the turn's bound
    assert _reply(response) == "Amazon Polly is busy right now. Please try again in a few seconds."
    assert elapsed <= worst_case_turn_seconds("Speak")


@pytest.mark.parametrize(
    "case",
    [
        ("Speak", "polly", "synthesize_speech", "Amazon Polly is busy right now."),
        ("TranslateText", "translate", "translate_text", "Amazon Translate is busy right now."),
        ("DescribeImage", "rekognition", "detect_labels", "Amazon Rekognition is busy right now."),
        ("AnalyzeSentiment", "sagemaker_runtime", "invoke_endpoint", "The sentiment model is busy right now."),
    ],
)
def test_throttling_answered_repeatedly_gets_a_polite_busy_reply_every_time(
    aws: Any, function_env: dict[str, str], case: tuple[str, str, str, str]
) -> None:
    from clients import use_clients
    from handler import handler

    intent, client, method, expected = case
    stubbed = getattr(aws, client)
    stubber = Stubber(stubbed)
    turns = 3
    for _ in range(turns):
        stubber.add_client_error(method, service_error_code="ThrottlingException", http_status_code=400)
    use_clients(replace(aws, **{client: stubbed}))
    try:
        with stubber:
            replies = [_reply(handler(lex_event(intent, TURNS[intent]), FakeLambdaContext())) for _ in range(turns)]
            stubber.assert_no_pending_responses()
    finally:
        use_clients(None)
    assert all(reply.startswith(expected) for reply in replies), replies
