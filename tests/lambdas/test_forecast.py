"""The Forecast intent: the station's history read from moto S3, the endpoint invoked (Stubber) with the
DeepAR-format body, and a polite reply for each failure."""

from __future__ import annotations

import ast
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from tests.lambdas.conftest import BUCKET, lex_event
from tests.lambdas.test_intents import client_error, intent_state, invoke, message, swapped

KEY = "curated/ghcn/TMAX/latest-history/USW00003017.json"


def put_history(aws: Any, *, age_days: int = 1) -> dict[str, Any]:
    last = datetime.now(UTC).date() - timedelta(days=age_days)
    start = last - timedelta(days=3)
    history = {
        "station": "USW00003017",
        "element": "TMAX",
        "unit": "degC",  # as spark/ghcn_series.py writes TMAX
        "frequency": "D",
        "start": start.isoformat(),
        "target": [10.0, None, 12.5, 11.0],
        "filled": [],
        "last_observation": last.isoformat(),
    }
    aws.s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(history).encode())
    return history


def answer(p10: list[float], p50: list[float], p90: list[float]) -> dict[str, Any]:
    body = {"predictions": [{"quantiles": {"0.1": p10, "0.5": p50, "0.9": p90}, "mean": p50}]}
    return {"Body": io.BytesIO(json.dumps(body).encode()), "ContentType": "application/json"}


def test_forecast_reads_the_history_invokes_the_endpoint_and_speaks_p50_and_range(aws: Any) -> None:
    # given a recent history and an endpoint that answers three days
    history = put_history(aws)
    stubber = Stubber(aws.sagemaker_runtime)
    expected_body = {
        "instances": [{"start": history["start"], "target": [10.0, "NaN", 12.5, 11.0]}],
        "configuration": {
            "num_samples": 100,
            "output_types": ["quantiles", "mean"],
            "quantiles": ["0.1", "0.5", "0.9"],
        },
    }
    stubber.add_response(
        "invoke_endpoint",
        answer([8, 9, 7], [11, 12, 10], [14, 15, 13]),
        {
            "EndpointName": "mlstack-forecast",
            "ContentType": "application/json",
            "Accept": "application/json",
            "Body": ANY,
        },
    )
    sent: list[Any] = []
    aws.sagemaker_runtime.meta.events.register(
        "before-parameter-build.sagemaker-runtime.InvokeEndpoint", lambda params, **_: sent.append(params["Body"])
    )
    # when the user asks for Denver
    with stubber, swapped(aws, forecast_runtime=aws.sagemaker_runtime):
        response = invoke(lex_event("Forecast", {"City": "denver"}))
    # then the body is the DeepAR request and the reply speaks the median and the range with the data's date
    assert json.loads(sent[0]) == expected_body
    assert intent_state(response) == ("Close", "Fulfilled")
    text = message(response)
    assert f"from data through {history['last_observation']}" in text
    assert "about 11°C (likely 8 to 14)" in text and "about 10°C (likely 7 to 13)" in text


@pytest.mark.parametrize(
    ("unit", "spoken"),
    [("degC", "about 21°C (likely 18 to 24)"), ("mm", "about 21 mm (likely 18 to 24)"),
     ("K", "about 21 K (likely 18 to 24)"), (None, "about 21 (likely 18 to 24)")],
)  # fmt: skip
def test_the_reply_speaks_each_unit_the_spark_job_writes_naturally(unit: str | None, spoken: str) -> None:
    from intents import forecast

    history = {"start": "2026-12-01", "target": [20.5, 21.0], "last_observation": "2026-12-02", "unit": unit}
    text = forecast.words("Denver", history, {"0.1": [18.0], "0.5": [21.2], "0.9": [24.0]})
    assert text == f"Forecast high for Denver, from data through 2026-12-02: Thu Dec 03: {spoken}."


def test_the_units_spoken_are_those_the_spark_job_writes() -> None:
    from intents import forecast

    job = Path(__file__).resolve().parents[2] / "spark" / "ghcn_series.py"
    [elements] = [node.value for node in ast.walk(ast.parse(job.read_text()))
                  if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "ELEMENTS"]  # fmt: skip
    written = {unit for _, unit in ast.literal_eval(elements).values()}
    assert written == set(forecast.UNIT_SUFFIXES)


def test_forecast_without_an_endpoint_says_there_is_no_model_yet(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORECAST_ENDPOINT", "")
    response = invoke(lex_event("Forecast", {"City": "Denver"}))
    assert intent_state(response) == ("Close", "Failed")
    assert "no forecast model yet" in message(response)


def test_forecast_with_a_missing_endpoint_says_there_is_no_model_yet(aws: Any) -> None:
    put_history(aws)
    stubber = Stubber(aws.sagemaker_runtime)
    client_error(stubber, "invoke_endpoint", "ValidationError")
    with stubber, swapped(aws, forecast_runtime=aws.sagemaker_runtime):
        response = invoke(lex_event("Forecast", {"City": "Denver"}))
    assert "no forecast model yet" in message(response)


@pytest.mark.parametrize("code", ["ModelError", "ServiceUnavailable", "ModelNotReadyException"])
def test_forecast_with_a_failing_endpoint_is_polite(aws: Any, code: str) -> None:
    put_history(aws)
    stubber = Stubber(aws.sagemaker_runtime)
    client_error(stubber, "invoke_endpoint", code, 424 if code == "ModelError" else 503)
    with stubber, swapped(aws, forecast_runtime=aws.sagemaker_runtime):
        response = invoke(lex_event("Forecast", {"City": "Denver"}))
    assert intent_state(response) == ("Close", "Failed")
    assert message(response) == "Sorry, the forecast model couldn't answer. Please try again in a minute."


def test_forecast_for_an_unknown_city_asks_again_naming_the_known_ones(aws: Any) -> None:
    response = invoke(lex_event("Forecast", {"City": "Atlantis"}))
    assert response["sessionState"]["dialogAction"]["type"] == "ElicitSlot"
    assert "no station for Atlantis" in message(response) and "Denver, Seattle" in message(response)


def test_forecast_with_old_data_refuses_to_guess(aws: Any) -> None:
    history = put_history(aws, age_days=30)
    response = invoke(lex_event("Forecast", {"City": "Denver"}))
    assert intent_state(response) == ("Close", "Failed")
    assert f"from {history['last_observation']}, older than 7 days" in message(response)


def test_forecast_without_history_says_so(aws: Any) -> None:
    aws.s3.delete_object(Bucket=BUCKET, Key=KEY)
    response = invoke(lex_event("Forecast", {"City": "Seattle"}))
    assert "no recent weather data for Seattle" in message(response)
