"""TrainingRole in a bare stack: the training images' pull where AWS publishes them, none where it does not."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
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


def test_pulls_only_the_hugging_face_and_pytorch_training_images() -> None:
    role, template = _training_role("us-east-1")
    statements = statements_of(template, role.role)
    assert statements["PullTrainingImage"]["Resource"] == [
        "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-training",
        "arn:aws:ecr:us-east-1:763104351884:repository/pytorch-training",
    ]
    wildcards = sorted(s["Sid"] for s in statements.values() if s["Resource"] == "*")
    assert wildcards == ["LogInToEcr", "PublishTrainingMetrics"]
    assert statements["PublishTrainingMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}
    }


def test_only_the_pytorch_image_where_the_hugging_face_training_image_is_missing() -> None:
    role, template = _training_role("eu-south-2")
    statements = statements_of(template, role.role)
    assert statements["PullTrainingImage"]["Resource"] == (
        "arn:aws:ecr:eu-south-2:503227376785:repository/pytorch-training"
    )
    assert "PublishTrainingMetrics" in statements


def test_has_exactly_data_in_model_out_image_logs_and_metrics() -> None:
    role, template = _training_role("us-east-1")
    stack = cdk.Stack.of(role)
    bucket_id = next(iter(template.find_resources("AWS::S3::Bucket")))
    bucket_arn = {"Fn::GetAtt": [bucket_id, "Arn"]}

    def objects(prefix: str) -> dict[str, Any]:
        return {"Fn::Join": ["", [bucket_arn, f"/{prefix}*"]]}

    def logs(resource: str) -> dict[str, Any]:
        return {"Fn::Join": ["", ["arn:aws:logs:us-east-1:", {"Ref": "AWS::AccountId"}, f":{resource}"]]}

    statements = statements_of(template, role.role)
    assert {sid: (s["Action"], s["Resource"], s.get("Condition")) for sid, s in statements.items()} == {
        "ListTrainingInputsAndCheckpoints": (
            "s3:ListBucket",
            bucket_arn,
            {"StringLike": {"s3:prefix": ["training/*", "curated/*", "checkpoints/*"]}},
        ),
        "ReadTrainingInputsAndCheckpoints": (
            "s3:GetObject",
            [objects("checkpoints/"), objects("curated/"), objects("training/")],
            None,
        ),
        "WriteModelsAndCheckpoints": (
            ["s3:AbortMultipartUpload", "s3:PutObject"],
            [objects("checkpoints/"), objects("models/")],
            None,
        ),
        "PullTrainingImage": (
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            [
                "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-training",
                "arn:aws:ecr:us-east-1:763104351884:repository/pytorch-training",
            ],
            None,
        ),
        "LogInToEcr": ("ecr:GetAuthorizationToken", "*", None),
        "WriteOwnJobLogs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            logs("log-group:/aws/sagemaker/TrainingJobs:log-stream:mlstack-*"),
            None,
        ),
        "CreateTrainingLogGroup": (
            ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
            logs("log-group:/aws/sagemaker/TrainingJobs:*"),
            None,
        ),
        "PublishTrainingMetrics": (
            "cloudwatch:PutMetricData",
            "*",
            {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}},
        ),
    }
    props = template.to_json()["Resources"][stack.get_logical_id(role.role.node.default_child)]["Properties"]  # type: ignore[arg-type]
    assert props["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
    ]
    # Nothing but the datasets' read policy and the one default policy.
    assert len(props["ManagedPolicyArns"]) == 1
    assert len(template.find_resources("AWS::IAM::Policy")) == 1
