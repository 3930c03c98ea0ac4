"""mlstack status: stacks, what runs and its $/hour, start/stop/open (moto; Lex and presigned URL stubbed)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mlstack.ops import settings as ops_settings
from mlstack.ops import status
from mlstack.ops.aws import clients_for
from mlstack.ops.pricing import PriceTable
from tests.mlstack.conftest import Cli

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/notebook"
AMI = "ami-12345678"  # moto does not check that an image exists
PREFIX_TAGS = [{"Key": "mlstack:prefix", "Value": "mlstack"}]


@pytest.fixture
def aws(moto_account: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's account (tests/mlstack/conftest.py), polling without waits."""
    monkeypatch.setattr(status, "POLL_SECONDS", 0)


def _deploy(
    name: str, resources: dict[str, Any], outputs: dict[str, Any] | None = None, prefix: str = "mlstack"
) -> None:
    template = {"Resources": resources, "Outputs": outputs or {}}
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=name, TemplateBody=json.dumps(template), Tags=[{"Key": "mlstack:prefix", "Value": prefix}]
    )


def _notebook() -> str:
    """The notebook's name as CloudFormation (moto) generated it from the stack and logical id."""
    notebooks = boto3.client("sagemaker", region_name=REGION).list_notebook_instances()["NotebookInstances"]
    return notebooks[0]["NotebookInstanceName"]


def _deploy_app() -> None:
    _deploy("Mlstack-Data", {"Bucket": {"Type": "AWS::S3::Bucket"}})
    _deploy(
        "Mlstack-Platform",
        {
            "Notebook": {
                "Type": "AWS::SageMaker::NotebookInstance",
                "Properties": {"InstanceType": "ml.t3.medium", "RoleArn": ROLE},
            }
        },
    )
    _deploy(
        "Mlstack-Frameworks",
        {"Gpu": {"Type": "AWS::EC2::Instance", "Properties": {"ImageId": AMI, "InstanceType": "g4dn.xlarge"}}},
    )


def test_status_finds_stack_resources_and_prices_what_runs(aws: None) -> None:
    _deploy_app()
    _deploy("Other-Data", {"Bucket": {"Type": "AWS::S3::Bucket"}}, prefix="other")  # another deployment
    deployment = status.PrefixResources.find(clients_for(REGION), ops_settings.load({}))
    assert [s["StackName"] for s in deployment.stacks] == ["Mlstack-Data", "Mlstack-Platform", "Mlstack-Frameworks"]

    instance = deployment.instances()[0]
    later = instance["LaunchTime"] + datetime.timedelta(hours=2, minutes=5)
    rows = status.running_now(deployment, PriceTable.load(), later)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("notebook", _notebook(), "InService"),
        ("GPU instance", instance["InstanceId"], "running"),
    ]
    assert rows[1][3] == "g4dn.xlarge, up 2 h 05 min"
    assert sum(r[4] for r in rows) == pytest.approx(0.05 + 0.526)


def test_stopped_resources_burn_nothing_and_status_prints_the_rate(aws: None, cli: Cli) -> None:
    _deploy_app()
    assert cli("notebook", "stop").code == 0
    assert cli("gpu", "stop").code == 0
    result = cli("status")
    assert result.code == 0
    out = result.out
    assert "Stopped" in out and "stopped" in out
    assert "Burn rate now: $0/hour" in out


def test_start_and_stop_wait_for_the_target_state(aws: None, cli: Cli) -> None:
    _deploy_app()
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    assert cli("notebook", "stop").code == 0
    assert sagemaker.describe_notebook_instance(NotebookInstanceName=_notebook())["NotebookInstanceStatus"] == "Stopped"
    assert cli("notebook", "start").code == 0
    assert (
        sagemaker.describe_notebook_instance(NotebookInstanceName=_notebook())["NotebookInstanceStatus"] == "InService"
    )
    assert cli("gpu", "stop").code == 0
    started = cli("gpu", "start")
    assert started.code == 0
    assert "running" in started.out


def test_without_stacks_the_prefix_tag_finds_the_notebook_and_instance(aws: None) -> None:
    boto3.client("sagemaker", region_name=REGION).create_notebook_instance(
        NotebookInstanceName="mlstack-by-hand", InstanceType="ml.t3.medium", RoleArn=ROLE, Tags=PREFIX_TAGS
    )
    boto3.client("sagemaker", region_name=REGION).create_notebook_instance(
        NotebookInstanceName="someone-else", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.run_instances(
        ImageId=AMI,
        InstanceType="g4dn.xlarge",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": PREFIX_TAGS}],
    )
    ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1)
    deployment = status.PrefixResources.find(clients_for(REGION), ops_settings.load({}))
    assert deployment.stacks == []
    assert deployment.notebooks() == ["mlstack-by-hand"]
    assert [i["InstanceType"] for i in deployment.instances()] == ["g4dn.xlarge"]


