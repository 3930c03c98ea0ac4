"""The EMR Serverless Spark application in a bare stack: nothing idle, capped, its job role exactly, its tables.

nag (AwsSolutions, NIST) runs on it in the Data stack (tests/unit/test_data_stack.py, test_compliance_packs.py).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from stacks.config import DEFAULT_PUBLIC_DATASETS, SparkSettings
from stacks.constructs.public_datasets import PublicDatasets
from stacks.constructs.spark_application import SparkApplication

ENV = cdk.Environment(account="111122223333", region="us-east-1")


def _stack(settings: SparkSettings | None = None, datasets: Any = DEFAULT_PUBLIC_DATASETS) -> Template:
    app = cdk.App()
    stack = cdk.Stack(app, "Bare", env=ENV)
    bucket = s3.Bucket(stack, "Bucket")
    public = PublicDatasets(
        stack, "Datasets", datasets=datasets, results_bucket=bucket, name_prefix="team-a", bytes_scanned_cutoff_mb=10
    )
    spark = SparkApplication(
        stack, "Spark", settings=settings or SparkSettings(), prefix="team-a", data_bucket=bucket, datasets=public
    )
    submitter = iam.Role(stack, "Submitter", assumed_by=iam.AccountRootPrincipal())
    spark.grant_submit(submitter)
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def template() -> Template:
    return _stack()


def _application(template: Template) -> dict[str, Any]:
    [application] = template.find_resources("AWS::EMRServerless::Application").values()
    return application["Properties"]


def test_nothing_is_pre_initialized_and_the_application_starts_and_stops_itself(template: Template) -> None:
    props = _application(template)
    assert "InitialCapacity" not in props
    assert props["AutoStartConfiguration"] == {"Enabled": True}
    assert props["AutoStopConfiguration"] == {"Enabled": True, "IdleTimeoutMinutes": 15}
    assert props["Type"] == "SPARK" and props["Name"] == "team-a-spark"
    assert props["ReleaseLabel"] == "emr-7.12.0" and props["Architecture"] == "ARM64"


def test_maximum_capacity_and_release_come_from_the_settings() -> None:
    settings = SparkSettings(
        max_vcpu=8, max_memory_gb=32, max_disk_gb=100, idle_stop_minutes=5, architecture="X86_64",
        release_label="emr-7.9.0",
    )  # fmt: skip
    props = _application(_stack(settings))
    assert props["MaximumCapacity"] == {"Cpu": "8 vCPU", "Memory": "32 GB", "Disk": "100 GB"}
    assert props["AutoStopConfiguration"]["IdleTimeoutMinutes"] == 5
    assert (props["Architecture"], props["ReleaseLabel"]) == ("X86_64", "emr-7.9.0")


def test_logs_go_to_the_bucket_and_a_destroyable_log_group(template: Template) -> None:
    monitoring = _application(template)["MonitoringConfiguration"]
    assert monitoring["S3MonitoringConfiguration"]["LogUri"]["Fn::Join"][1][-1] == "/spark/logs/"
    assert monitoring["CloudWatchLoggingConfiguration"]["Enabled"] is True
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"LogGroupName": "/aws/emr-serverless/team-a", "RetentionInDays": 30},
            "DeletionPolicy": "Delete",
        },
    )
    template.has_resource("AWS::EMRServerless::Application", {"DeletionPolicy": "Delete"})
    rules = template.find_resources("AWS::S3::Bucket")
    [bucket] = rules.values()
    assert {"Id": "ExpireSparkLogs", "Prefix": "spark/logs/", "ExpirationInDays": 30, "Status": "Enabled"} in bucket[
        "Properties"
    ]["LifecycleConfiguration"]["Rules"]


def test_only_this_accounts_application_may_assume_the_job_role(template: Template) -> None:
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "emr-serverless.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            "ArnLike": {
                                "aws:SourceArn": {"Fn::GetAtt": [Match.string_like_regexp("SparkApplication"), "Arn"]}
                            },
                        },
                    }
                ]
            },
            "ManagedPolicyArns": [{"Ref": Match.string_like_regexp("DatasetsReadPolicy")}],
        },
    )


def _job_policy(template: Template) -> dict[str, dict[str, Any]]:
    [policy] = [p for name, p in template.find_resources("AWS::IAM::Policy").items() if name.startswith("SparkJobRole")]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def _arn_tail(resource: Any) -> str:
    return "".join(p for p in resource["Fn::Join"][1] if isinstance(p, str)) if isinstance(resource, dict) else resource


def test_the_job_role_has_exactly_these_statements(template: Template) -> None:
    statements = _job_policy(template)
    assert sorted(statements) == [
        "FindJobLogGroup",
        "ListJobCodeAndCurated",
        "ReadJobCode",
        "ReadWriteSeriesTables",
        "WriteCurated",
        "WriteJobLogStreams",
        "WriteJobLogs",
    ]
    assert statements["ListJobCodeAndCurated"]["Action"] == "s3:ListBucket"
    assert statements["ListJobCodeAndCurated"]["Condition"] == {
        "StringLike": {"s3:prefix": ["spark/code/*", "curated/*"]}
    }
    assert statements["ReadJobCode"]["Action"] == "s3:GetObject"
    assert _arn_tail(statements["ReadJobCode"]["Resource"]) == "/spark/code/*"
    assert statements["WriteCurated"]["Action"] == [
        "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"
    ]  # fmt: skip
    assert _arn_tail(statements["WriteCurated"]["Resource"]) == "/curated/*"
    assert (statements["WriteJobLogs"]["Action"], _arn_tail(statements["WriteJobLogs"]["Resource"])) == (
        "s3:PutObject",
        "/spark/logs/*",
    )
    assert statements["WriteJobLogStreams"]["Action"] == [
        "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"
    ]  # fmt: skip
    assert statements["FindJobLogGroup"]["Action"] == "logs:DescribeLogGroups"
    assert statements["ReadWriteSeriesTables"]["Action"] == ["glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"]
    tables = [_arn_tail(r).split(":", 5)[-1] for r in statements["ReadWriteSeriesTables"]["Resource"]]
    assert tables[:2] == ["catalog", "database/team_a_datasets"]
    assert tables[2:] == [
        f"table/team_a_datasets/ghcn_{e}_series" for e in ("tmax", "tmin", "tavg", "prcp", "snow", "snwd")
    ]
    for statement in statements.values():
        assert statement["Effect"] == "Allow" and statement["Resource"] != "*"


def test_submitters_pass_the_role_to_emr_serverless_only(template: Template) -> None:
    [policy] = [p for name, p in template.find_resources("AWS::IAM::Policy").items() if name.startswith("Submitter")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    [passing] = [s for s in statements if s.get("Sid") == "PassSparkJobRoleToEmrServerless"]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "emr-serverless.amazonaws.com"}}
    assert passing["Resource"]["Fn::GetAtt"][0].startswith("SparkJobRole")
    [submit] = [s for s in statements if s.get("Sid") == "SubmitSparkJobs"]
    assert len(submit["Resource"]) == 2  # the application and its job runs, nothing else


def test_a_series_table_per_element_reads_the_latest_manifest(template: Template) -> None:
    tables = template.find_resources("AWS::Glue::Table")
    assert len([name for name in tables if name.startswith("SparkSeries")]) == 6
    template.has_resource_properties(
        "AWS::Glue::Table",
        {
            "DatabaseName": "team_a_datasets",
            "TableInput": Match.object_like(
                {
                    "Name": "ghcn_tmax_series",
                    "StorageDescriptor": Match.object_like(
                        {
                            "InputFormat": "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat",
                            "Location": {
                                "Fn::Join": ["", ["s3://", {"Ref": Match.any_value()}, "/curated/ghcn/TMAX/latest/"]]
                            },
                        }
                    ),
                }
            ),
        },
    )


def test_without_ghcn_there_are_no_series_tables() -> None:
    others = tuple(d for d in DEFAULT_PUBLIC_DATASETS if d.bucket != "noaa-ghcn-pds")
    template = _stack(datasets=others)
    assert not [name for name in template.find_resources("AWS::Glue::Table") if name.startswith("SparkSeries")]
    assert "ReadWriteSeriesTables" not in _job_policy(template)
