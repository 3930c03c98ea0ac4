"""Each emulator extension, proved on a small hand-written template deployed through the emulator server."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stacks.config import FrameworksSettings
from tests.e2e import emulator as emu
from tests.e2e.conftest import LAMBDA_ROLE, deploy, lambda_function, outputs_of

TLS_ONLY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}
SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider-never-invoked"


def template(resources: dict[str, Any], outputs: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"Resources": resources, "Outputs": {k: {"Value": v} for k, v in (outputs or {}).items()}, **extra}


def delete(aws: Callable[[str], Any], stack: dict[str, Any]) -> None:
    aws("cloudformation").delete_stack(StackName=stack["StackName"])


# ---- DLAMI public parameters


def test_every_dlami_parameter_resolves_to_an_image_moto_knows(aws: Callable[[str], Any]) -> None:
    names = emu.dlami_parameter_names()
    assert FrameworksSettings().ami_parameter in names  # the default the app deploys
    assert "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id" in names
    ssm = aws("ssm")
    values = {ssm.get_parameter(Name=name)["Parameter"]["Value"] for name in names}
    assert values == {emu.EMULATED_DLAMI_ID}
    images = aws("ec2").describe_images(ImageIds=[emu.EMULATED_DLAMI_ID])["Images"]
    assert images and "Deep Learning" in images[0]["Name"]


def test_instance_from_a_dlami_parameter_type_gets_the_seeded_image(aws: Callable[[str], Any]) -> None:
    path = FrameworksSettings().ami_parameter
    stack = deploy(
        aws,
        template(
            {
                "Box": {
                    "Type": "AWS::EC2::Instance",
                    "Properties": {"ImageId": {"Ref": "Ami"}, "InstanceType": "g4dn.xlarge"},
                }
            },
            {"InstanceId": {"Ref": "Box"}},
            Parameters={"Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": path}},
        ),
    )
    instance_id = outputs_of(stack)["InstanceId"]
    described = aws("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert described["ImageId"] == emu.EMULATED_DLAMI_ID
    delete(aws, stack)


def test_unknown_public_parameter_is_still_an_error(aws: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError, match="ParameterNotFound"):
        aws("ssm").get_parameter(Name="/aws/service/deeplearning/ami/x86_64/no-such-dlami/latest/ami-id")


# ---- Lex V2


def test_lex_bot_version_and_alias_give_the_attributes_templates_read(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Bot": {"Type": "AWS::Lex::Bot", "Properties": {"Name": "b", "RoleArn": "arn:aws:iam::1:role/r"}},
                "Version": {"Type": "AWS::Lex::BotVersion", "Properties": {"BotId": {"Ref": "Bot"}}},
                "Alias": {
                    "Type": "AWS::Lex::BotAlias",
                    "Properties": {
                        "BotId": {"Fn::GetAtt": ["Bot", "Id"]},
                        "BotVersion": {"Fn::GetAtt": ["Version", "BotVersion"]},
                        "BotAliasName": "live",
                    },
                },
            },
            {
                "BotRef": {"Ref": "Bot"},
                "BotId": {"Fn::GetAtt": ["Bot", "Id"]},
                "BotArn": {"Fn::GetAtt": ["Bot", "Arn"]},
                "Version": {"Fn::GetAtt": ["Version", "BotVersion"]},
                "AliasRef": {"Ref": "Alias"},
                "AliasId": {"Fn::GetAtt": ["Alias", "BotAliasId"]},
                "AliasArn": {"Fn::GetAtt": ["Alias", "Arn"]},
            },
        ),
    )
    out = outputs_of(stack)
    assert out["BotRef"] == out["BotId"] and len(out["BotId"]) == 10
    assert out["BotArn"] == f"arn:aws:lex:us-east-1:123456789012:bot/{out['BotId']}"
    assert out["Version"] == "1"
    assert out["AliasRef"] == f"{out['AliasId']}|{out['BotId']}"
    assert out["AliasArn"] == f"arn:aws:lex:us-east-1:123456789012:bot-alias/{out['BotId']}/{out['AliasId']}"
    delete(aws, stack)


# ---- Glue, Athena


def test_glue_and_athena_resources_live_in_their_backends_until_the_stack_goes(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Db": {
                    "Type": "AWS::Glue::Database",
                    "Properties": {"CatalogId": "123456789012", "DatabaseInput": {"Name": "lake"}},
                },
                "Table": {
                    "Type": "AWS::Glue::Table",
                    "DependsOn": "Db",
                    "Properties": {
                        "CatalogId": "123456789012",
                        "DatabaseName": "lake",
                        "TableInput": {"Name": "daily", "Parameters": {"projection.enabled": "true"}},
                    },
                },
                "Group": {
                    "Type": "AWS::Athena::WorkGroup",
                    "Properties": {
                        "Name": "analytics",
                        "RecursiveDeleteOption": True,
                        "WorkGroupConfiguration": {
                            "EnforceWorkGroupConfiguration": True,
                            "BytesScannedCutoffPerQuery": 10485760,
                        },
                    },
                },
                "Query": {
                    "Type": "AWS::Athena::NamedQuery",
                    "Properties": {
                        "Name": "q",
                        "Database": "lake",
                        "QueryString": "SELECT 1",
                        "WorkGroup": {"Ref": "Group"},
                    },
                },
            },
            {"QueryId": {"Ref": "Query"}},
        ),
    )
    glue, athena = aws("glue"), aws("athena")
    assert glue.get_table(DatabaseName="lake", Name="daily")["Table"]["Parameters"] == {"projection.enabled": "true"}
    group = athena.get_work_group(WorkGroup="analytics")["WorkGroup"]
    assert group["Configuration"]["BytesScannedCutoffPerQuery"] == 10485760
    query = athena.get_named_query(NamedQueryId=outputs_of(stack)["QueryId"])["NamedQuery"]
    assert query["WorkGroup"] == "analytics"
    delete(aws, stack)
    assert [d["Name"] for d in glue.get_databases()["DatabaseList"]] == []
    assert "analytics" not in [g["Name"] for g in athena.list_work_groups()["WorkGroups"]]


# ---- CloudWatch alarms


def test_single_metric_and_metric_math_alarms(aws: Callable[[str], Any]) -> None:
    stop = "arn:aws:automate:us-east-1:ec2:stop"
    stack = deploy(
        aws,
        template(
            {
                "Idle": {
                    "Type": "AWS::CloudWatch::Alarm",
                    "Properties": {
                        "Namespace": "AWS/EC2",
                        "MetricName": "CPUUtilization",
                        "Dimensions": [{"Name": "InstanceId", "Value": "i-123"}],
                        "Statistic": "Maximum",
                        "Period": 300,
                        "EvaluationPeriods": 12,
                        "Threshold": 5,
                        "ComparisonOperator": "LessThanThreshold",
                        "AlarmActions": [stop],
                    },
                },
                "Math": {
                    "Type": "AWS::CloudWatch::Alarm",
                    "Properties": {
                        "AlarmName": "busy-or-network",
                        "EvaluationPeriods": 3,
                        "Threshold": 1,
                        "ComparisonOperator": "LessThanThreshold",
                        "Metrics": [
                            {"Id": "expr", "Expression": "cpu + net", "ReturnData": True},
                            {
                                "Id": "cpu",
                                "ReturnData": False,
                                "MetricStat": {
                                    "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
                                    "Period": 300,
                                    "Stat": "Average",
                                },
                            },
                            {
                                "Id": "net",
                                "ReturnData": False,
                                "MetricStat": {
                                    "Metric": {"Namespace": "AWS/EC2", "MetricName": "NetworkIn"},
                                    "Period": 300,
                                    "Stat": "Sum",
                                },
                            },
                        ],
                    },
                },
            },
            {"IdleName": {"Ref": "Idle"}, "MathArn": {"Fn::GetAtt": ["Math", "Arn"]}},
        ),
    )
    out = outputs_of(stack)
    cloudwatch = aws("cloudwatch")
    alarms = {
        a["AlarmName"]: a
        for a in cloudwatch.describe_alarms(AlarmNames=[out["IdleName"], "busy-or-network"])["MetricAlarms"]
    }
    assert alarms[out["IdleName"]]["AlarmActions"] == [stop]
    assert [m["Id"] for m in alarms["busy-or-network"]["Metrics"]] == ["expr", "cpu", "net"]
    assert out["MathArn"].endswith(":alarm:busy-or-network")
    delete(aws, stack)
    assert cloudwatch.describe_alarms(AlarmNames=[out["IdleName"], "busy-or-network"])["MetricAlarms"] == []


# ---- S3: bucket properties, policies, TLS condition, emptying on delete


def test_bucket_policy_and_public_access_block_are_applied(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Bucket": {
                    "Type": "AWS::S3::Bucket",
                    "Properties": {
                        "PublicAccessBlockConfiguration": {
                            "BlockPublicAcls": True,
                            "BlockPublicPolicy": True,
                            "IgnorePublicAcls": True,
                            "RestrictPublicBuckets": True,
                        },
                        "VersioningConfiguration": {"Status": "Enabled"},
                    },
                },
                "Policy": {
                    "Type": "AWS::S3::BucketPolicy",
                    "Properties": {
                        "Bucket": {"Ref": "Bucket"},
                        "PolicyDocument": json.loads(json.dumps(TLS_ONLY_POLICY).replace("{bucket}", "tls-bucket")),
                    },
                },
            },
            {"Bucket": {"Ref": "Bucket"}},
        ),
    )
    s3 = aws("s3")
    bucket = outputs_of(stack)["Bucket"]
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Effect"] == "Deny"
    delete(aws, stack)


def test_tls_only_policy_denies_only_plain_http(aws: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="tls-bucket")
    s3.put_bucket_policy(Bucket="tls-bucket", Policy=json.dumps(TLS_ONLY_POLICY).replace("{bucket}", "tls-bucket"))
    s3.put_object(Bucket="tls-bucket", Key="over-tls", Body=b"ok")  # the emulator stands in for HTTPS
    monkeypatch.setitem(emu.REQUEST_CONTEXT, "aws:SecureTransport", "false")
    with pytest.raises(ClientError, match=r"AccessDenied|403"):
        s3.put_object(Bucket="tls-bucket", Key="plain-http", Body=b"no")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, False),
        ({"Bool": {"aws:SecureTransport": ["true"]}}, True),
        ({"Bool": {"aws:SecureTransport": True}}, True),
        ({"StringEquals": {"aws:SecureTransport": "true"}}, True),
        ({"NumericLessThan": {"s3:TlsVersion": "1.2"}}, None),
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, None),
    ],
)
def test_condition_evaluation(condition: dict[str, Any], expected: bool | None) -> None:
    assert emu.evaluate_condition(condition, {"aws:SecureTransport": "true"}) is expected


def _bucket_stack(with_auto_delete: bool) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}}
    }
    if with_auto_delete:
        resources["AutoDelete"] = {
            "Type": "Custom::S3AutoDeleteObjects",
            "Properties": {"ServiceToken": SERVICE_TOKEN, "BucketName": {"Ref": "Bucket"}},
        }
    return template(resources, {"Bucket": {"Ref": "Bucket"}})


def test_auto_delete_objects_empties_a_versioned_bucket_so_the_stack_deletes_it(aws: Callable[[str], Any]) -> None:
    stack = deploy(aws, _bucket_stack(with_auto_delete=True))
    bucket = outputs_of(stack)["Bucket"]
    s3 = aws("s3")
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=bucket, Key="a/b.txt", Body=body)
    s3.delete_object(Bucket=bucket, Key="a/b.txt")  # leaves a delete marker and two versions
    delete(aws, stack)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_non_empty_bucket_fails_the_delete_and_the_stack_stays_visible(aws: Callable[[str], Any]) -> None:
    stack = deploy(aws, _bucket_stack(with_auto_delete=False))
    bucket = outputs_of(stack)["Bucket"]
    s3 = aws("s3")
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    with pytest.raises(ClientError, match="BucketNotEmpty"):
        delete(aws, stack)
    status = aws("cloudformation").describe_stacks(StackName=stack["StackName"])["Stacks"][0]["StackStatus"]
    assert status == "DELETE_FAILED"
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_bucket_deployment_unzips_sources_substitutes_markers_and_prunes(aws: Callable[[str], Any]) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="assets")
    s3.put_object(Bucket="assets", Key="notebooks.zip", Body=_zip({"intro.ipynb": b"{}", "data/x.csv": b"1,2"}))
    s3.put_object(Bucket="assets", Key="config.zip", Body=_zip({"config.json": b'{"endpoint": "<<marker:0xbaba:0>>"}'}))
    resources = {
        "Destination": {"Type": "AWS::S3::Bucket"},
        "Deployment": {
            "Type": "Custom::CDKBucketDeployment",
            "Properties": {
                "ServiceToken": SERVICE_TOKEN,
                "SourceBucketNames": ["assets", "assets"],
                "SourceObjectKeys": ["notebooks.zip", "config.zip"],
                "SourceMarkers": [{}, {"<<marker:0xbaba:0>>": "my-endpoint"}],
                "DestinationBucketName": {"Ref": "Destination"},
                "DestinationBucketKeyPrefix": "samples",
                "Prune": True,
                "RetainOnDelete": False,
            },
        },
    }
    outputs = {"Bucket": {"Ref": "Destination"}, "Arn": {"Fn::GetAtt": ["Deployment", "DestinationBucketArn"]}}
    stack = deploy(aws, template(resources, outputs))
    bucket = outputs_of(stack)["Bucket"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["samples/config.json", "samples/data/x.csv", "samples/intro.ipynb"]
    config = s3.get_object(Bucket=bucket, Key="samples/config.json")["Body"].read()
    assert json.loads(config) == {"endpoint": "my-endpoint"}
    assert outputs_of(stack)["Arn"] == f"arn:aws:s3:::{bucket}"

    # An update re-deploys: a new marker value lands, a key the sources no longer hold is pruned.
    s3.put_object(Bucket=bucket, Key="samples/stale.txt", Body=b"old")
    resources["Deployment"]["Properties"]["SourceMarkers"] = [{}, {"<<marker:0xbaba:0>>": "new-endpoint"}]
    cloudformation = aws("cloudformation")
    cloudformation.create_change_set(
        StackName=stack["StackName"],
        ChangeSetName="update",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(template(resources, outputs)),
    )
    cloudformation.execute_change_set(StackName=stack["StackName"], ChangeSetName="update")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert "samples/stale.txt" not in keys
    config = s3.get_object(Bucket=bucket, Key="samples/config.json")["Body"].read()
    assert json.loads(config) == {"endpoint": "new-endpoint"}
    delete(aws, stack)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# ---- networking deletes, managed policies, public layers


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


def test_function_with_a_public_powertools_layer_deploys(aws: Callable[[str], Any]) -> None:
    layer = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:18"
    stack = deploy(
        aws,
        template(
            {
                "Role": LAMBDA_ROLE,
                "Fn": lambda_function(
                    Layers=[layer], Architectures=["arm64"], Environment={"Variables": {"TABLE": "t"}}
                ),
            },
            {"Fn": {"Ref": "Fn"}},
        ),
    )
    config = aws("lambda").get_function_configuration(FunctionName=outputs_of(stack)["Fn"])
    assert [entry["Arn"] for entry in config["Layers"]] == [layer]
    assert config["Architectures"] == ["arm64"]
    delete(aws, stack)


def test_private_layer_of_another_account_is_still_unknown(aws: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError):
        deploy(
            aws,
            template(
                {
                    "Role": LAMBDA_ROLE,
                    "Fn": lambda_function(Layers=["arn:aws:lambda:us-east-1:999999999999:layer:private:1"]),
                }
            ),
        )


# ---- failure reporting


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
    assert "AWS::Pipes::Pipe" in emu.SKIPPED_TYPES
    delete(aws, stack)


def test_budget_with_notifications_lives_until_the_stack_goes(aws: Callable[[str], Any]) -> None:
    budget = {
        "BudgetName": "monthly",
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": 50, "Unit": "USD"},
    }
    alert = {
        "Notification": {
            "NotificationType": "ACTUAL",
            "ComparisonOperator": "GREATER_THAN",
            "Threshold": 80,
            "ThresholdType": "PERCENTAGE",
        },
        "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ana@example.com"}],
    }
    stack = deploy(
        aws,
        template(
            {
                "Budget": {
                    "Type": "AWS::Budgets::Budget",
                    "Properties": {"Budget": budget, "NotificationsWithSubscribers": [alert]},
                }
            }
        ),
    )
    budgets = aws("budgets")
    assert budgets.describe_budget(AccountId="123456789012", BudgetName="monthly")["Budget"]["TimeUnit"] == "MONTHLY"
    notifications = budgets.describe_notifications_for_budget(AccountId="123456789012", BudgetName="monthly")
    assert notifications["Notifications"][0]["Threshold"] == 80
    delete(aws, stack)
    assert budgets.describe_budgets(AccountId="123456789012").get("Budgets", []) == []


# ---- cross-stack references, property gaps, redeploys


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


def test_global_table_is_created_with_ttl_and_point_in_time_recovery(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Results": {
                    "Type": "AWS::DynamoDB::GlobalTable",
                    "Properties": {
                        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                        "BillingMode": "PAY_PER_REQUEST",
                        "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": True},
                        "Replicas": [
                            {
                                "Region": "us-east-1",
                                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                            }
                        ],
                    },
                }
            },
            {"Table": {"Ref": "Results"}, "Arn": {"Fn::GetAtt": ["Results", "Arn"]}},
        ),
    )
    dynamodb = aws("dynamodb")
    table = outputs_of(stack)["Table"]
    assert outputs_of(stack)["Arn"] == dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
    assert dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    recovery = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert recovery["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    delete(aws, stack)
    assert table not in dynamodb.list_tables()["TableNames"]


def test_notebook_keeps_lifecycle_config_kms_key_and_root_access(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Config": {
                    "Type": "AWS::SageMaker::NotebookInstanceLifecycleConfig",
                    "Properties": {"OnStart": [{"Content": "ZWNobyBoaQ=="}]},
                },
                "Notebook": {
                    "Type": "AWS::SageMaker::NotebookInstance",
                    "Properties": {
                        "InstanceType": "ml.t3.medium",
                        "RoleArn": "arn:aws:iam::123456789012:role/notebook",
                        "LifecycleConfigName": {"Fn::GetAtt": ["Config", "NotebookInstanceLifecycleConfigName"]},
                        "KmsKeyId": "key-123",
                        "RootAccess": "Disabled",
                        "DirectInternetAccess": "Enabled",
                    },
                },
            },
            {
                "Notebook": {"Fn::GetAtt": ["Notebook", "NotebookInstanceName"]},
                "Config": {"Fn::GetAtt": ["Config", "NotebookInstanceLifecycleConfigName"]},
            },
        ),
    )
    out = outputs_of(stack)
    described = aws("sagemaker").describe_notebook_instance(NotebookInstanceName=out["Notebook"])
    assert described["NotebookInstanceLifecycleConfigName"] == out["Config"]
    assert described["KmsKeyId"] == "key-123"
    assert described["RootAccess"] == "Disabled"
    listed = aws("sagemaker").list_notebook_instance_lifecycle_configs()["NotebookInstanceLifecycleConfigs"]
    assert out["Config"] in [c["NotebookInstanceLifecycleConfigName"] for c in listed]
    delete(aws, stack)
    listed = aws("sagemaker").list_notebook_instance_lifecycle_configs()["NotebookInstanceLifecycleConfigs"]
    assert out["Config"] not in [c["NotebookInstanceLifecycleConfigName"] for c in listed]


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
