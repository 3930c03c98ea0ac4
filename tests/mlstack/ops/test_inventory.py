"""The resource inventory `mlstack local` and `mlstack cleanup` share, against moto."""

from __future__ import annotations

from typing import Any

import pytest

from mlstack.ops import inventory
from mlstack.ops.aws import ClientFactory, clients_for

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
TAGS = [{"Key": "mlstack:prefix", "Value": "mlstack"}]


@pytest.fixture
def client(moto_account: str) -> ClientFactory:
    return clients_for(moto_account)


def test_a_snapshot_sees_what_is_new_and_not_what_every_account_has(client: ClientFactory) -> None:
    before = inventory.snapshot(client)
    assert not any(key.startswith(("vpc:", "subnet:", "security-group:")) for key in before)  # the default VPC's
    client("s3").create_bucket(Bucket="left-behind")
    client("logs").create_log_group(logGroupName="/aws/lambda/left-behind")
    client("ssm").put_parameter(Name="/mlstack/left", Value="x", Type="String")
    kms = client("kms")
    kept_key = kms.create_key()["KeyMetadata"]["KeyId"]
    doomed_key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed_key, PendingWindowInDays=7)
    ec2 = client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    running, ended = (i["InstanceId"] for i in ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2)["Instances"])
    ec2.terminate_instances(InstanceIds=[ended])
    client("sagemaker").create_training_job(**_training_job("job-1"))
    after = inventory.snapshot(client)
    assert after - before == {
        "bucket:left-behind",
        "log-group:/aws/lambda/left-behind",
        "parameter:/mlstack/left",
        f"kms-key:{kept_key}",
        f"instance:{running}",
    }  # a training job is SageMaker's record, never deleted: not a stack's leftover


def test_every_page_is_listed(client: ClientFactory) -> None:
    for n in range(60):  # DescribeLogGroups returns 50 a page
        client("logs").create_log_group(logGroupName=f"/aws/lambda/fn-{n:02d}")
    names = [group.id for group in inventory.resources(client, "log-group")]
    assert names == [f"/aws/lambda/fn-{n:02d}" for n in range(60)]


def test_kinds_the_endpoint_cannot_list_are_reported_not_raised(client: ClientFactory) -> None:
    # S3 refused (as an emulator without it would): a kind moto does list, so the report is the refusal's.
    def without_s3(service: str) -> Any:
        if service == "s3":
            raise RuntimeError("no such service here")
        return client(service)

    moto_lacks: set[str] = set()  # e.g. Athena's ListWorkGroups and lifecycle configs: moto has neither
    inventory.snapshot(client, unlistable=moto_lacks)
    assert "bucket" not in moto_lacks
    unlistable: set[str] = set()
    client("logs").create_log_group(logGroupName="/aws/lambda/listed")
    found = inventory.snapshot(without_s3, unlistable=unlistable)
    assert unlistable - moto_lacks == {"bucket"}
    assert "log-group:/aws/lambda/listed" in found


def test_listings_carry_state_arn_and_tags(client: ClientFactory) -> None:
    sagemaker = client("sagemaker")
    sagemaker.create_model(
        ModelName="m",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "1.dkr.ecr.us-east-1.amazonaws.com/x:1"},
        Tags=TAGS,
    )
    sagemaker.create_training_job(**_training_job("job-2"))
    client("logs").create_log_group(logGroupName="/aws/sagemaker/Endpoints/e", tags={"team": "ml"})
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(
        SubnetId=subnet, TagSpecifications=[{"ResourceType": "network-interface", "Tags": TAGS}]
    )["NetworkInterface"]["NetworkInterfaceId"]

    (model,) = inventory.resources(client, "model")
    assert model.arn.endswith(":model/m") and inventory.tags_of(client, model) == {"mlstack:prefix": "mlstack"}
    (job,) = inventory.resources(client, "training-job")
    assert (job.key, job.state) == ("training-job:job-2", "Completed")
    (group,) = inventory.resources(client, "log-group")
    assert inventory.tags_of(client, group) == {"team": "ml"}
    (interface,) = inventory.resources(client, "network-interface")
    assert (interface.id, interface.state, interface.tags) == (eni, "available", {"mlstack:prefix": "mlstack"})
    (stack_vpc,) = inventory.resources(client, "vpc")
    with pytest.raises(ValueError, match=f"vpc:{vpc}"):
        inventory.tags_of(client, inventory.Resource("vpc", vpc))
    assert stack_vpc.tags == {}


def _training_job(name: str) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {
            "TrainingImage": "1.dkr.ecr.us-east-1.amazonaws.com/t:1",
            "TrainingInputMode": "File",
        },
        "OutputDataConfig": {"S3OutputPath": "s3://b/models/"},
        "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": TAGS,
    }
