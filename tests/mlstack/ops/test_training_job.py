"""The CreateTrainingJob request built from settings, validated by botocore's own service model."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mlstack.ops import settings as ops_settings
from mlstack.ops import training_job
from mlstack.ops.pricing import PriceTable

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/mlstack-Platform-TrainingRole"
BUCKET = "mlstack-data-bucket"


def request_for(**overrides: str) -> dict[str, Any]:
    settings = ops_settings.load({"region": REGION, **overrides})
    return training_job.create_request(
        settings, name="mlstack-train-1", region=REGION, role_arn=ROLE, data_bucket=BUCKET
    )


@pytest.mark.parametrize("count", [1, 4])
def test_the_request_is_valid_for_botocore_for_one_and_several_instances(count: int) -> None:
    request = request_for(**{"training.instance_count": str(count)})
    sagemaker = boto3.client("sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sagemaker) as stubber:
        # Stubber validates the parameters against the service model, as the real call would.
        stubber.add_response("create_training_job", {"TrainingJobArn": "arn:x"}, expected_params=request)
        sagemaker.create_training_job(**request)
        stubber.assert_no_pending_responses()
    assert request["ResourceConfig"] == {"InstanceType": "ml.g5.xlarge", "InstanceCount": count, "VolumeSizeInGB": 30}
    hyperparameters = {key: json.loads(value) for key, value in request["HyperParameters"].items()}
    # SageMaker's torchrun launcher, across every GPU of every instance.
    assert hyperparameters["sagemaker_torch_distributed_enabled"] is True
    assert hyperparameters["sagemaker_program"] == "train.py"
    assert (
        hyperparameters["sagemaker_submit_directory"] == f"s3://{BUCKET}/training/code/mlstack-train-1/sourcedir.tar.gz"
    )
    assert hyperparameters["model_name_or_path"] == "distilbert-base-uncased"


def test_spot_waits_twice_the_runtime_by_default_and_on_demand_has_no_wait() -> None:
    spot = request_for()
    assert spot["EnableManagedSpotTraining"] is True
    assert spot["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    assert spot["CheckpointConfig"] == {
        "S3Uri": f"s3://{BUCKET}/checkpoints/mlstack-train-1/",
        "LocalPath": "/opt/ml/checkpoints",
    }
    on_demand = request_for(**{"training.spot": "false"})
    assert on_demand["EnableManagedSpotTraining"] is False
    assert on_demand["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}


def test_the_job_is_named_and_tagged_with_the_prefix_and_writes_under_models() -> None:
    request = request_for(prefix="ana")
    assert request["TrainingJobName"] == "mlstack-train-1"
    assert training_job.job_name("ana").startswith("ana-train-")
    assert {"Key": "mlstack:prefix", "Value": "ana"} in request["Tags"]
    assert request["OutputDataConfig"] == {"S3OutputPath": f"s3://{BUCKET}/models/"}
    assert request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == training_job.YELP_ARCHIVE
    assert request["AlgorithmSpecification"]["TrainingImage"].startswith(
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:"
    )


def test_worst_case_prices_every_instance_for_the_longest_the_job_may_run() -> None:
    prices = PriceTable.load()
    hourly = prices.by_type("sagemaker_training_hour", "ml.g5.xlarge")
    assert hourly is not None and hourly > 0
    settings = ops_settings.load({"training.instance_count": "2", "training.max_runtime_minutes": "60"})
    worst = training_job.worst_case(settings.training, prices)
    assert worst.hours == 2  # spot: the wait defaults to is twice the runtime
    assert worst.usd == pytest.approx(2 * 2 * hourly)
    assert worst.explain().startswith("2 x ml.g5.xlarge x 2 h at $")


def test_the_source_archive_holds_the_script_folder_at_its_root(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("print('train')\n")
    (tmp_path / "reviews.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\0")
    with tarfile.open(fileobj=io.BytesIO(training_job.source_archive(tmp_path))) as archive:
        assert sorted(archive.getnames()) == ["reviews.py", "train.py"]


def test_extra_files_join_the_archive_root_and_replace_a_folder_file_of_their_name(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("print('train')\n")
    (tmp_path / "requirements.txt").write_text("stale==1\n")
    body = training_job.source_archive(tmp_path, {"requirements.txt": b"pandas==2.3.3\n"})
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        assert sorted(archive.getnames()) == ["requirements.txt", "train.py"]
        extracted = archive.extractfile("requirements.txt")
        assert extracted is not None and extracted.read() == b"pandas==2.3.3\n"


class FakeSageMaker:
    def __init__(self, states: list[dict[str, Any]]):
        self.states = states

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]


def test_follow_reports_each_change_until_the_job_ends() -> None:
    running = {"TrainingJobStatus": "InProgress", "SecondaryStatus": "Training", "EnableManagedSpotTraining": True}
    done = {
        **running,
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        "TrainingTimeInSeconds": 1000,
        "BillableTimeInSeconds": 300,
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/models/j/output/model.tar.gz"},
    }
    seen = list(training_job.follow(FakeSageMaker([running, running, done]), "j", sleep=lambda _: None))
    assert [p.status for p in seen] == ["InProgress", "Completed"]
    assert seen[-1].spot_savings_percent == pytest.approx(70)
    assert seen[-1].line() == "Completed / Completed: 300 billable s, spot saved 70 %"
    assert seen[-1].model_artifacts.endswith("/model.tar.gz")


def test_the_image_is_the_regions_training_dlc_from_the_shared_table() -> None:
    image = request_for()["AlgorithmSpecification"]["TrainingImage"]
    assert image == (
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:"
        "2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04"
    )


def test_a_region_without_the_training_image_is_refused_in_one_line() -> None:
    from stacks.config import SettingsError

    settings = ops_settings.load({"region": "eu-south-2"})
    with pytest.raises(SettingsError) as error:
        training_job.create_request(settings, name="n", region="eu-south-2", role_arn=ROLE, data_bucket=BUCKET)
    [line] = error.value.problems
    assert line.startswith("region='eu-south-2': AWS publishes no huggingface-pytorch-training")


def test_the_train_channel_follows_the_settings_dataset_entry() -> None:
    moved = json.dumps(
        [{"id": "fast_ai_nlp", "bucket": "my-mirror", "region": "us-east-1", "prefix": "nlp/", "format": "archive"}]
    )
    request = request_for(public_datasets=moved)
    uri = request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
    assert uri == "s3://my-mirror/nlp/yelp_review_polarity_csv.tgz"
