"""`mlstack smoke` against hand-written stacks in the emulator: each check passes, fails or says why it cannot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from mlstack.emulator.server import Emulator
from mlstack.ops import smoke
from mlstack.ops.checks import Status
from stacks import outputs
from tests.mlstack.emulator.templates import LAMBDA_ROLE, REGION, deploy, lambda_function

TLS_DENY = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def data_template(database: str, *, block_public_access: bool = True, tls_policy: bool = True) -> dict[str, Any]:
    bucket: dict[str, Any] = {
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        }
    }
    if block_public_access:
        bucket["PublicAccessBlockConfiguration"] = dict.fromkeys(
            ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
        )
    resources: dict[str, Any] = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": bucket},
        "Db": {"Type": "AWS::Glue::Database", "Properties": {"CatalogId": "1", "DatabaseInput": {"Name": database}}},
        "Table": {
            "Type": "AWS::Glue::Table",
            "DependsOn": "Db",
            "Properties": {
                "CatalogId": "1",
                "DatabaseName": database,
                "TableInput": {"Name": "daily", "Parameters": {"projection.enabled": "true"}},
            },
        },
        "Group": {
            "Type": "AWS::Athena::WorkGroup",
            "Properties": {
                "Name": f"{database}-analytics",
                "State": "ENABLED",
                "WorkGroupConfiguration": {
                    "EnforceWorkGroupConfiguration": True,
                    "BytesScannedCutoffPerQuery": 10 * 2**20,
                    "ResultConfiguration": {
                        "OutputLocation": {"Fn::Sub": "s3://${Bucket}/athena-results/"},
                    },
                },
            },
        },
    }
    if tls_policy:
        resources["Policy"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {"Statement": [TLS_DENY]}},
        }
    return {
        "Resources": resources,
        "Outputs": {
            outputs.DATA_BUCKET: {"Value": {"Ref": "Bucket"}},
            outputs.GLUE_DATABASE: {"Value": database},
            outputs.ATHENA_WORKGROUP: {"Value": {"Ref": "Group"}},
        },
    }


def frameworks_template(http_tokens: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Template": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": {"LaunchTemplateData": {"MetadataOptions": {"HttpTokens": http_tokens}}},
            },
            "Box": {
                "Type": "AWS::EC2::Instance",
                "Properties": {
                    "ImageId": "ami-dca37ea5",
                    "InstanceType": "g4dn.xlarge",
                    "LaunchTemplate": {
                        "LaunchTemplateId": {"Ref": "Template"},
                        "Version": {"Fn::GetAtt": ["Template", "LatestVersionNumber"]},
                    },
                },
            },
            "Idle": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Namespace": "AWS/EC2",
                    "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "InstanceId", "Value": {"Ref": "Box"}}],
                    "Statistic": "Maximum",
                    "Period": 300,
                    "EvaluationPeriods": 12,
                    "Threshold": 5,
                    "ComparisonOperator": "LessThanThreshold",
                    "AlarmActions": ["arn:aws:automate:us-east-1:ec2:stop"],
                },
            },
        }
    }


@pytest.fixture
def session(emulator: Emulator) -> Any:
    credentials = emulator.credentials
    return boto3.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        region_name=REGION,
    )


def results_by_name(session: Any, emulator: Emulator, stacks: list[str], *, in_emulator: bool = True) -> dict[str, Any]:
    found = smoke.run_checks(session, endpoint_url=emulator.endpoint, emulator=in_emulator, stacks=stacks)
    return {result.name: result for result in found}


def test_data_checks_pass_on_a_secure_bucket(aws: Callable[[str], Any], session: Any, emulator: Emulator) -> None:
    deploy(aws, data_template("good_db"), "Good-Data")
    results = results_by_name(session, emulator, ["Good-Data"])
    for name in ("bucket encryption", "bucket public access block", "bucket TLS-only policy", "Glue tables"):
        assert results[f"Data: {name}"].status == Status.PASS, results[f"Data: {name}"].line()
    assert results["Data: Athena workgroup"].status == Status.PASS, results["Data: Athena workgroup"].line()
    assert results["Platform: layer"].status == Status.SKIPPED
    assert results["ApiServices: layer"].detail == "stack not deployed"


def test_data_checks_fail_without_public_access_block_or_tls_policy(
    aws: Callable[[str], Any], session: Any, emulator: Emulator
) -> None:
    deploy(aws, data_template("open_db", block_public_access=False, tls_policy=False), "Open-Data")
    results = results_by_name(session, emulator, ["Open-Data"])
    assert results["Data: bucket public access block"].status == Status.FAIL
    assert results["Data: bucket TLS-only policy"].status == Status.FAIL
    assert results["Data: bucket encryption"].status == Status.PASS


def test_frameworks_checks_read_imdsv2_from_the_launch_template(
    aws: Callable[[str], Any], session: Any, emulator: Emulator
) -> None:
    deploy(aws, frameworks_template("required"), "Strict-Frameworks")
    deploy(aws, frameworks_template("optional"), "Lax-Frameworks")
    strict = results_by_name(session, emulator, ["Strict-Frameworks"])
    lax = results_by_name(session, emulator, ["Lax-Frameworks"])
    assert strict["Frameworks: IMDSv2 required"].status == Status.PASS
    assert strict["Frameworks: idle-stop alarm"].status == Status.PASS
    assert strict["Frameworks: GPU instance"].status == Status.PASS
    assert lax["Frameworks: IMDSv2 required"].status == Status.FAIL
    assert "HttpTokens=optional" in lax["Frameworks: IMDSv2 required"].detail


def test_the_lex_bot_check_reads_the_bot_the_emulator_deployed(
    aws: Callable[[str], Any], session: Any, emulator: Emulator
) -> None:
    template = {
        "Resources": {
            "Bot": {
                "Type": "AWS::Lex::Bot",
                "Properties": {"Name": "b", "RoleArn": "arn:aws:iam::1:role/r", "IdleSessionTTLInSeconds": 300},
            }
        },
        "Outputs": {outputs.BOT_ID: {"Value": {"Ref": "Bot"}}},
    }
    deploy(aws, template, "Bot-ApiServices")
    found = results_by_name(session, emulator, ["Bot-ApiServices"])["ApiServices: Lex bot"]
    assert found.status == Status.PASS, found.detail
    assert found.detail.startswith("b (") and found.detail.endswith("): Available")
    # A bot id that names no deployed bot is a failure, never a silent pass.
    missing = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {outputs.BOT_ID: {"Value": "NOBOT"}}}
    deploy(aws, missing, "Gone-ApiServices")
    assert results_by_name(session, emulator, ["Gone-ApiServices"])["ApiServices: Lex bot"].status == Status.FAIL


def test_api_services_function_must_name_the_results_table(
    aws: Callable[[str], Any], session: Any, emulator: Emulator
) -> None:
    template = {
        "Resources": {
            "Role": LAMBDA_ROLE,
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": True},
                },
            },
            "Fn": lambda_function(Environment={"Variables": {"OTHER": "x"}}),
        },
        "Outputs": {
            outputs.FULFILLMENT_FUNCTION: {"Value": {"Ref": "Fn"}},
            outputs.RESULTS_TABLE: {"Value": {"Ref": "Table"}},
        },
    }
    stack = deploy(aws, template, "Wrong-ApiServices")
    results = results_by_name(session, emulator, ["Wrong-ApiServices"])
    assert results["ApiServices: fulfillment function"].status == Status.FAIL
    assert "does not name table" in results["ApiServices: fulfillment function"].detail
    assert results["ApiServices: results table"].status == Status.PASS
    assert results["ApiServices: table point-in-time recovery"].status == Status.PASS
    table = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}[outputs.RESULTS_TABLE]
    ttl = aws("dynamodb").describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}


def test_mlstack_smoke_reads_the_prefix_and_sets_the_exit_code(
    aws: Callable[[str], Any], emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlstack.cli import main

    for key, value in {**emulator.credentials.environment(), "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    deploy(aws, data_template("main_good_db"), "Maingood-Data")
    deploy(aws, data_template("main_open_db", block_public_access=False), "Mainopen-Data")
    assert main(["smoke", "--endpoint-url", emulator.endpoint, "--emulator", "-c", "prefix=maingood"]) == 0
    assert "[pass] Data: bucket public access block" in capsys.readouterr().out
    assert main(["smoke", "--endpoint-url", emulator.endpoint, "--emulator", "-c", "prefix=mainopen"]) == 1
    assert "[fail] Data: bucket public access block" in capsys.readouterr().out
    assert main(["smoke", "-c", "prefix=Bad_Name"]) == 2


class _SessionWithLexRuntime:
    """A boto3 session whose lexv2-runtime client is `lex` (stubbed); every other client is the emulator's."""

    def __init__(self, session: Any, lex: Any):
        self._session, self._lex = session, lex

    def client(self, service: str, **kwargs: Any) -> Any:
        return self._lex if service == "lexv2-runtime" else self._session.client(service, **kwargs)


