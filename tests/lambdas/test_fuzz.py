"""Property: whatever Lex (or anything else) sends, the handler returns a valid Lex V2 response and never raises."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlstack.emulator.lex.response_format import lex_response_problems
from tests.lambdas.conftest import ENDPOINT, SAMPLES, FakeLambdaContext, lex_event

# Each generated event is answered twice, with healthy services and with a generated failure: 2,000 events
# for 1,000 generated ones (generating an event costs hypothesis several times what answering it does).
EXAMPLES = 1000
EVENTS = 2 * EXAMPLES
KNOWN_INTENTS = [
    "DescribeImage",
    "ReadText",
    "Speak",
    "TranslateText",
    "AnalyzeSentiment",
    "Forecast",
    "Help",
    "AMAZON.FallbackIntent",
]
SLOT_NAMES = ["ImageName", "Text", "TargetLanguage", "City", "Other", ""]


class FakeAws:
    """Stands in for every client (no moto in the loop, to keep 2,000 examples fast); can fail on demand."""

    def __init__(self, failure: Callable[[], BaseException] | None, model_body: bytes, history: bytes = b"{}") -> None:
        self.failure = failure
        self.model_body = model_body
        self.history = history

    def _call(self, result: Any) -> Any:
        if self.failure is not None:
            raise self.failure()  # a fresh exception each time, as botocore raises them
        return result

    def detect_labels(self, **_: Any) -> Any:
        return self._call({"Labels": [{"Name": "Cat", "Confidence": 99.1}, {"Confidence": 3}, "junk"]})

    def detect_text(self, **_: Any) -> Any:
        return self._call({"TextDetections": [{"DetectedText": "STOP", "Type": "LINE"}, {"Type": "WORD"}]})

    def synthesize_speech(self, **_: Any) -> Any:
        return self._call({"AudioStream": io.BytesIO(b"ID3 fake mp3")})

    def get_object(self, **_: Any) -> Any:  # the forecast intent's history document
        return self._call({"Body": io.BytesIO(self.history)})

    def put_object(self, **_: Any) -> Any:
        return self._call({})

    def generate_presigned_url(self, *_: Any, **__: Any) -> Any:
        return self._call("https://bucket.s3.us-east-1.amazonaws.com/generated/speech/x.mp3?X-Amz-Expires=3600")

    def translate_text(self, **kwargs: Any) -> Any:
        return self._call({"TranslatedText": kwargs["Text"][::-1]})

    def invoke_endpoint(self, **_: Any) -> Any:
        return self._call({"Body": io.BytesIO(self.model_body)})

    def put_item(self, **_: Any) -> Any:
        return self._call({})


def _client_error(code: str) -> Callable[[], BaseException]:
    return lambda: ClientError({"Error": {"Code": code, "Message": "fuzz"}}, "Operation")


FAILURES = st.sampled_from(
    [
        _client_error("AccessDeniedException"),
        _client_error("ThrottlingException"),
        _client_error("InvalidS3ObjectException"),
        _client_error("ValidationError"),
        _client_error("SomethingNew"),
        lambda: ReadTimeoutError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com"),
        lambda: RuntimeError("unexpected"),
        lambda: KeyError("Body"),
    ]
)
MODEL_BODIES = st.sampled_from(
    [
        b'[{"label": "POSITIVE", "score": 0.98}]',
        b'[[{"label": "NEGATIVE", "score": 0.7}, {"label": "POSITIVE", "score": 0.3}]]',
        b'{"label": "LABEL_1", "score": 1}',
        b"[]",
        b"not json",
        b'[{"score": "high"}]',
        b"\xff\xfe",
        # The forecast endpoint's DeepAR-format answers: whole, ragged, empty.
        b'{"predictions": [{"quantiles": {"0.1": [1, 2, 3], "0.5": [2, 3, 4], "0.9": [3, 4, 5]}, "mean": [2, 3, 4]}]}',
        b'{"predictions": [{"quantiles": {"0.1": [1], "0.5": [2, 3], "0.9": ["x"]}}]}',
        b'{"predictions": []}',
    ]
)
_RECENT = (date.today() - timedelta(days=1)).isoformat()
# The Spark job's history documents as the forecast intent reads them: recent, stale, malformed.
HISTORIES = st.sampled_from(
    [
        json.dumps({"start": "2026-01-01", "target": [1.5, None, 3.0], "last_observation": _RECENT, "unit": "degC"}),
        json.dumps({"start": "2026-01-01", "target": [1.5], "last_observation": "2001-01-01", "unit": "mm"}),
        json.dumps({"start": "not a date", "target": [1], "last_observation": _RECENT}),
        json.dumps({"start": "2026-01-01", "target": "many", "last_observation": "yesterday"}),
        json.dumps([1, 2, 3]),
        "not json",
    ]
).map(str.encode)

huge_text = st.builds(lambda char, count: char * count, st.characters(), st.integers(1025, 30_000))
slot_text = st.one_of(
    st.text(max_size=40),
    huge_text,
    st.sampled_from([*SAMPLES, "cat.png", "images/a.jpg", "../etc/passwd.png", "French", "fr", "Klingon", "  "]),
)
slot_value = st.one_of(
    st.none(),
    slot_text.map(lambda text: {"shape": "Scalar", "value": {"originalValue": text, "interpretedValue": text}}),
    slot_text.map(lambda text: {"value": {"originalValue": text}}),
    slot_text.map(lambda text: {"shape": "List", "values": [{"value": {"interpretedValue": text}}]}),
    st.integers(),
    slot_text,
    st.lists(st.integers(), max_size=2),
    st.just({"value": None}),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | huge_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)


def _valid_event(intent: str, slots: dict[str, Any], source: str, session_id: Any, attributes: Any) -> dict[str, Any]:
    event = lex_event(intent, {}, source=source)
    event["sessionState"]["intent"]["slots"] = slots
    event["sessionId"] = session_id
    event["sessionState"]["sessionAttributes"] = attributes
    return event


valid_events = st.builds(
    _valid_event,
    intent=st.one_of(st.sampled_from(KNOWN_INTENTS), st.text(max_size=30), huge_text),
    slots=st.dictionaries(st.sampled_from(SLOT_NAMES), slot_value, max_size=4),
    source=st.sampled_from(["FulfillmentCodeHook", "DialogCodeHook", "Unknown", ""]),
    session_id=st.one_of(st.text(min_size=1, max_size=30), huge_text, st.integers(), st.none()),
    attributes=st.one_of(
        st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=8), st.integers())), st.none()
    ),
)


scalar_slot = slot_text.map(
    lambda text: {"shape": "Scalar", "value": {"originalValue": text, "interpretedValue": text}}
)
# Events Lex would really send: a known intent with its slots, mostly well-formed, to reach fulfilment often.
intent_events = st.builds(
    _valid_event,
    intent=st.sampled_from(KNOWN_INTENTS),
    slots=st.fixed_dictionaries(
        {
            "ImageName": st.one_of(scalar_slot, slot_value),
            "Text": st.one_of(
                huge_text.map(lambda text: {"value": {"interpretedValue": text}}), scalar_slot, slot_value
            ),
            "TargetLanguage": st.one_of(
                st.sampled_from(["French", "fr", "de"]).map(lambda text: {"value": {"interpretedValue": text}}),
                slot_value,
            ),
            "City": st.one_of(
                st.sampled_from(["Denver", "seattle", "Paris"]).map(lambda text: {"value": {"interpretedValue": text}}),
                slot_value,
            ),
        }
    ),
    source=st.sampled_from(["FulfillmentCodeHook", "FulfillmentCodeHook", "DialogCodeHook"]),
    session_id=st.text(min_size=1, max_size=30),
    attributes=st.just({}),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            paths.append((*prefix, key))
            paths.extend(_paths(child, (*prefix, key)))
    return paths


def _edit(event: dict[str, Any], picks: list[int], replacement: Any, delete: bool) -> dict[str, Any]:
    """Delete (truncate) or retype the fields at the picked paths."""
    event = copy.deepcopy(event)
    for pick in picks:
        paths = _paths(event)
        if not paths:
            break
        *parents, key = paths[pick % len(paths)]
        target = event
        for parent in parents:
            target = target[parent]
        if delete:
            del target[key]
        else:
            target[key] = copy.deepcopy(replacement)
    return event


truncated_events = st.builds(
    _edit, valid_events, st.lists(st.integers(0, 10_000), min_size=1, max_size=6), st.none(), st.just(True)
)
mistyped_events = st.builds(
    _edit, valid_events, st.lists(st.integers(0, 10_000), min_size=1, max_size=3), json_values, st.just(False)
)
lex_events = st.one_of(intent_events, intent_events, valid_events, truncated_events, mistyped_events, json_values)


def test_handler_answers_every_generated_event_with_a_valid_lex_response(
    function_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from clients import Clients, use_clients
    from handler import handler

    examples: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(
        event=lex_events,
        failure=FAILURES,
        body=MODEL_BODIES,
        endpoint=st.sampled_from(["", ENDPOINT]),
        history=HISTORIES,
    )
    def answers(event: Any, failure: Callable[[], BaseException], body: bytes, endpoint: str, history: bytes) -> None:
        monkeypatch.setenv("SENTIMENT_ENDPOINT", endpoint)
        # given any event, with healthy services and then with a failing one, and any model answer
        for fake in (FakeAws(None, body, history), FakeAws(failure, body, history)):
            use_clients(
                Clients(
                    s3=fake,
                    rekognition=fake,
                    polly=fake,
                    translate=fake,
                    sagemaker_runtime=fake,
                    dynamodb=fake,
                    forecast_runtime=fake,
                )
            )
            # when the handler runs (an exception here fails the test; it may have changed the event)
            response = handler(copy.deepcopy(event), FakeLambdaContext())
            # then the response is valid Lex V2, and anything but a Delegate tells the user something
            assert lex_response_problems(response) == []
            if response["sessionState"]["dialogAction"]["type"] != "Delegate":
                assert response["messages"][0]["content"].strip()
            json.dumps(response)
            examples.append(response["sessionState"]["dialogAction"]["type"])

    try:
        answers()
    finally:
        use_clients(None)
    # the property ran on at least 2,000 events and reached every kind of reply
    assert len(examples) >= EVENTS >= 2000
    assert {"Close", "ElicitSlot", "Delegate"} <= set(examples)
