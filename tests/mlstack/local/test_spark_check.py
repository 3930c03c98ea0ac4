"""The round trip's check of `mlstack spark`'s job run, against moto: passes on the stack's role and code."""

from __future__ import annotations

import json

import boto3
import pytest

from mlstack.local import spark_check
from mlstack.ops import settings as ops_settings
from mlstack.ops import smoke
from mlstack.ops.checks import Status
from stacks import outputs

REGION = "us-east-1"
BUCKET = "mlstack-data-bucket"


def _data_stack(trusted: str, upload_code: bool = True) -> None:
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": trusted}, "Action": "sts:AssumeRole"}]}
    role = boto3.client("iam").create_role(RoleName="SparkJobRole", AssumeRolePolicyDocument=json.dumps(trust))
    application = boto3.client("emr-serverless").create_application(
        name="mlstack-spark", releaseLabel="emr-7.12.0", type="SPARK"
    )
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    if upload_code:
        s3.put_object(Bucket=BUCKET, Key="spark/code/ghcn_series.py", Body=b"# the job")
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            outputs.DATA_BUCKET: {"Value": BUCKET},
            outputs.SPARK_APPLICATION_ID: {"Value": application["applicationId"]},
            outputs.SPARK_JOB_ROLE_ARN: {"Value": role["Role"]["Arn"]},
        },
    }
    boto3.client("cloudformation").create_stack(StackName="Mlstack-Data", TemplateBody=json.dumps(template))


def test_the_run_mlstack_spark_builds_is_accepted_and_read_back(moto_account: str) -> None:
    _data_stack("emr-serverless.amazonaws.com")
    settings = ops_settings.load({"spark.element": "PRCP"})
    result = spark_check.check(boto3.Session(region_name=REGION), None, settings)
    assert result.status == Status.PASS, result.detail
    assert result.name == "Data: Spark job run (mlstack spark)"
    assert "mlstack-ghcn-prcp-" in result.detail and "role SparkJobRole, spark/code/ghcn_series.py" in result.detail


@pytest.mark.parametrize(
    ("trusted", "upload", "why"),
    [("sagemaker.amazonaws.com", True, "does not trust emr-serverless"), ("emr-serverless.amazonaws.com", False, "")],
)
def test_a_role_emr_serverless_cannot_assume_or_missing_code_fails(
    moto_account: str, trusted: str, upload: bool, why: str
) -> None:
    _data_stack(trusted, upload_code=upload)
    result = spark_check.check(boto3.Session(region_name=REGION), None, ops_settings.load({}))
    assert result.status == Status.FAIL
    assert why in result.detail


@pytest.mark.parametrize(
    ("extra", "status", "seen"),
    [
        ({}, Status.PASS, "nothing pre-initialized, auto-stop after 15 min, at most 16 vCPU, 64 GB, 200 GB"),
        (
            {
                "initialCapacity": {
                    "Driver": {"workerCount": 1, "workerConfiguration": {"cpu": "2 vCPU", "memory": "4 GB"}}
                }
            },
            Status.FAIL,
            "pre-initialized capacity bills",
        ),
        ({"autoStopConfiguration": {"enabled": False}}, Status.FAIL, "auto-stop is off"),
    ],
)
def test_the_smoke_check_of_the_application_finds_idle_cost(
    moto_account: str, extra: dict[str, object], status: Status, seen: str
) -> None:

    settings: dict[str, object] = {
        "autoStopConfiguration": {"enabled": True, "idleTimeoutMinutes": 15},
        "maximumCapacity": {"cpu": "16 vCPU", "memory": "64 GB", "disk": "200 GB"},
        **extra,
    }
    application = boto3.client("emr-serverless").create_application(
        name="mlstack-spark", releaseLabel="emr-7.12.0", type="SPARK", **settings
    )
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {outputs.SPARK_APPLICATION_ID: {"Value": application["applicationId"]}},
    }
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName="Mlstack-Data", TemplateBody=json.dumps(template))
    checker = smoke.Checker(boto3.Session(region_name=REGION), endpoint_url=None, emulator=True)
    checker.spark_application(smoke.DeployedStack(cloudformation, "Mlstack-Data"))
    [result] = checker.results
    assert result.name == "Data: Spark application"
    assert result.status == status and seen in result.detail, result.detail
