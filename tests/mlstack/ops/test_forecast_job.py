"""The forecast recipe's job: the CreateTrainingJob request (validated by botocore), its source archive with the
generated requirements.txt, the Spark job's newest series as the channel, and the metrics table of a finished
job read back from its output archive."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from mlstack.ops import forecast_job, training_job
from mlstack.ops import settings as ops_settings
from mlstack.ops.pricing import PriceTable
from stacks import deep_learning_containers as dlc
from stacks.config import SettingsError

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/mlstack-Platform-TrainingRole"
BUCKET = "mlstack-data-bucket"
NAME = "mlstack-forecast-1"
SERIES = f"s3://{BUCKET}/curated/ghcn/TMAX/20261204-101500/series/"
# metrics.json as training/forecast/train.py writes it (its keys and row order), with made-up scores.
REPORT: dict[str, Any] = {
    "metrics": {
        name: {
            "mae": mae,
            "mase": mase,
            "wql": wql,
            "coverage_p10_p90": coverage,
            "mae_by_horizon": [mae] * 7,
            "points": 1647,
        }
        for name, mae, mase, wql, coverage in (
            ("deepar", 2.3374, 1.2861, 0.10834, 0.7213),
            ("naive", 2.776, 1.528, 0.126, 0.8),
            ("seasonal_naive", 3.072, 1.691, 0.14, 0.7999),
            ("climatology", 2.724, None, 0.1243, 0.84),
        )
    },
    "rows": 65000,
    "series": 60,
    "seconds": 171.2,
    "device": "cpu",
    "backtest_points": 1647,
}


def forecast_request(**overrides: str) -> dict[str, Any]:
    settings = ops_settings.load({"region": REGION, "training.recipe": "forecast", **overrides})
    return training_job.create_request(
        settings,
        name=NAME,
        region=REGION,
        role_arn=ROLE,
        data_bucket=BUCKET,
        train_uri=SERIES,
        recipe=forecast_job.recipe(settings.training, REGION),
    )


def test_the_request_is_valid_for_botocore_and_runs_the_forecast_script_on_the_pytorch_image() -> None:
    request = forecast_request()
    sagemaker = boto3.client("sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sagemaker) as stubber:
        stubber.add_response("create_training_job", {"TrainingJobArn": "arn:x"}, expected_params=request)
        sagemaker.create_training_job(**request)
        stubber.assert_no_pending_responses()
    assert request["AlgorithmSpecification"] == {
        "TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.10.0-cpu-py313",
        "TrainingInputMode": "File",
    }
    assert request["ResourceConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    hyperparameters = {key: json.loads(value) for key, value in request["HyperParameters"].items()}
    assert hyperparameters == {
        "prediction_length": 7,
        "context_length": 0,
        "epochs": 20,
        "backtest_windows": 4,
        "max_items": 0,
        "freq": "D",
        "sagemaker_program": "train.py",
        "sagemaker_submit_directory": f"s3://{BUCKET}/training/code/{NAME}/sourcedir.tar.gz",
        "sagemaker_region": REGION,
        "sagemaker_job_name": NAME,
        "sagemaker_container_log_level": 20,
        "sagemaker_instance_type": "ml.m5.xlarge",
    }  # one process: no torchrun launcher
    [channel] = request["InputDataConfig"]
    assert channel["ChannelName"] == "train"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == SERIES
    assert channel["DataSource"]["S3DataSource"]["S3DataType"] == "S3Prefix"
    assert request["OutputDataConfig"] == {"S3OutputPath": f"s3://{BUCKET}/models/"}


def test_spot_checkpoints_and_the_stopping_condition_are_the_shared_settings() -> None:
    request = forecast_request(**{"training.max_runtime_minutes": "90"})
    assert request["EnableManagedSpotTraining"] is True
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 5400, "MaxWaitTimeInSeconds": 10800}
    # The script saves Lightning's state under /opt/ml/checkpoints; SageMaker syncs it back after an interruption.
    assert request["CheckpointConfig"] == {
        "S3Uri": f"s3://{BUCKET}/checkpoints/{NAME}/",
        "LocalPath": "/opt/ml/checkpoints",
    }
    on_demand = forecast_request(**{"training.spot": "false"})
    assert on_demand["EnableManagedSpotTraining"] is False
    assert on_demand["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}


def test_settings_reach_the_hyperparameters_and_a_gpu_type_gets_the_gpu_image() -> None:
    request = forecast_request(
        **{
            "training.forecast_instance_type": "ml.g4dn.xlarge",
            "training.forecast_prediction_length": "14",
            "training.forecast_context_length": "56",
            "training.forecast_epochs": "3",
            "training.forecast_backtest_windows": "2",
            "training.forecast_max_items": "500",
            "training.forecast_freq": "h",
            "training.instance_count": "4",
        }
    )
    assert request["AlgorithmSpecification"]["TrainingImage"].endswith("/pytorch-training:2.10.0-gpu-py313")
    assert request["ResourceConfig"]["InstanceCount"] == 1
    hyperparameters = {key: json.loads(value) for key, value in request["HyperParameters"].items()}
    assert {key: hyperparameters[key] for key in forecast_job.script_hyperparameters(
        ops_settings.load({}).training
    )} == {
        "prediction_length": 14,
        "context_length": 56,
        "epochs": 3,
        "backtest_windows": 2,
        "max_items": 500,
        "freq": "h",
    }  # fmt: skip


def test_a_region_without_the_pytorch_image_is_refused_in_one_line() -> None:
    training = ops_settings.load({}).training
    with pytest.raises(SettingsError) as error:
        forecast_job.recipe(training, "us-iso-east-1")
    [line] = error.value.problems
    assert line.startswith("region='us-iso-east-1': AWS publishes no pytorch-training Deep Learning Container")


def test_worst_case_is_one_instance_of_the_forecast_type() -> None:
    prices = PriceTable.load()
    hourly = prices.by_type("sagemaker_training_hour", "ml.m5.xlarge")
    assert hourly is not None and hourly > 0
    settings = ops_settings.load({"training.instance_count": "8"})
    worst = training_job.worst_case(settings.training, prices, "forecast")
    assert (worst.instances, worst.instance_type, worst.hours) == (1, "ml.m5.xlarge", 2)
    assert worst.usd == pytest.approx(2 * hourly)


def test_requirements_are_the_ml_pins_the_container_lacks(tmp_path: Path) -> None:
    pins = tmp_path / "requirements-ml.txt"
    pins.write_text(
        "# comment\n-r requirements-dev.txt\ntorch==2.13.0\ntransformers==5.24.0\ngluonts[torch]==0.17.0\n"
        "lightning==2.6.6\npandas==2.3.3\npyarrow==26.0.1\n"
    )
    lines = [line for line in dlc.forecast_job_requirements(pins).splitlines() if not line.startswith("#")]
    assert lines == ["gluonts[torch]==0.17.0", "lightning==2.6.6", "pandas==2.3.3", "pyarrow==26.0.1"]
    pins.write_text("torch==2.13.0\npandas==2.3.3\n")
    with pytest.raises(LookupError, match="pins none of gluonts, lightning, pyarrow"):
        dlc.forecast_job_requirements(pins)
    # The real file: one pinned line per package, and never torch (the image's own build stays).
    real = dlc.forecast_job_requirements().splitlines()[1:]
    assert [line.split("==")[0].split("[")[0] for line in real] == list(dlc.FORECAST_JOB_PACKAGES)
    assert all(line in dlc.REQUIREMENTS_ML.read_text().splitlines() for line in real)


def test_the_source_archive_holds_the_recipe_and_the_generated_requirements() -> None:
    settings = ops_settings.load({})
    recipe = forecast_job.recipe(settings.training, REGION)
    with tarfile.open(fileobj=io.BytesIO(training_job.source_archive(recipe.source_dir, recipe.extra_files))) as tar:
        names = set(tar.getnames())
        requirements = tar.extractfile("requirements.txt")
        assert requirements is not None
        assert requirements.read().decode() == dlc.forecast_job_requirements()
    assert {"train.py", "model.py", "series.py", "inference.py", "requirements.txt"} <= names
    assert not any("sentiment" in name or name.endswith(".pyc") for name in names)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_the_channel_is_the_newest_spark_runs_series_prefix(s3: Any) -> None:
    run = "curated/ghcn/TMAX/20261204-101500/series/"
    body = "".join(f"s3://{BUCKET}/{run}country={c}/part-0000{i}.parquet\n" for i, c in enumerate(["CA", "US"]))
    s3.put_object(Bucket=BUCKET, Key="curated/ghcn/TMAX/latest/symlink.txt", Body=body.encode())
    assert forecast_job.latest_series_uri(s3, BUCKET, "TMAX") == f"s3://{BUCKET}/{run}"


def test_no_spark_run_yet_says_what_to_run(s3: Any) -> None:
    with pytest.raises(forecast_job.ForecastJobError) as error:
        forecast_job.latest_series_uri(s3, BUCKET, "PRCP")
    assert error.value.code == 3
    assert str(error.value) == (
        f"s3://{BUCKET}/curated/ghcn/PRCP/latest/symlink.txt does not exist: run the Spark job first "
        "(mlstack spark) or pass --train-uri"
    )
    s3.put_object(Bucket=BUCKET, Key="curated/ghcn/PRCP/latest/symlink.txt", Body=b"\n")
    with pytest.raises(forecast_job.ForecastJobError, match="lists no series files"):
        forecast_job.latest_series_uri(s3, BUCKET, "PRCP")


def _archive(files: dict[str, Path]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, path in files.items():
            tar.add(path, arcname=name)
    return buffer.getvalue()


EXPECTED_TABLE = [
    "forecaster                     MAE    MASE      wQL  P10-P90",
    "DeepAR                       2.337   1.286   0.1083     0.72",
    "naive (last value)           2.776   1.528   0.1260     0.80",
    "seasonal naive (7 days)      3.072   1.691   0.1400     0.80",
    "climatology                  2.724       -   0.1243     0.84",
    "(60 series, 1647 backtest points, 171.2 s on cpu; P10-P90 is the coverage of the 80 % interval)",
]


def test_a_finished_jobs_metrics_come_from_its_output_archive_as_a_table(s3: Any, tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps(REPORT, indent=2))
    folder = f"models/{NAME}/output"
    s3.put_object(Bucket=BUCKET, Key=f"{folder}/output.tar.gz", Body=_archive({"metrics.json": metrics}))
    report, source = forecast_job.job_metrics(s3, f"s3://{BUCKET}/{folder}/model.tar.gz")
    assert source == f"s3://{BUCKET}/{folder}/output.tar.gz"
    assert report == REPORT
    assert forecast_job.metrics_table(report).splitlines() == EXPECTED_TABLE


def test_without_an_output_archive_the_models_metrics_are_read(s3: Any, tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_text(json.dumps(REPORT))
    (tmp_path / "model.pt").write_bytes(b"\0" * 64)
    folder = f"models/{NAME}/output"
    model = _archive({"model.pt": tmp_path / "model.pt", "metrics.json": tmp_path / "metrics.json"})
    s3.put_object(Bucket=BUCKET, Key=f"{folder}/model.tar.gz", Body=model)
    report, source = forecast_job.job_metrics(s3, f"s3://{BUCKET}/{folder}/model.tar.gz")
    assert (report, source) == (REPORT, f"s3://{BUCKET}/{folder}/model.tar.gz")
    s3.delete_object(Bucket=BUCKET, Key=f"{folder}/model.tar.gz")
    assert forecast_job.job_metrics(s3, f"s3://{BUCKET}/{folder}/model.tar.gz")[0] is None
