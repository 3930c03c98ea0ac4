"""InvokeEndpoint on a script-mode model in the emulator, through boto3: the model's own inference code answers
(a tiny model whose script needs json only), and its errors come back as SageMaker's ModelError."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlstack.emulator import script_mode

BUCKET = "script-mode-models"
ROLE = "arn:aws:iam::123456789012:role/model"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-cpu-py312-ubuntu22.04-sagemaker"

# A script as the toolkit runs it: model_fn once, then input_fn, predict_fn, output_fn per request. It counts its
# model_fn calls, imports a sibling module from its code folder, and fails on request as a handler can.
INFERENCE = """
import json
from pathlib import Path

from helper import scaled


class BaseInferenceToolkitError(Exception):  # the toolkit's class, as scripts define it where it is absent
    def __init__(self, status_code, message, phrase):
        super().__init__(status_code, message, phrase)
        self.status_code, self.message, self.phrase = status_code, message, phrase


LOADS = []


def model_fn(model_dir):
    LOADS.append(model_dir)
    return json.loads((Path(model_dir) / "weights.json").read_text())


def input_fn(body, content_type):
    if content_type != "application/json":
        raise BaseInferenceToolkitError(415, f"content type {content_type!r}: send application/json", "Unsupported")
    return json.loads(body)


def predict_fn(data, model):
    if data.get("explode"):
        raise ZeroDivisionError("the model divided by zero")
    return {"values": scaled(data["values"], model["scale"]), "loads": len(LOADS)}


def output_fn(prediction, accept):
    return json.dumps(prediction), accept
