"""TrainingRole in a bare stack: the training image pull where AWS publishes it, none where it does not."""

from __future__ import annotations

from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks.config import DEFAULT_PUBLIC_DATASETS
from stacks.constructs.public_datasets import PublicDatasets
from stacks.constructs.training_role import TrainingRole
from tests.unit.constructs.conftest import bare_stack, statements_of


def _training_role(region: str) -> tuple[TrainingRole, Template]:
    stack = bare_stack(region)
    bucket = s3.Bucket(stack, "Data")
    datasets = PublicDatasets(
        stack,
        "Datasets",
        datasets=DEFAULT_PUBLIC_DATASETS,
        results_bucket=bucket,
        name_prefix="mlstack",
        bytes_scanned_cutoff_mb=1024,
    )
    role = TrainingRole(stack, "Training", prefix="mlstack", data_bucket=bucket, datasets=datasets)
    return role, Template.from_stack(stack)


def test_pulls_only_the_hugging_face_training_image() -> None:
    role, template = _training_role("us-east-1")
    statements = statements_of(template, role.role)
    assert statements["PullTrainingImage"]["Resource"] == (
        "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-training"
    )
    wildcards = sorted(s["Sid"] for s in statements.values() if s["Resource"] == "*")
    assert wildcards == ["LogInToEcr", "PublishTrainingMetrics"]
    assert statements["PublishTrainingMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}
    }


def test_no_pull_where_the_training_image_is_missing_though_the_inference_image_exists() -> None:
    role, template = _training_role("eu-south-2")
    statements = statements_of(template, role.role)
    assert {"PullTrainingImage", "LogInToEcr"}.isdisjoint(statements)
    assert "PublishTrainingMetrics" in statements