@pytest.mark.parametrize("wrong_turn", [None, 0], ids=["bot-answers-as-scripted", "first-turn-misunderstood"])
def test_bot_conversations_run_the_scripted_turns_outside_the_emulator(
    aws: Callable[[str], Any], session: Any, emulator: Emulator, wrong_turn: int | None
) -> None:
    from botocore.stub import ANY, Stubber

    from mlstack.ops.chat import CONVERSATIONS, load_conversations

    # Given a deployed bot's outputs and a Lex runtime that answers each scripted turn (or gets one wrong)
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            outputs.BOT_ID: {"Value": "BOT1234567"},
            outputs.BOT_ALIAS_ID: {"Value": "ALIAS12345"},
            outputs.BOT_LOCALE_ID: {"Value": "en_US"},
        },
    }
    deploy(aws, template, "Talk-ApiServices")
    turns = [turn for conversation in load_conversations(CONVERSATIONS) for turn in conversation]
    lex = boto3.client("lexv2-runtime", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(lex)
    expected_params = {"botId": "BOT1234567", "botAliasId": "ALIAS12345", "localeId": "en_US", "sessionId": ANY}
    for index, turn in enumerate(turns):
        intent = "FallbackIntent" if index == wrong_turn else turn.intent
        if turn.error:  # a turn Lex must refuse (over-long input)
            stubber.add_client_error(
                "recognize_text",
                service_error_code=turn.error,
                http_status_code=400,
                expected_params={**expected_params, "text": turn.say},
            )
            continue
        stubber.add_response(
            "recognize_text",
            {
                "sessionState": {"intent": {"name": intent, "state": "Fulfilled"}, "dialogAction": {"type": "Close"}},
                "messages": [{"contentType": "PlainText", "content": turn.replies[0]}],
            },
            {
                "botId": "BOT1234567",
                "botAliasId": "ALIAS12345",
                "localeId": "en_US",
                "sessionId": ANY,
                "text": turn.say,
            },
        )

    # When smoke runs outside emulator mode
    with stubber:
        results = smoke.run_checks(
            _SessionWithLexRuntime(session, lex),
            endpoint_url=emulator.endpoint,
            emulator=False,
            stacks=["Talk-ApiServices"],
        )
    check = {result.name: result for result in results}["ApiServices: bot conversations"]

    # Then every scripted turn was sent, and the check passes only when each was answered as scripted
    stubber.assert_no_pending_responses()
    if wrong_turn is None:
        assert check.status == Status.PASS, check.detail
        assert f"{len(turns)} turns" in check.detail
    else:
        assert check.status == Status.FAIL
        assert f"1 of {len(turns)} turns answered otherwise" in check.detail
        assert f"{turns[0].say!r} -> FallbackIntent" in check.detail


def test_bot_conversations_need_the_bot_outputs(aws: Callable[[str], Any], session: Any, emulator: Emulator) -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {outputs.BOT_ID: {"Value": "B"}}}
    deploy(aws, template, "Quiet-ApiServices")
    result = results_by_name(session, emulator, ["Quiet-ApiServices"])["ApiServices: bot conversations"]
    assert result.status == Status.FAIL
    assert f"has no output {outputs.BOT_ALIAS_ID}" in result.detail
