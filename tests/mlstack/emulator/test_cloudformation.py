"""CloudFormation fixes: readable failures with rollback, outputs, skipped types, GetStackOutput, change sets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlstack.emulator import resources
from tests.mlstack.emulator.templates import (
    SERVICE_TOKEN,
    delete,
    deploy,
    outputs_of,
    template,
)


def test_unknown_custom_resource_fails_readably_and_rolls_back(aws: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError, match=r"Custom::Mystery: the emulator has no handler"):
        deploy(
            aws,
            template(
                {
                    "Kept": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "rolled-back"}},
                    "Mystery": {
                        "Type": "Custom::Mystery",
                        "DependsOn": "Kept",
                        "Properties": {"ServiceToken": SERVICE_TOKEN},
                    },
                }
            ),
            "fails-on-create",
        )
    status = aws("cloudformation").describe_stacks(StackName="fails-on-create")["Stacks"][0]["StackStatus"]
    assert status == "ROLLBACK_COMPLETE"
    assert "rolled-back" not in " ".join(aws("sqs").list_queues().get("QueueUrls", []))


def test_outputs_are_set_after_a_change_set_deploy(aws: Callable[[str], Any]) -> None:
    stack = deploy(aws, template({"Q": {"Type": "AWS::SQS::Queue"}}, {"Name": {"Fn::GetAtt": ["Q", "QueueName"]}}))
    assert outputs_of(stack)["Name"]
    delete(aws, stack)


@pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
def test_skipped_types_are_recorded(aws: Callable[[str], Any]) -> None:
    stack = deploy(aws, template({"Thing": {"Type": "AWS::Pipes::Pipe", "Properties": {}}}))
    assert "AWS::Pipes::Pipe" in resources.SKIPPED_TYPES
    delete(aws, stack)


def test_get_stack_output_reads_the_producing_stack(aws: Callable[[str], Any]) -> None:
    producer = deploy(
        aws, template({"Q": {"Type": "AWS::SQS::Queue"}}, {"QueueName": {"Fn::GetAtt": ["Q", "QueueName"]}})
    )
    reference = {
        "Fn::GetStackOutput": {"StackName": producer["StackName"], "Region": "us-east-1", "OutputName": "QueueName"}
    }
    consumer = deploy(
        aws,
        template(
            {
                "Param": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {"Name": "/t/q", "Type": "String", "Value": reference},
                }
            },
            {"Seen": {"Fn::Join": ["", ["queue=", reference]]}},
        ),
    )
    assert outputs_of(consumer)["Seen"] == f"queue={outputs_of(producer)['QueueName']}"
    with pytest.raises(ClientError, match="has no output Missing"):
        deploy(
            aws,
            template(
                {"Q": {"Type": "AWS::SQS::Queue"}},
                {"Seen": {"Fn::GetStackOutput": {"StackName": producer["StackName"], "OutputName": "Missing"}}},
            ),
        )


def _deploy_with_change_set(aws: Callable[[str], Any], name: str, body: dict[str, Any], kind: str) -> dict[str, Any]:
    cloudformation = aws("cloudformation")
    parameters = [{"ParameterKey": "Ami", "UsePreviousValue": True}] if kind == "UPDATE" else []
    # By URL, as the CLI does (moto refuses an unchanged TemplateBody outright, before any change set).
    s3 = aws("s3")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key=f"{name}.json", Body=json.dumps(body).encode())
    cloudformation.create_change_set(
        StackName=name,
        ChangeSetName="cdk-deploy-change-set",
        ChangeSetType=kind,
        TemplateURL=f"https://templates.s3.amazonaws.com/{name}.json",
        Parameters=parameters,
    )
    return cloudformation.describe_change_set(StackName=name, ChangeSetName="cdk-deploy-change-set")


def test_unchanged_redeploy_of_stacks_with_ssm_parameters_has_no_changes(aws: Callable[[str], Any]) -> None:
    path = "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id"
    body = template(
        {
            "Box": {
                "Type": "AWS::EC2::Instance",
                "Properties": {"ImageId": {"Ref": "Ami"}, "InstanceType": "g4dn.xlarge"},
            }
        },
        Parameters={"Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": path}},
    )
    cloudformation = aws("cloudformation")
    for name in ("first-of-two", "second-of-two"):  # the CLI gives every stack's change set the same name
        _deploy_with_change_set(aws, name, body, "CREATE")
        cloudformation.execute_change_set(StackName=name, ChangeSetName="cdk-deploy-change-set")
    # As the CLI does before an update: delete the stack's old change set, then wait for ChangeSetNotFound.
    cloudformation.delete_change_set(StackName="first-of-two", ChangeSetName="cdk-deploy-change-set")
    with pytest.raises(ClientError, match="ChangeSetNotFound"):
        cloudformation.describe_change_set(StackName="first-of-two", ChangeSetName="cdk-deploy-change-set")
    assert cloudformation.describe_change_set(StackName="second-of-two", ChangeSetName="cdk-deploy-change-set")
    update = _deploy_with_change_set(aws, "first-of-two", body, "UPDATE")
    assert update["Status"] == "FAILED"
    assert "didn't contain changes" in update["StatusReason"]
