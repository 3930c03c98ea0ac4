"""The bot's real forecast reply in the emulator: the demo model trained, its model.tar.gz and a station's
history document (as the Spark job writes it) in the emulated bucket, the serverless endpoint created as the
ForecastEndpoint construct creates it, and the fulfillment Lambda's handler run on a Forecast event with the
emulator as every AWS endpoint. The emulator answers the endpoint by running the model's own code/inference.py.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlstack.emulator.server import Emulator
from mlstack.ops.sessions import new_session
from spark.ghcn_series import history_document
from stacks import naming
from tests.training.forecast.conftest import QUICK, ROOT, paths, run_script

REGION = "us-east-1"
BUCKET = "mlstack-data"
TABLE = "mlstack-results"
STATION = "USW00003017"
CITY = "Denver"
ENDPOINT = naming.forecast_endpoint_name("mlstack")
MODEL_KEY = "models/forecast/demo/model.tar.gz"
FUNCTION_DIR = ROOT / "lambdas" / "lex_fulfillment"
RUN_HANDLER = ROOT / "mlstack" / "emulator" / "lex" / "run_handler.py"
# What the ForecastEndpoint construct puts in the model's container: the PyTorch inference DLC's script mode.
CONTAINER_ENV = {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-cpu-py312-ubuntu22.04-sagemaker"
HISTORY_DAYS = 365
# "Thu Dec 03: about 5°C (likely 1 to 9)", as intents/forecast.py speaks each day.
DAY = re.compile(r"(\w{3} \w{3} \d{2}): about (-?\d+)°C \(likely (-?\d+) to (-?\d+)\)")


@pytest.fixture(scope="module")
def model_archive(tmp_path_factory: pytest.TempPathFactory, demo_series: Path) -> bytes:
    """The demo model trained briefly, tarred as a training job tars its model directory."""
    out = tmp_path_factory.mktemp("emulated-endpoint")
    result = run_script(*paths(out, demo_series), *QUICK)
    assert result.returncode == 0, result.stderr[-2000:]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted((out / "model").rglob("*")):
            archive.add(path, arcname=path.relative_to(out / "model").as_posix(), recursive=False)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    from moto.moto_api._internal.models import moto_api_backend

    with Emulator() as running:
        moto_api_backend.reset()
        yield running


@pytest.fixture(scope="module")
def aws(emulator: Emulator) -> Callable[[str], Any]:
    credentials = emulator.credentials
    session = new_session(aws_access_key_id=credentials.access_key_id,
                          aws_secret_access_key=credentials.secret_access_key, region_name=REGION)  # fmt: skip
    return lambda service: session.client(service, endpoint_url=emulator.endpoint)


def station_history(demo_series: Path, last: date) -> dict[str, Any]:
    """A demo station's last year as spark/ghcn_series.py writes history/<station>.json, ending on `last`."""
    import pandas as pd

    rows = pd.read_parquet(demo_series)
    values = rows[rows["item_id"] == "station-000"].sort_values("timestamp")["target"].tolist()[-HISTORY_DAYS:]
    first = last - timedelta(days=len(values) - 1)
    days = [(first + timedelta(days=i), float(value) if math.isfinite(value) else None, False)  # NaN: missing
            for i, value in enumerate(values)]  # fmt: skip
    return history_document(STATION, "TMAX", days, first)


