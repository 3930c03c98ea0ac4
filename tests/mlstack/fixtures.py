"""Small hand-written templates with the resource types the four layers create, for the operator scripts' tests."""

from __future__ import annotations

import functools
from typing import Any

from mlstack.ops.templates import StackTemplate


def resource(type_: str, path: str, stack: str, **properties: Any) -> dict[str, Any]:
    return {"Type": type_, "Properties": properties, "Metadata": {"aws:cdk:path": f"{stack}/{path}/Resource"}}


def data_template(stack: str = "Fixture-Data", budgets: int = 0) -> dict[str, Any]:
    resources = {
        "DataBucketA1": resource("AWS::S3::Bucket", "DataLake/Data/Bucket", stack),
        "LogsBucketB2": resource("AWS::S3::Bucket", "DataLake/AccessLogs/Bucket", stack),
        "DataPolicy": resource("AWS::S3::BucketPolicy", "DataLake/Data/Bucket/Policy", stack),
        "ReadPolicyC3": resource("AWS::IAM::ManagedPolicy", "PublicDatasets/ReadPolicy", stack),
        "WorkGroupD4": resource("AWS::Athena::WorkGroup", "PublicDatasets/WorkGroup", stack, Name="x-analytics"),
    }
    for n in range(budgets):
        resources[f"Budget{n}"] = resource("AWS::Budgets::Budget", f"Budget{n}", stack)
    return {
        "Resources": resources,
        "Outputs": {
            "DataBucketName": {"Value": {"Ref": "DataBucketA1"}, "Export": {"Name": f"{stack}:ExportsDataBucket"}},
            "DataBucketArn": {
                "Value": {"Fn::GetAtt": ["DataBucketA1", "Arn"]},
                "Export": {"Name": f"{stack}:ExportsDataBucketArn"},
            },
        },
    }


def platform_template(stack: str = "Fixture-Platform", data_stack: str = "Fixture-Data") -> dict[str, Any]:
    return {
        "Resources": {
            "KeyA1": resource("AWS::KMS::Key", "Notebook/Key", stack),
            "RoleB2": resource("AWS::IAM::Role", "Notebook/Role", stack),
            "RolePolicyC3": resource(
                "AWS::IAM::Policy",
                "Notebook/Role/DefaultPolicy",
                stack,
                Roles=[{"Ref": "RoleB2"}],
                PolicyDocument={
                    "Statement": [
                        {
                            "Action": ["s3:GetObject*", "s3:PutObject"],
                            "Effect": "Allow",
                            "Resource": [{"Fn::ImportValue": f"{data_stack}:ExportsDataBucketArn"}],
                        },
                        {
                            "Action": "sagemaker:InvokeEndpoint",
                            "Effect": "Allow",
                            "Resource": {"Ref": "EndpointF6"},
                        },
                    ]
                },
            ),
            "NotebookD4": resource(
                "AWS::SageMaker::NotebookInstance",
                "Notebook/Instance",
                stack,
                InstanceType="ml.t3.medium",
                VolumeSizeInGB=5,
                KmsKeyId={"Ref": "KeyA1"},
                RoleArn={"Fn::GetAtt": ["RoleB2", "Arn"]},
            ),
            "ModelE5": resource("AWS::SageMaker::Model", "Inference/Model", stack),
            "ConfigE6": resource(
                "AWS::SageMaker::EndpointConfig",
                "Inference/Config",
                stack,
                ProductionVariants=[{"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}],
            ),
            "EndpointF6": resource(
                "AWS::SageMaker::Endpoint",
                "Inference/Endpoint",
                stack,
                EndpointConfigName={"Fn::GetAtt": ["ConfigE6", "EndpointConfigName"]},
            ),
            "AlarmG7": resource("AWS::CloudWatch::Alarm", "Alarms/Errors", stack, MetricName="Errors", Period=300),
            "AlarmH8": resource(
                "AWS::CloudWatch::Alarm",
                "Alarms/ErrorRate",
                stack,
                Metrics=[
                    {"Id": "e", "Expression": "errors / invocations"},
                    {"Id": "errors", "MetricStat": {"Period": 300}},
                    {"Id": "invocations", "MetricStat": {"Period": 300}},
                ],
            ),
        },
        "Outputs": {"EndpointName": {"Value": {"Fn::GetAtt": ["EndpointF6", "EndpointName"]}}},
    }


def frameworks_template(stack: str = "Fixture-Frameworks") -> dict[str, Any]:
    return {
        "Resources": {
            "VpcA1": resource("AWS::EC2::VPC", "Network/Vpc", stack),
            "SubnetA2": resource("AWS::EC2::Subnet", "Network/Vpc/PublicSubnet1", stack, MapPublicIpOnLaunch=True),
            "SubnetA3": resource("AWS::EC2::Subnet", "Network/Vpc/PublicSubnet2", stack, MapPublicIpOnLaunch=True),
            "EipB1": resource("AWS::EC2::EIP", "Network/Vpc/PublicSubnet1/EIP", stack),
            "NatB2": resource("AWS::EC2::NatGateway", "Network/Vpc/PublicSubnet1/NATGateway", stack),
            "SsmEndpointC1": resource(
                "AWS::EC2::VPCEndpoint",
                "Network/Vpc/Ssm",
                stack,
                VpcEndpointType="Interface",
                SubnetIds=[{"Ref": "SubnetA2"}, {"Ref": "SubnetA3"}],
            ),
            "S3EndpointC2": resource("AWS::EC2::VPCEndpoint", "Network/Vpc/S3", stack, VpcEndpointType="Gateway"),
            "FlowLogsD1": resource("AWS::Logs::LogGroup", "Network/FlowLogs/LogGroup", stack),
            "FlowLogD2": resource("AWS::EC2::FlowLog", "Network/Vpc/FlowLog", stack),
            "RoleE0": resource("AWS::IAM::Role", "Workstation/Role", stack),
            "ProfileE0": resource("AWS::IAM::InstanceProfile", "Workstation/Profile", stack, Roles=[{"Ref": "RoleE0"}]),
            "DataAccessE0": resource(
                "AWS::IAM::Policy",
                "Workstation/DataAccess",
                stack,
                Roles=[{"Ref": "RoleE0"}],
                PolicyDocument={
                    "Statement": [
                        {
                            "Action": "s3:GetObject",
                            "Effect": "Allow",
                            # CDK's newer cross-stack reference, resolved through the producer's outputs.
                            "Resource": {
                                "Fn::GetStackOutput": {"StackName": "Fixture-Data", "OutputName": "DataBucketArn"}
                            },
                        }
                    ]
                },
            ),
            "TemplateE1": resource(
                "AWS::EC2::LaunchTemplate",
                "Workstation/LaunchTemplate",
                stack,
                LaunchTemplateData={
                    "MetadataOptions": {"HttpTokens": "required"},
                    "InstanceMarketOptions": {"MarketType": "spot"},
                    "IamInstanceProfile": {"Arn": {"Fn::GetAtt": ["ProfileE0", "Arn"]}},
                },
            ),
            "InstanceE2": resource(
                "AWS::EC2::Instance",
                "Workstation/Instance",
                stack,
                InstanceType="g4dn.xlarge",
                SubnetId={"Ref": "SubnetA2"},
                LaunchTemplate={"LaunchTemplateId": {"Ref": "TemplateE1"}, "Version": "1"},
                BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 125, "VolumeType": "gp3"}}],
            ),
        }
    }


