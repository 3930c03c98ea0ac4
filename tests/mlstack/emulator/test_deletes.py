"""Delete fixes: what moto creates but never deleted goes with its stack; a non-empty bucket fails visibly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.mlstack.emulator.templates import (
    LAMBDA_ROLE,
    SERVICE_TOKEN,
    bucket_stack,
    delete,
    deploy,
    outputs_of,
    template,
)


def test_non_empty_bucket_fails_the_delete_and_the_stack_stays_visible(aws: Callable[[str], Any]) -> None:
    stack = deploy(aws, bucket_stack(with_auto_delete=False))
    bucket = outputs_of(stack)["Bucket"]
    s3 = aws("s3")
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    with pytest.raises(ClientError, match="BucketNotEmpty"):
        delete(aws, stack)
    status = aws("cloudformation").describe_stacks(StackName=stack["StackName"])["Stacks"][0]["StackStatus"]
    assert status == "DELETE_FAILED"
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_network_stack_deletes_completely(aws: Callable[[str], Any]) -> None:
    ec2 = aws("ec2")
    before_vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    before_tables = {t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]}
    stack = deploy(
        aws,
        template(
            {
                "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}},
                "Subnet": {
                    "Type": "AWS::EC2::Subnet",
                    "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.9.0.0/24"},
                },
                "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
                "Assoc": {
                    "Type": "AWS::EC2::SubnetRouteTableAssociation",
                    "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Table"}},
                },
                "Igw": {"Type": "AWS::EC2::InternetGateway"},
                "Attach": {
                    "Type": "AWS::EC2::VPCGatewayAttachment",
                    "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}},
                },
                "Default": {
                    "Type": "AWS::EC2::Route",
                    "DependsOn": "Attach",
                    "Properties": {
                        "RouteTableId": {"Ref": "Table"},
                        "DestinationCidrBlock": "0.0.0.0/0",
                        "GatewayId": {"Ref": "Igw"},
                    },
                },
                "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
                "FlowLog": {
                    "Type": "AWS::EC2::FlowLog",
                    "Properties": {
                        "ResourceId": {"Ref": "Vpc"},
                        "ResourceType": "VPC",
                        "TrafficType": "ALL",
                        "LogGroupName": {"Ref": "Logs"},
                        "DeliverLogsPermissionArn": "arn:aws:iam::123456789012:role/flow-logs",
                    },
                },
                "Group": {
                    "Type": "AWS::EC2::SecurityGroup",
                    "Properties": {"GroupDescription": "box", "VpcId": {"Ref": "Vpc"}},
                },
                "Peer": {
                    "Type": "AWS::EC2::SecurityGroup",
                    "Properties": {"GroupDescription": "endpoints", "VpcId": {"Ref": "Vpc"}},
                },
                "FromBox": {
                    "Type": "AWS::EC2::SecurityGroupIngress",
                    "Properties": {
                        "GroupId": {"Fn::GetAtt": ["Peer", "GroupId"]},
                        "SourceSecurityGroupId": {"Fn::GetAtt": ["Group", "GroupId"]},
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                    },
                },
                "SsmEndpoint": {
                    "Type": "AWS::EC2::VPCEndpoint",
                    "Properties": {
                        "VpcId": {"Ref": "Vpc"},
                        "ServiceName": "com.amazonaws.us-east-1.ssm",
                        "VpcEndpointType": "Interface",
                        "SubnetIds": [{"Ref": "Subnet"}],
                        "SecurityGroupIds": [{"Fn::GetAtt": ["Peer", "GroupId"]}],
                    },
                },
                "S3Endpoint": {
                    "Type": "AWS::EC2::VPCEndpoint",
                    "Properties": {
                        "VpcId": {"Ref": "Vpc"},
                        "ServiceName": "com.amazonaws.us-east-1.s3",
                        "VpcEndpointType": "Gateway",
                        "RouteTableIds": [{"Ref": "Table"}],
                    },
                },
                "Restrict": {
                    "Type": "Custom::VpcRestrictDefaultSG",
                    "Properties": {
                        "ServiceToken": SERVICE_TOKEN,
                        "DefaultSecurityGroupId": {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]},
                        "Account": "123456789012",
                    },
                },
            },
            {"Vpc": {"Ref": "Vpc"}, "DefaultGroup": {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}},
        ),
    )
    out = outputs_of(stack)
    default_group = ec2.describe_security_groups(GroupIds=[out["DefaultGroup"]])["SecurityGroups"][0]
    assert default_group["IpPermissions"] == [] and default_group["IpPermissionsEgress"] == []
    assert len(ec2.describe_flow_logs()["FlowLogs"]) == 1
    delete(aws, stack)
    assert {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]} == before_vpcs
    assert {t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]} == before_tables
    assert ec2.describe_internet_gateways()["InternetGateways"] == []
    assert ec2.describe_flow_logs()["FlowLogs"] == []
    assert {e["State"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]} <= {"deleted"}


def test_attached_managed_policy_is_deleted_with_its_stack(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Role": LAMBDA_ROLE,
                "Read": {
                    "Type": "AWS::IAM::ManagedPolicy",
                    "Properties": {
                        "Roles": [{"Ref": "Role"}],
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}
                            ],
                        },
                    },
                },
            },
            {"Policy": {"Ref": "Read"}},
        ),
    )
    iam = aws("iam")
    arn = outputs_of(stack)["Policy"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    delete(aws, stack)
    assert arn not in [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]]
