"""ops.deployment: one deployment per command: its region, stack names (stacks.naming), outputs by key, and the
typed errors for a stack not deployed and an output missing, each one line and exit 3 (moto)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import NoCredentialsError

from mlstack.ops import ui
from mlstack.ops.deployment import Deployment, OutputMissing, StackNotDeployed
from stacks import outputs
from tests.mlstack.conftest import MOTO_REGION


def _stack(name: str, values: dict[str, str]) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in values.items()},
    }
    boto3.client("cloudformation", region_name=MOTO_REGION).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )


def test_names_come_from_the_prefix_and_the_region_from_the_settings(moto_account: str) -> None:
    deployment = Deployment.load(["region=eu-west-1"], "team-a")
    assert deployment.region == "eu-west-1"
    assert deployment.stack_name("api_services") == "Team-A-ApiServices"
    assert deployment.client("s3") is deployment.client("s3")  # one cached client per service


def test_outputs_are_read_by_key_of_the_prefixs_stack(moto_account: str) -> None:
    _stack("Ana-Data", {outputs.DATA_BUCKET: "ana-bucket"})
    _stack("Mlstack-Data", {outputs.DATA_BUCKET: "default-bucket"})
    assert Deployment.load(prefix="ana").output("data", outputs.DATA_BUCKET) == "ana-bucket"
    assert Deployment.load().outputs("data") == {outputs.DATA_BUCKET: "default-bucket"}
    assert Deployment.load(prefix="ana").deployed("data")
    assert not Deployment.load(prefix="ana").deployed("platform")


def test_a_stack_not_deployed_and_an_output_missing_are_one_line_and_exit_3(moto_account: str) -> None:
    _stack("Ana-Data", {})
    deployment = Deployment.load(prefix="ana")
    with pytest.raises(StackNotDeployed) as not_deployed:
        deployment.outputs("platform")
    with pytest.raises(OutputMissing) as missing:
        deployment.output("data", outputs.DATA_BUCKET)
    assert str(not_deployed.value) == (
        f"stack Ana-Platform is not deployed in {MOTO_REGION}: deploy its layer first "
        "(mlstack cdk deploy --all --prefix ana)"
    )
    assert str(missing.value).startswith(f"stack Ana-Data has no output {outputs.DATA_BUCKET}: redeploy it")
    for error in (not_deployed.value, missing.value):
        assert ui.report_error(error) == ui.EXIT_AWS_ERROR


def test_real_aws_without_credentials_is_refused_before_any_call(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(NoCredentialsError):
        Deployment.load(["region=us-east-1"]).require_credentials()
    Deployment.load(["region=us-east-1"], endpoint_url="http://127.0.0.1:1").require_credentials()  # an emulator