def api_template(stack: str = "Fixture-ApiServices", platform_stack: str = "Fixture-Platform") -> dict[str, Any]:
    return {
        "Resources": {
            "KeyA1": resource("AWS::KMS::Key", "Logs/Key", stack),
            "TableB1": resource(
                "AWS::DynamoDB::Table",
                "Results/Table",
                stack,
                BillingMode="PAY_PER_REQUEST",
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            ),
            "FnRoleC1": resource("AWS::IAM::Role", "Fulfillment/Role", stack),
            "FnPolicyC2": resource(
                "AWS::IAM::Policy",
                "Fulfillment/Role/DefaultPolicy",
                stack,
                Roles=[{"Ref": "FnRoleC1"}],
                PolicyDocument={
                    "Statement": [
                        {
                            "Action": "dynamodb:PutItem",
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": ["TableB1", "Arn"]},
                        },
                        {
                            "Action": "sagemaker:InvokeEndpoint",
                            "Effect": "Allow",
                            "Resource": {"Fn::ImportValue": f"{platform_stack}:ExportsEndpointArn"},
                        },
                    ]
                },
            ),
            "FnC3": resource(
                "AWS::Lambda::Function",
                "Fulfillment/Function",
                stack,
                Architectures=["arm64"],
                Environment={"Variables": {"TABLE": {"Ref": "TableB1"}}},
                Role={"Fn::GetAtt": ["FnRoleC1", "Arn"]},
            ),
            "FnLogsC4": resource("AWS::Logs::LogGroup", "Fulfillment/LogGroup", stack),
            "BotD1": resource("AWS::Lex::Bot", "Bot/Bot", stack, Name="x-bot"),
            "BotVersionD2": resource("AWS::Lex::BotVersion", "Bot/Version", stack),
            "BotAliasD3": resource("AWS::Lex::BotAlias", "Bot/Alias", stack),
            "IndexE1": resource("AWS::Kendra::Index", "Search/Index", stack),
        }
    }


def fixture_stacks(region: str = "us-east-1", budgets: int = 0) -> list[StackTemplate]:
    """The four layers as hand-written templates, Platform exporting its endpoint to ApiServices."""
    platform = platform_template()
    platform["Outputs"]["EndpointArn"] = {
        "Value": {"Ref": "EndpointF6"},
        "Export": {"Name": "Fixture-Platform:ExportsEndpointArn"},
    }
    return [
        StackTemplate("Fixture-Data", region, data_template(budgets=budgets)),
        StackTemplate("Fixture-Platform", region, platform),
        StackTemplate("Fixture-Frameworks", region, frameworks_template()),
        StackTemplate("Fixture-ApiServices", region, api_template()),
    ]


@functools.cache
def synthesized_app() -> Any:
    """The real app with default settings, synthesized once per test run with construct paths as the CLI does."""
    from mlstack.ops.templates import CLI_CONTEXT
    from tests.conftest import synth_app

    return synth_app(**CLI_CONTEXT)


def real_stacks() -> list[StackTemplate]:
    """Every stack the app synthesizes now: Data alone before the layers merge, all four after."""
    from pathlib import Path

    from mlstack.ops.templates import read_assembly

    return read_assembly(Path(synthesized_app().directory))


def write_assembly(directory: Any, stacks: list[StackTemplate]) -> Any:
    """A minimal cloud assembly (manifest + templates) holding `stacks`, as `cdk synth` lays it out."""
    import json

    artifacts = {}
    for stack in stacks:
        (directory / f"{stack.name}.template.json").write_text(json.dumps(stack.template))
        artifacts[stack.name] = {
            "type": "aws:cloudformation:stack",
            "environment": f"aws://unknown-account/{stack.region}",
            "properties": {"templateFile": f"{stack.name}.template.json"},
        }
    (directory / "manifest.json").write_text(json.dumps({"version": "41.0.0", "artifacts": artifacts}))
    return directory