@pytest.fixture(scope="module")
def deployed(aws: Callable[[str], Any], model_archive: bytes, demo_series: Path) -> dict[str, Any]:
    """The bucket with the model and the history, the results table, and the serverless forecast endpoint."""
    s3, sagemaker, dynamodb = aws("s3"), aws("sagemaker"), aws("dynamodb")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=MODEL_KEY, Body=model_archive)
    history = station_history(demo_series, datetime.now(UTC).date() - timedelta(days=1))
    history_key = f"{naming.latest_history_prefix(naming.FORECAST_ELEMENT)}{STATION}.json"
    s3.put_object(Bucket=BUCKET, Key=history_key, Body=json.dumps(history).encode())
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"},
                   {"AttributeName": "created_at", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"},
                              {"AttributeName": "created_at", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    container = {"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/{MODEL_KEY}", "Environment": CONTAINER_ENV}
    sagemaker.create_model(ModelName=ENDPOINT, ExecutionRoleArn="arn:aws:iam::123456789012:role/forecast",
                           PrimaryContainer=container)  # fmt: skip
    variant = {"VariantName": "AllTraffic", "ModelName": ENDPOINT,
               "ServerlessConfig": {"MemorySizeInMB": 3072, "MaxConcurrency": 2}}  # fmt: skip
    sagemaker.create_endpoint_config(EndpointConfigName=ENDPOINT, ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=ENDPOINT)
    return history


def forecast_event(city: str) -> dict[str, Any]:
    """A Lex V2 code-hook event of the Forecast intent ready for fulfillment."""
    slot = {"shape": "Scalar", "value": {"originalValue": city, "interpretedValue": city, "resolvedValues": [city]}}
    intent = {"name": "Forecast", "slots": {"City": slot}, "state": "ReadyForFulfillment", "confirmationState": "None"}
    bot = {"id": "BOTID12345", "name": "mlstack-bot", "aliasId": "TSTALIASID", "aliasName": "live",
           "localeId": "en_US", "version": "DRAFT"}  # fmt: skip
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": "forecast-session",
        "inputTranscript": f"what will the high be in {city}",
        "bot": bot,
        "interpretations": [{"intent": intent, "nluConfidence": 1.0, "interpretationSource": "Lex"}],
        "requestAttributes": {},
        "sessionState": {"activeContexts": [], "sessionAttributes": {}, "intent": intent},
    }


def run_fulfillment(emulator: Emulator, event: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The Lambda's handler in a process of its own, as the emulator's code hook runs it: its code folder as
    PYTHONPATH, its environment as the stack sets it, the emulator as every AWS endpoint."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(FUNCTION_DIR),
        **emulator.credentials.environment(),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "POWERTOOLS_SERVICE_NAME": "lex-fulfillment",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "MLSTACK_FUNCTION_TIMEOUT": "25",
        "DATA_BUCKET": BUCKET,
        "RESULTS_TABLE": TABLE,
        "FORECAST_ENDPOINT": ENDPOINT,
        "FORECAST_HISTORY_PREFIX": naming.latest_history_prefix(naming.FORECAST_ELEMENT),
        "FORECAST_STATIONS": f"{CITY}={STATION}",
        "FORECAST_MAX_DATA_AGE_DAYS": "7",
    }
    result = tmp_path / "result.json"
    finished = subprocess.run([sys.executable, "-P", str(RUN_HANDLER), "handler.handler", str(result)],
                              input=json.dumps(event), capture_output=True, text=True, env=env, timeout=60,
                              check=False)  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    return dict(json.loads(result.read_text()))


def test_the_bot_answers_a_real_forecast_from_the_emulated_endpoint(
    emulator: Emulator, deployed: dict[str, Any], tmp_path: Path
) -> None:
    reply = run_fulfillment(emulator, forecast_event(CITY), tmp_path)

    state = reply["sessionState"]
    assert (state["dialogAction"]["type"], state["intent"]["state"]) == ("Close", "Fulfilled"), reply
    [message] = reply["messages"]
    text = message["content"]
    last = date.fromisoformat(deployed["last_observation"])
    assert text.startswith(f"Forecast high for {CITY}, from data through {last.isoformat()}: "), text
    days = DAY.findall(text)
    assert len(days) == 3, text
    observed = [value for value in deployed["target"][-60:] if value is not None]
    for offset, (day, p50, p10, p90) in enumerate(days, start=1):
        assert day == (last + timedelta(days=offset)).strftime("%a %b %d")
        low, median, high = int(p10), int(p50), int(p90)
        # a probabilistic forecast: a real range around the median, at the level of the station's recent days
        assert low <= median <= high and low < high, text
        assert min(observed) - 15 <= median <= max(observed) + 15, (text, min(observed), max(observed))


def test_the_endpoint_runs_the_models_own_inference_code(aws: Callable[[str], Any], deployed: dict[str, Any]) -> None:
    runtime = aws("sagemaker-runtime")
    body = {"instances": [{"start": deployed["start"], "target": [v if v is not None else "NaN"
                                                                  for v in deployed["target"]]}],
            "configuration": {"num_samples": 50, "output_types": ["quantiles", "mean"],
                              "quantiles": ["0.1", "0.5", "0.9"]}}  # fmt: skip
    answer = runtime.invoke_endpoint(EndpointName=ENDPOINT, ContentType="application/json", Body=json.dumps(body))
    [prediction] = json.loads(answer["Body"].read())["predictions"]
    assert {len(values) for values in prediction["quantiles"].values()} == {7}  # the model's prediction_length
    assert len(prediction["mean"]) == 7
    # A request the model's input contract refuses: the inference code's own 400, as SageMaker's ModelError.
    with pytest.raises(ClientError) as refused:
        runtime.invoke_endpoint(EndpointName=ENDPOINT, ContentType="application/json", Body=json.dumps({"rows": []}))
    response = refused.value.response
    assert response["Error"]["Code"] == "ModelError" and response["OriginalStatusCode"] == 400
    assert response["OriginalMessage"].startswith('expected a JSON object with a non-empty "instances" list')
