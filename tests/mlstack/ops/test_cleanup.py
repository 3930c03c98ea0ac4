"""mlstack cleanup: only tagged, stack-less leftovers of this prefix are listed and removed (moto)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from mlstack.ops import cleanup
from mlstack.ops import settings as ops_settings
from mlstack.ops.aws import clients_for
from tests.mlstack.conftest import Cli

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
MINE = [{"Key": "mlstack:prefix", "Value": "mlstack"}]
OTHER_PREFIX = [{"Key": "mlstack:prefix", "Value": "ana"}]
STACK_OWNED = [*MINE, {"Key": "aws:cloudformation:stack-name", "Value": "Mlstack-Platform"}]


@pytest.fixture
def aws(moto_account: str) -> None:
    """moto's account (tests/mlstack/conftest.py), under the name these tests use."""


def _endpoint(name: str, tags: list[dict[str, str]]) -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    sagemaker.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"},
        Tags=tags,
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {"VariantName": "a", "ModelName": f"{name}-model", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
        Tags=tags,
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config", Tags=tags)


def _eni(tags: list[dict[str, str]]) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    spec = [{"ResourceType": "network-interface", "Tags": tags}] if tags else []
    return ec2.create_network_interface(SubnetId=subnet, TagSpecifications=spec)["NetworkInterface"][
        "NetworkInterfaceId"
    ]


def _world() -> dict[str, str]:
    """Tagged leftovers, untagged look-alikes, another prefix's, and stack-owned resources."""
    _endpoint("mlstack-demo", MINE)
    _endpoint("mlstack-untagged", [])
    _endpoint("ana-demo", OTHER_PREFIX)
    _endpoint("mlstack-stack", STACK_OWNED)
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="/aws/lambda/Mlstack-ApiServices-Fulfillment1234")  # function deleted
    logs.create_log_group(logGroupName="/aws/sagemaker/Endpoints/mlstack-demo")  # endpoint being deleted
    logs.create_log_group(logGroupName="/aws/sagemaker/Endpoints/mlstack-stack")  # endpoint still in a stack
    logs.create_log_group(
        logGroupName="/aws/lambda/Mlstack-ApiServices-Managed", tags={"aws:cloudformation:stack-name": "X"}
    )
    return {"mine": _eni(MINE), "untagged": _eni([]), "stack": _eni(STACK_OWNED)}


def test_lists_only_this_prefixs_tagged_resources_outside_stacks(aws: None) -> None:
    enis = _world()
    found = cleanup.find_leftovers(clients_for(REGION), ops_settings.load({}))
    assert [(f.kind, f.name, f.action) for f in found] == [
        ("endpoint", "mlstack-demo", "delete"),
        ("endpoint-config", "mlstack-demo-config", "delete"),
        ("model", "mlstack-demo-model", "delete"),
        ("network-interface", enis["mine"], "delete"),
        ("log-group", "/aws/lambda/Mlstack-ApiServices-Fulfillment1234", "delete"),
        ("log-group", "/aws/sagemaker/Endpoints/mlstack-demo", "delete"),
    ]


def test_dry_run_changes_nothing_and_yes_deletes_only_the_listed(aws: None, cli: Cli) -> None:
    enis = _world()
    dry_run = cli("cleanup")
    assert dry_run.code == 0
    assert "Dry run" in dry_run.out
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    assert len(sagemaker.list_endpoints()["Endpoints"]) == 4

    assert cli("cleanup", "--yes").code == 0
    assert sorted(e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]) == [
        "ana-demo",
        "mlstack-stack",
        "mlstack-untagged",
    ]
    assert sorted(m["ModelName"] for m in sagemaker.list_models()["Models"]) == [
        "ana-demo-model",
        "mlstack-stack-model",
        "mlstack-untagged-model",
    ]
    remaining = {
        e["NetworkInterfaceId"]
        for e in boto3.client("ec2", region_name=REGION).describe_network_interfaces()["NetworkInterfaces"]
    }
    assert enis["mine"] not in remaining and {enis["untagged"], enis["stack"]} <= remaining
    groups = {g["logGroupName"] for g in boto3.client("logs", region_name=REGION).describe_log_groups()["logGroups"]}
    assert groups == {"/aws/sagemaker/Endpoints/mlstack-stack", "/aws/lambda/Mlstack-ApiServices-Managed"}
    assert cleanup.find_leftovers(clients_for(REGION), ops_settings.load({})) == []


def test_another_prefix_sees_only_its_own(aws: None) -> None:
    _world()
    found = cleanup.find_leftovers(clients_for(REGION), ops_settings.load({"prefix": "ana"}))
    assert [(f.kind, f.name) for f in found] == [
        ("endpoint", "ana-demo"),
        ("endpoint-config", "ana-demo-config"),
        ("model", "ana-demo-model"),
    ]


def test_in_progress_training_jobs_are_stopped_not_deleted() -> None:
    # moto has no StopTrainingJob: the SageMaker calls are stubbed.
    sagemaker = boto3.client("sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/mlstack-finetune"
    with Stubber(sagemaker) as stub:
        for operation, key in [("list_endpoints", "Endpoints"), ("list_endpoint_configs", "EndpointConfigs")]:
            stub.add_response(operation, {key: []})
        stub.add_response("list_models", {"Models": []})
        stub.add_response(
            "list_training_jobs",
            {
                "TrainingJobSummaries": [
                    {
                        "TrainingJobName": "mlstack-finetune",
                        "TrainingJobArn": arn,
                        "CreationTime": "2026-11-26T00:00:00Z",
                        "TrainingJobStatus": "InProgress",
                    },
                    {  # done: nothing to stop, and its tags are not even asked for
                        "TrainingJobName": "mlstack-earlier",
                        "TrainingJobArn": arn.replace("finetune", "earlier"),
                        "CreationTime": "2026-11-25T00:00:00Z",
                        "TrainingJobStatus": "Completed",
                    },
                ]
            },
        )
        stub.add_response("list_tags", {"Tags": MINE}, {"ResourceArn": arn})
        stub.add_response("stop_training_job", {}, {"TrainingJobName": "mlstack-finetune"})
        found = cleanup._sagemaker_leftovers(lambda name: sagemaker, "mlstack")
        assert [(f.kind, f.name, f.action) for f in found] == [("training-job", "mlstack-finetune", "stop")]
        cleanup.remove(lambda name: sagemaker, found[0])
        stub.assert_no_pending_responses()


def test_a_failed_deletion_is_reported_and_exits_non_zero(aws: None, monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    _endpoint("mlstack-demo", MINE)
    real_remove = cleanup.remove

    def refuse_models(client: cleanup.ClientFactory, item: cleanup.Leftover) -> None:
        if item.kind == "model":
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DeleteModel")
        real_remove(client, item)

    monkeypatch.setattr(cleanup, "remove", refuse_models)
    captured = cli("cleanup", "--yes")
    assert captured.code == 1
    assert "could not delete model mlstack-demo-model" in captured.err
    assert "2 of 3 done" in captured.out
