"""The round trip's check of `mlstack train`'s job, against moto: passes on the stacks' role, fails otherwise."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from mlstack.local import training_check
from mlstack.ops import settings as ops_settings
from mlstack.ops.checks import Status
from stacks import outputs

REGION = "us-east-1"
BUCKET = "mlstack-data-bucket"


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def _stack(name: str, outputs_: dict[str, str]) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs_.items()},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(StackName=name, TemplateBody=json.dumps(template))


@pytest.fixture
def session(moto_account: str) -> Any:
    """An account with the Data stack's bucket and outputs (moto, tests/mlstack/conftest.py)."""
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    _stack("Mlstack-Data", {outputs.DATA_BUCKET: BUCKET})
    return boto3.Session(region_name=REGION)


def _platform_with_role(trusted: str) -> str:
    role = boto3.client("iam").create_role(RoleName="TrainingRole", AssumeRolePolicyDocument=_trust(trusted))
    arn: str = role["Role"]["Arn"]
    _stack("Mlstack-Platform", {outputs.TRAINING_ROLE_ARN: arn})
    return arn


def test_the_job_mlstack_train_builds_is_accepted_and_read_back(session: Any) -> None:
    _platform_with_role("sagemaker.amazonaws.com")
    settings = ops_settings.load({"training.instance_count": "2", "training.max_job_usd": "6"})
    result = training_check.check(session, None, settings, REGION)
    assert result.status == Status.PASS, result.detail
    assert result.name == "Platform: training job (mlstack train)"
    assert ": 2 x ml.g5.xlarge, role TrainingRole, huggingface-pytorch-training:" in result.detail
    (job,) = boto3.client("sagemaker", region_name=REGION).list_training_jobs()["TrainingJobSummaries"]
    assert result.detail.startswith(f"{job['TrainingJobName']} Completed")


def test_a_training_role_sagemaker_cannot_assume_fails(session: Any) -> None:
    _platform_with_role("lambda.amazonaws.com")
    result = training_check.check(session, None, ops_settings.load({}), REGION)
    assert result.status == Status.FAIL
    assert result.detail == "role TrainingRole does not trust sagemaker.amazonaws.com"


def test_without_the_training_role_output_it_fails_saying_what_to_redeploy(session: Any) -> None:
    _stack("Mlstack-Platform", {})
    result = training_check.check(session, None, ops_settings.load({}), REGION)
    assert result.status == Status.FAIL
    assert f"stack Mlstack-Platform has no output {outputs.TRAINING_ROLE_ARN}: redeploy it" in result.detail
