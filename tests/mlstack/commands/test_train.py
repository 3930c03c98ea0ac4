"""`mlstack train` against moto: cost cap, region and dataset checks, a submitted and followed job."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import io
import json
import tarfile
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from mlstack.ops import forecast_job, training_job
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


# The forecast recipe

FORECAST_JOB = "mlstack-forecast-20261205-070000"
RUN_SERIES = "curated/ghcn/TMAX/20261204-101500/series/"


def _forecast_archive(tmp_path: Any) -> bytes:
    """output.tar.gz as SageMaker packs SM_OUTPUT_DATA_DIR: the script's metrics.json at its root."""
    scores = {"mae": 2.5, "mase": 1.3, "wql": 0.11, "coverage_p10_p90": 0.75, "mae_by_horizon": [2.5] * 7, "points": 9}
    naive = {**scores, "mae": 2.9, "mase": 1.5, "wql": 0.13, "coverage_p10_p90": 0.8}
    report = {"metrics": {"deepar": scores, "naive": naive}, "series": 3, "backtest_points": 9, "seconds": 40.0,
              "device": "cpu"}  # fmt: skip
    (tmp_path / "metrics.json").write_text(json.dumps(report))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(tmp_path / "metrics.json", arcname="metrics.json")
    return buffer.getvalue()


@pytest.fixture
def spark_output(aws: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The Spark job's latest manifest over one run's series, and a fixed job name."""
    s3 = boto3.client("s3", region_name=REGION)
    body = (
        f"s3://{aws}/{RUN_SERIES}country=US/part-00000.parquet\ns3://{aws}/{RUN_SERIES}country=US/part-00001.parquet\n"
    )
    s3.put_object(Bucket=aws, Key="curated/ghcn/TMAX/latest/symlink.txt", Body=body.encode())
    monkeypatch.setattr(
        training_job, "job_name", lambda prefix, now=None, kind="train": f"{prefix}-{kind}-20261205-070000"
    )
    return aws


def test_a_forecast_job_trains_on_the_newest_spark_run_and_prints_its_metrics(
    spark_output: str, cli: Cli, tmp_path: Any
) -> None:
    bucket = spark_output
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=bucket, Key=f"models/{FORECAST_JOB}/output/output.tar.gz", Body=_forecast_archive(tmp_path))

    result = cli("train", "--recipe", "forecast", "--poll-seconds", "0")

    assert result.code == 0, result.err
    described = boto3.client("sagemaker", region_name=REGION).describe_training_job(TrainingJobName=FORECAST_JOB)
    assert described["AlgorithmSpecification"]["TrainingImage"] == (
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.10.0-cpu-py313"
    )
    assert described["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{bucket}/{RUN_SERIES}"
    assert described["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"
    source = s3.get_object(Bucket=bucket, Key=f"training/code/{FORECAST_JOB}/sourcedir.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(source)) as tar:
        assert {"train.py", "requirements.txt"} <= set(tar.getnames())
    assert "Worst case: 1 x ml.m5.xlarge x 2 h at $0.230/h = $0.46" in result.out
    assert f"Submitted {FORECAST_JOB}: 1 x ml.m5.xlarge, recipe forecast" in result.out
    lines = result.out.splitlines()
    header = lines.index("forecaster                     MAE    MASE      wQL  P10-P90")
    assert lines[header + 1 : header + 3] == [
        "DeepAR                       2.500   1.300   0.1100     0.75",
        "naive (last value)           2.900   1.500   0.1300     0.80",
    ]
    model = f"s3://{bucket}/models/{FORECAST_JOB}/output/model.tar.gz"
    assert (
        f"mlstack cdk deploy Mlstack-Platform --prefix mlstack -c platform.forecast_model_data_url={model}"
        in result.out
    )


def test_the_recipe_setting_chooses_the_forecast_job_and_train_uri_overrides_its_channel(
    spark_output: str, cli: Cli
) -> None:
    uri = f"s3://{spark_output}/training/my-series/"
    result = cli("train", "-c", "training.recipe=forecast", "--train-uri", uri, "--no-wait")
    assert result.code == 0, result.err
    described = boto3.client("sagemaker", region_name=REGION).describe_training_job(TrainingJobName=FORECAST_JOB)
    assert described["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == uri


def test_a_forecast_job_without_a_spark_run_says_what_to_run(aws: str, cli: Cli) -> None:
    result = cli("train", "--recipe", "forecast")
    assert result.code == 3
    assert result.err.strip() == (
        f"mlstack: s3://{aws}/curated/ghcn/TMAX/latest/symlink.txt does not exist: run the Spark job first "
        "(mlstack spark) or pass --train-uri"
    )
    assert boto3.client("sagemaker", region_name=REGION).list_training_jobs()["TrainingJobSummaries"] == []


def test_a_forecast_job_above_the_cost_cap_is_refused_before_any_aws_call(cli: Cli) -> None:
    result = cli("train", "--recipe", "forecast", "-c", "training.forecast_instance_type=ml.p4d.24xlarge")
    assert result.code == 2
    [line] = result.err.strip().splitlines()
    assert line.startswith("mlstack: training job worst case 1 x ml.p4d.24xlarge x 2 h at $")
    assert line.endswith("or lower training.max_runtime_minutes, training.max_wait_minutes or "
                         "training.forecast_instance_type")  # fmt: skip


def test_bad_recipe_flag_and_sentiment_only_options_are_refused(cli: Cli) -> None:
    assert cli("train", "--recipe", "deepar").code == 2
    result = cli("train", "--recipe", "forecast", "--local", "--rows", "50")
    assert result.code == 2
    assert result.err.strip() == "mlstack: --model and --rows go with the sentiment recipe (--recipe sentiment)"
    result = cli("train", "-c", "training.recipe=forecasts")
    assert result.code == 2
    assert "training.recipe='forecasts': one of sentiment, forecast; did you mean forecast?" in result.err


def test_forecast_local_without_the_ml_packages_names_them(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    real_find_spec = importlib.util.find_spec
    present = importlib.machinery.ModuleSpec("present", None)

    def find_spec(name: str, *rest: object) -> object:
        if name in forecast_job.LOCAL_PACKAGES:
            return None if name in ("gluonts", "lightning") else present
        return real_find_spec(name, *rest)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    result = cli("train", "--recipe", "forecast", "--local", "--demo")
    assert result.code == 2
    assert result.err.strip() == (
        "mlstack: --local needs gluonts, lightning in this Python: `make test-ml` installs the ML packages"
        ' into .venv (or pip install -r requirements-ml.txt; README "Testing": the CPU build of torch)'
    )


def test_forecast_local_needs_data_or_demo(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    monkeypatch.setattr(forecast_job, "LOCAL_PACKAGES", ())  # whatever this Python has
    result = cli("train", "--recipe", "forecast", "--local")
    assert result.code == 2
    assert result.err.strip() == (
        "mlstack: --recipe forecast --local needs --data (CSV or Parquet: item_id, timestamp, target) or --demo"
    )