def test_commands_fail_clearly_when_nothing_is_deployed(aws: None, cli: Cli) -> None:
    notebook, gpu = cli("notebook", "open"), cli("gpu", "start")
    assert notebook.code == 1 and gpu.code == 1
    err = notebook.err + gpu.err
    assert "no notebook instance for prefix mlstack" in err and "no GPU instance for prefix mlstack" in err


def test_notebook_open_prints_a_presigned_url_and_refuses_a_stopped_notebook(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    _deploy_app()
    real = clients_for(REGION)
    sagemaker = real("sagemaker")
    name = _notebook()
    url = f"https://{name}.notebook.us-east-1.sagemaker.aws?authToken=abc"
    arn = sagemaker.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"]
    with Stubber(sagemaker) as stub:
        # moto has no CreatePresignedNotebookInstanceUrl, so SageMaker is stubbed for this block.
        stub.add_response(
            "list_notebook_instances",
            {"NotebookInstances": [{"NotebookInstanceName": name, "NotebookInstanceArn": arn}]},
        )
        stub.add_response(
            "describe_notebook_instance",
            {"NotebookInstanceName": name, "NotebookInstanceStatus": "InService"},
            {"NotebookInstanceName": name},
        )
        stub.add_response(
            "create_presigned_notebook_instance_url",
            {"AuthorizedUrl": url},
            {"NotebookInstanceName": name, "SessionExpirationDurationInSeconds": 1800},
        )
        settings = ops_settings.load({})
        assert status.notebook_command(real, settings, "open", wait=True) == 0
    assert url in capsys.readouterr().out
    sagemaker.stop_notebook_instance(NotebookInstanceName=name)
    assert status.notebook_command(real, ops_settings.load({}), "open", wait=True) == 1
    assert "run `mlstack notebook start` first" in capsys.readouterr().err


def test_bot_alias_and_endpoints_from_outputs(aws: None) -> None:
    _deploy(
        "Mlstack-ApiServices",
        {"Bucket": {"Type": "AWS::S3::Bucket"}},
        {"BotId": {"Value": "BOTID12345"}, "BotAliasId": {"Value": "ALIASID123"}},
    )
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    sagemaker.create_model(
        ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "1.dkr.ecr.us-east-1.amazonaws.com/x:1"}
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="c",
        ProductionVariants=[
            {"VariantName": "a", "ModelName": "m", "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}
        ],
    )
    sagemaker.create_endpoint(EndpointName="mlstack-endpoint", EndpointConfigName="c", Tags=PREFIX_TAGS)
    real = clients_for(REGION)
    lex = boto3.client("lexv2-models", region_name=REGION)
    with Stubber(lex) as stub:
        stub.add_response(
            "describe_bot_alias",
            {"botAliasId": "ALIASID123", "botAliasName": "live", "botVersion": "1", "botAliasStatus": "Available"},
            {"botId": "BOTID12345", "botAliasId": "ALIASID123"},
        )
        client = lambda name: lex if name == "lexv2-models" else real(name)  # noqa: E731
        rows = status.running_now(
            status.PrefixResources.find(client, ops_settings.load({})),
            PriceTable.load(),
            datetime.datetime.now(datetime.UTC),
        )
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("endpoint", "mlstack-endpoint", "InService", 0.0),
        ("bot alias", "live", "Available", 0.0),
    ]
    assert "serverless 2048 MB" in rows[0][3]


def test_an_aws_refusal_is_one_line_and_exit_code_3(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    cloudformation = boto3.client(
        "cloudformation", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(cloudformation)
    stubber.add_client_error("describe_stacks", "AccessDenied", "not authorized to perform: DescribeStacks")
    stubber.activate()
    monkeypatch.setattr(status, "clients_for", lambda region: lambda name: cloudformation)
    result = cli("status")
    assert result.code == 3
    err = result.err
    assert err.strip() == (
        "mlstack: AWS refused DescribeStacks: AccessDenied: not authorized to perform: DescribeStacks;"
        " the role or user needs that permission"
    )
