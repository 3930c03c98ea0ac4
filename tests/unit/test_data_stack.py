"""Data stack: the private bucket's defaults, public dataset grants, Glue, Athena and the budget."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tests.conftest import synth_app, template_of


@pytest.fixture(scope="module")
def data() -> Template:
    return template_of(synth_app(layers="data"), "Data")


def _buckets(template: Template) -> dict[str, Any]:
    return dict(template.find_resources("AWS::S3::Bucket"))


def _data_bucket(template: Template) -> dict[str, Any]:
    [bucket] = [b for b in _buckets(template).values() if "LoggingConfiguration" in b["Properties"]]
    return bucket


def test_only_the_data_layer_is_synthesized_alone() -> None:
    assembly = synth_app(layers="data")
    assert [s.stack_name for s in assembly.stacks] == ["Mlstack-Data"]


def test_the_stack_holds_the_data_lake_and_the_data_bucket_logs_to_its_log_bucket(data: Template) -> None:
    # The buckets' defaults are the constructs' (tests/unit/constructs/test_data_lake.py, test_secure_bucket.py).
    buckets = _buckets(data)
    assert len(buckets) == 2
    log_bucket = _data_bucket(data)["Properties"]["LoggingConfiguration"]["DestinationBucketName"]
    assert log_bucket["Ref"] in buckets


def test_buckets_are_destroyed_and_emptied_by_default(data: Template) -> None:
    for bucket in _buckets(data).values():
        assert bucket["DeletionPolicy"] == "Delete"
    data.resource_count_is("Custom::S3AutoDeleteObjects", 2)


def test_no_budget_without_an_email(data: Template) -> None:
    data.resource_count_is("AWS::Budgets::Budget", 0)


def test_outputs_name_what_a_user_needs(data: Template) -> None:
    outputs = data.find_outputs("*")
    assert {
        "DataBucketName",
        "AccessLogsBucketName",
        "GlueDatabaseName",
        "AthenaWorkGroupName",
        "DatasetsReadPolicyArn",
        "PublicDatasetLocations",
    } <= set(outputs)


def test_training_scripts_are_copied_under_training_scripts_and_removed_with_the_stack(data: Template) -> None:
    [deployment] = [
        d
        for d in data.find_resources("Custom::CDKBucketDeployment").values()
        if d["Properties"]["DestinationBucketKeyPrefix"] == "training/scripts/"
    ]
    assert deployment["Properties"]["RetainOnDelete"] is False
    [bucket_id] = [i for i in _buckets(data) if i.startswith("DataLakeData")]
    assert deployment["Properties"]["DestinationBucketName"] == {"Ref": bucket_id}
    # Its handler logs into a group the stack owns (destroyed with it).
    [log_group_id] = [i for i in data.find_resources("AWS::Logs::LogGroup") if i.startswith("TrainingCodeLogs")]
    handlers = [
        f for f in data.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("LoggingConfig") == {"LogGroup": {"Ref": log_group_id}}
    ]  # fmt: skip
    assert len(handlers) == 1


def test_spark_application_job_role_and_job_code_are_on_by_default(data: Template) -> None:
    data.resource_count_is("AWS::EMRServerless::Application", 1)
    outputs = data.find_outputs("*")
    assert outputs["SparkApplicationId"]["Value"]["Fn::GetAtt"][1] == "ApplicationId"
    assert outputs["SparkJobRoleArn"]["Value"]["Fn::GetAtt"][0].startswith("SparkJobRole")
    [code] = [
        d
        for d in data.find_resources("Custom::CDKBucketDeployment").values()
        if d["Properties"]["DestinationBucketKeyPrefix"] == "spark/code/"
    ]
    assert code["Properties"]["RetainOnDelete"] is False
    [bucket_id] = [i for i in _buckets(data) if i.startswith("DataLakeData")]
    assert code["Properties"]["DestinationBucketName"] == {"Ref": bucket_id}


# Every setting the stack hands to its constructs, changed at once: one synth proves the wiring (what each
# construct does with its props is proven in tests/unit/constructs/).
CHANGED = {
    "prefix": "team-b",
    "retain_data": "true",
    "public_datasets": '[{"id": "sub", "bucket": "open-bucket", "region": "us-east-1", "prefix": "2024/", '
    '"format": "csv"}]',
    "data.athena_bytes_scanned_cutoff_mb": "100",
    "spark.enabled": "false",
    "budget_email": "me@example.com",
    "budget_monthly_usd": "20",
}


@pytest.fixture(scope="module")
def changed() -> Template:
    return template_of(synth_app(layers="data", **CHANGED), "Data", prefix="Team-B")


def test_retain_data_keeps_buckets_and_their_objects(changed: Template) -> None:
    for bucket in _buckets(changed).values():
        assert bucket["DeletionPolicy"] == "Retain"
    changed.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_the_prefix_datasets_and_query_cap_reach_the_catalog_and_workgroup(changed: Template) -> None:
    changed.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": "team-b-analytics",
            "WorkGroupConfiguration": Match.object_like({"BytesScannedCutoffPerQuery": 100 * 1024 * 1024}),
        },
    )
    changed.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": {"Name": "team_b_datasets"}})
    [policy] = changed.find_resources("AWS::IAM::ManagedPolicy").values()
    resources = [s["Resource"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::open-bucket/2024/*"]]} in resources
    changed.resource_count_is("AWS::Glue::Table", 0)  # no GHCN-D linked


def test_spark_disabled_leaves_no_application_role_or_outputs(changed: Template) -> None:
    changed.resource_count_is("AWS::EMRServerless::Application", 0)
    assert not {"SparkApplicationId", "SparkJobRoleArn"} & set(changed.find_outputs("*"))
    assert not [d for d in changed.find_resources("Custom::CDKBucketDeployment").values()
                if d["Properties"]["DestinationBucketKeyPrefix"] == "spark/code/"]  # fmt: skip


def test_a_budget_email_makes_the_prefixed_budget_mail_and_publish_to_the_alerts_topic(changed: Template) -> None:
    [topic] = changed.find_resources("AWS::SNS::Topic")
    [budget] = changed.find_resources("AWS::Budgets::Budget").values()
    props = budget["Properties"]
    assert (props["Budget"]["BudgetName"], props["Budget"]["BudgetLimit"]) == (
        "team-b-monthly",
        {"Amount": 20, "Unit": "USD"},
    )
    for notification in props["NotificationsWithSubscribers"]:
        assert notification["Subscribers"] == [
            {"SubscriptionType": "EMAIL", "Address": "me@example.com"},
            {"SubscriptionType": "SNS", "Address": {"Ref": topic}},
        ]
