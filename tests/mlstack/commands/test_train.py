"""`mlstack train` against moto: cost cap, region and dataset checks, a submitted and followed job."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from mlstack.ops import training_job
from stacks import outputs
from tests.mlstack.conftest import Cli

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/mlstack-Platform-TrainingRole"


def stack(name: str, outputs_: dict[str, str], endpoint_url: str | None = None) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs_.items()},
    }
    cloudformation = boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint_url)
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    with mock_aws():
        bucket = "mlstack-data-bucket"
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=bucket)
        stack("Mlstack-Data", {outputs.DATA_BUCKET: bucket})
        stack("Mlstack-Platform", {outputs.TRAINING_ROLE_ARN: ROLE})
        yield bucket


def test_a_job_is_submitted_followed_and_its_deploy_command_printed(aws: str, cli: Cli) -> None:
    result = cli("train", "--poll-seconds", "0")
    assert result.code == 0, result.err
    jobs = boto3.client("sagemaker", region_name=REGION).list_training_jobs()["TrainingJobSummaries"]
    assert len(jobs) == 1 and jobs[0]["TrainingJobName"].startswith("mlstack-train-")
    name = jobs[0]["TrainingJobName"]
    described = boto3.client("sagemaker", region_name=REGION).describe_training_job(TrainingJobName=name)
    assert described["RoleArn"] == ROLE
    assert described["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"
    # The script travelled as the job's source archive, under the prefix the training role reads.
    source = boto3.client("s3", region_name=REGION).head_object(
        Bucket=aws, Key=f"training/code/{name}/sourcedir.tar.gz"
    )
    assert source["ContentLength"] > 0
    assert "Worst case: 1 x ml.g5.xlarge x 2 h at $" in result.out
    model = f"s3://{aws}/models/{name}/output/model.tar.gz"
    assert f"Model: {model}" in result.out
    assert f"mlstack cdk deploy Mlstack-Platform --prefix mlstack -c platform.model_data_url={model}" in result.out


def test_a_job_above_the_cost_cap_is_refused_before_any_aws_call(cli: Cli) -> None:
    result = cli("train", "-c", "training.instance_count=16")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mlstack: training job worst case 16 x ml.g5.xlarge x 2 h at $")
    assert "is above training.max_job_usd=5; raise it (-c training.max_job_usd=" in lines[0]


def test_a_region_without_the_training_image_is_refused_before_any_aws_call(cli: Cli) -> None:
    result = cli("train", "-c", "region=eu-south-2")
    assert result.code == 2
    [line] = result.err.strip().splitlines()
    assert line.startswith(
        "mlstack: invalid setting: region='eu-south-2': AWS publishes no huggingface-pytorch-training"
    )


def test_the_public_archive_is_read_in_place_only_in_its_own_region(cli: Cli) -> None:
    result = cli("train", "-c", "region=eu-west-1")
    assert result.code == 2
    assert result.err.strip().startswith(
        "mlstack: training reads s3://fast-ai-nlp/yelp_review_polarity_csv.tgz in place, and SageMaker reads "
        "channels only from the job's region: the dataset is in us-east-1, the job in eu-west-1"
    )


def test_a_train_uri_outside_the_datasets_and_training_inputs_is_refused(aws: str, cli: Cli) -> None:
    result = cli("train", "--train-uri", f"s3://{aws}/models/x.csv")
    assert result.code == 2
    assert "the training role reads the data bucket's training/ and curated/ prefixes only" in result.err


def test_without_the_platform_stack_it_says_what_to_deploy(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        stack("Mlstack-Data", {outputs.DATA_BUCKET: "b"})
        result = cli("train", "-c", f"region={REGION}")
    assert result.code == 3
    assert result.err.strip() == (
        "mlstack: stack Mlstack-Platform is not deployed in us-east-1: deploy its layer first "
        "(mlstack cdk deploy --all --prefix mlstack)"
    )


def test_local_only_options_need_local(cli: Cli) -> None:
    result = cli("train", "--demo")
    assert result.code == 2
    assert result.err.strip() == "mlstack: --demo, --data and --model go with --local"


def test_local_without_the_ml_packages_says_how_to_install_them(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    # Whatever this Python has: transformers present, torch absent, so only torch is named.
    real_find_spec = importlib.util.find_spec
    present = importlib.machinery.ModuleSpec("transformers", None)

    def find_spec(name: str, *rest: object) -> object:
        if name in ("torch", "transformers"):
            return None if name == "torch" else present
        return real_find_spec(name, *rest)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    result = cli("train", "--local", "--demo")
    assert result.code == 2
    assert result.err.strip() == (
        "mlstack: --local needs torch in this Python: `make test-ml` installs the ML packages"
        ' into .venv (or pip install -r requirements-ml.txt; README "Testing": the CPU build of torch)'
    )


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's HTTP server on a free port (as `--endpoint-url` names an emulator), reset afterwards."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        yield endpoint
    finally:
        # The server keeps moto's state in this process: drop it, so no other test sees this one's.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
        server.stop()


def test_with_an_endpoint_url_the_job_is_submitted_there(moto_server: str, cli: Cli) -> None:
    """`mlstack train --endpoint-url`: every call goes to that endpoint, which accepts the job as built."""

    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=moto_server)

    bucket = "mlstack-data-bucket"
    client("s3").create_bucket(Bucket=bucket)
    stack("Mlstack-Data", {outputs.DATA_BUCKET: bucket}, endpoint_url=moto_server)
    stack("Mlstack-Platform", {outputs.TRAINING_ROLE_ARN: ROLE}, endpoint_url=moto_server)

    result = cli(
        "train",
        "--endpoint-url",
        moto_server,
        "--no-wait",
        "-c",
        "training.instance_count=2",
        "-c",
        "training.max_job_usd=6",
    )

    assert result.code == 0, result.err
    (job,) = client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
    assert f"Submitted {job['TrainingJobName']}: 2 x ml.g5.xlarge" in result.out
    described = client("sagemaker").describe_training_job(TrainingJobName=job["TrainingJobName"])
    assert described["RoleArn"] == ROLE
    assert described["ResourceConfig"]["InstanceCount"] == 2
    assert described["AlgorithmSpecification"]["TrainingImage"].startswith(
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:"
    )
    assert described["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == training_job.YELP_ARCHIVE
    source = client("s3").head_object(Bucket=bucket, Key=training_job.source_key(job["TrainingJobName"]))
    assert source["ContentLength"] > 0