"""
HELPER = "def scaled(values, scale):\n    return [scale * value for value in values]\n"


def model_archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def tiny_model(scale: float, script: str = INFERENCE) -> bytes:
    return model_archive(
        {"weights.json": json.dumps({"scale": scale}), "code/inference.py": script, "code/helper.py": HELPER}
    )


def deploy(aws: Callable[[str], Any], name: str, archive: bytes | None, **environment: str) -> None:
    """A serverless endpoint on a PyTorch script-mode model, as the ForecastEndpoint construct creates it."""
    s3, sagemaker = aws("s3"), aws("sagemaker")
    if BUCKET not in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=BUCKET)
    if archive is not None:
        s3.put_object(Bucket=BUCKET, Key=f"{name}/model.tar.gz", Body=archive)
    env = {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code", **environment}
    container = {"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/{name}/model.tar.gz", "Environment": env}
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer=container)
    variant = {"VariantName": "AllTraffic", "ModelName": name,
               "ServerlessConfig": {"MemorySizeInMB": 3072, "MaxConcurrency": 2}}  # fmt: skip
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)


def invoke(aws: Callable[[str], Any], name: str, body: object, **extra: str) -> tuple[dict[str, Any], dict[str, Any]]:
    answer = aws("sagemaker-runtime").invoke_endpoint(
        EndpointName=name, ContentType=extra.pop("ContentType", "application/json"), Body=json.dumps(body), **extra
    )
    return json.loads(answer["Body"].read()), answer


def model_error(aws: Callable[[str], Any], name: str, body: object, **extra: str) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        invoke(aws, name, body, **extra)
    response = refused.value.response
    assert response["Error"]["Code"] == "ModelError"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 424
    return response


def test_the_models_own_handlers_answer_and_model_fn_runs_once(aws: Callable[[str], Any]) -> None:
    deploy(aws, "scaler", tiny_model(2.0))
    first, answer = invoke(aws, "scaler", {"values": [1, 2.5]}, Accept="application/json")
    second, _ = invoke(aws, "scaler", {"values": [3]})
    assert first == {"values": [2.0, 5.0], "loads": 1}
    assert second == {"values": [6.0], "loads": 1}  # loaded once, as a serving container loads it
    assert answer["ContentType"] == "application/json"
    assert answer["InvokedProductionVariant"] == "AllTraffic"


def test_a_new_archive_at_the_same_url_is_loaded_afresh(aws: Callable[[str], Any]) -> None:
    deploy(aws, "updated", tiny_model(2.0))
    assert invoke(aws, "updated", {"values": [1]})[0]["values"] == [2.0]
    aws("s3").put_object(Bucket=BUCKET, Key="updated/model.tar.gz", Body=tiny_model(10.0))
    assert invoke(aws, "updated", {"values": [1]})[0] == {"values": [10.0], "loads": 1}


def test_a_handlers_toolkit_error_is_a_model_error_with_its_status(aws: Callable[[str], Any]) -> None:
    deploy(aws, "picky", tiny_model(1.0))
    response = model_error(aws, "picky", {"values": [1]}, ContentType="text/csv")
    assert response["OriginalStatusCode"] == 415
    assert response["OriginalMessage"].startswith("content type 'text/csv': send application/json\nTraceback")
    assert response["Error"]["Message"].startswith("Received client error (415) from primary with message")
    assert "/aws/sagemaker/Endpoints/picky" in response["LogStreamArn"]


def test_any_other_handler_exception_is_a_server_error(aws: Callable[[str], Any]) -> None:
    deploy(aws, "fragile", tiny_model(1.0))
    response = model_error(aws, "fragile", {"values": [1], "explode": True})
    assert response["OriginalStatusCode"] == 500
    assert response["OriginalMessage"].startswith("ZeroDivisionError: the model divided by zero")
    assert response["Error"]["Message"].startswith("Received server error (500) from primary")
    # the model still answers the next request
    assert invoke(aws, "fragile", {"values": [4]})[0]["values"] == [4.0]


def test_without_torch_the_model_error_names_the_ml_packages(
    aws: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` fails here, as in CI's gate venv
    deploy(aws, "needs-torch", tiny_model(1.0, "import torch\n" + INFERENCE))
    response = model_error(aws, "needs-torch", {"values": [1]})
    assert "inference.py imports 'torch', which the emulator's Python lacks" in response["OriginalMessage"]
    assert "`make test-ml`" in response["OriginalMessage"]


def test_a_missing_archive_or_handler_says_what_is_missing(aws: Callable[[str], Any]) -> None:
    deploy(aws, "no-archive", None)
    response = model_error(aws, "no-archive", {"values": [1]})
    assert response["OriginalMessage"] == (
        f"ModelDataUrl 's3://{BUCKET}/no-archive/model.tar.gz': no such object in the emulator's S3"
    )
    deploy(aws, "no-model-fn", tiny_model(1.0, "def predict_fn(data, model):\n    return data\n"))
    response = model_error(aws, "no-model-fn", {"values": [1]})
    assert "inference.py defines no model_fn" in response["OriginalMessage"]


def test_code_from_an_s3_source_archive_and_the_default_accept(aws: Callable[[str], Any]) -> None:
    source = model_archive({"inference.py": INFERENCE, "helper.py": HELPER})
    aws("s3").put_object(Bucket=BUCKET, Key="sourced/sourcedir.tar.gz", Body=source)
    deploy(aws, "sourced", model_archive({"weights.json": '{"scale": 3}'}),
           SAGEMAKER_SUBMIT_DIRECTORY=f"s3://{BUCKET}/sourced/sourcedir.tar.gz",
           SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT="application/jsonlines")  # fmt: skip
    body, answer = invoke(aws, "sourced", {"values": [2]}, Accept="*/*")
    assert body["values"] == [6]
    assert answer["ContentType"] == "application/jsonlines"


def test_an_archive_cannot_write_outside_its_folder() -> None:
    archive = model_archive({"../escaped.py": "x = 1\n"})
    host = script_mode.ModelHost(lambda bucket, key: (archive, "etag"))
    container = script_mode.Container("e", "AllTraffic", "s3://b/model.tar.gz", {"SAGEMAKER_PROGRAM": "inference.py"})
    with pytest.raises(script_mode.ModelFailure, match="not a readable tar archive"):
        host.load(container)


def test_an_endpoint_without_a_program_still_gets_the_emulated_sentiment(aws: Callable[[str], Any]) -> None:
    sagemaker = aws("sagemaker")
    sagemaker.create_model(ModelName="hf", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    variant = {"VariantName": "all", "ModelName": "hf", "InitialInstanceCount": 1, "InstanceType": "ml.t2.medium"}
    sagemaker.create_endpoint_config(EndpointConfigName="hf", ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName="hf", EndpointConfigName="hf")
    [label] = invoke(aws, "hf", {"inputs": "I love it"})[0]
    assert label["label"] == "[emulated] POSITIVE"


def test_a_model_that_fails_to_load_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    archive = tiny_model(1.0, "import torch\n" + INFERENCE)
    host = script_mode.ModelHost(lambda bucket, key: (archive, "etag"))
    container = script_mode.Container("e", "AllTraffic", "s3://b/model.tar.gz", {"SAGEMAKER_PROGRAM": "inference.py"})
    path, modules = list(sys.path), set(sys.modules)
    with pytest.raises(script_mode.ModelFailure, match="imports 'torch'"):
        host.load(container)
    assert sys.path == path and set(sys.modules) == modules
    assert host._root is not None and list(host._root.iterdir()) == []
