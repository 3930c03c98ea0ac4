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


def test_retain_data_keeps_buckets_and_their_objects() -> None:
    template = template_of(synth_app(layers="data", retain_data="true"), "Data")
    for bucket in _buckets(template).values():
        assert bucket["DeletionPolicy"] == "Retain"
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_read_policy_grants_exactly_the_public_dataset_buckets(data: Template) -> None:
    [policy] = data.find_resources("AWS::IAM::ManagedPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    resources = [s["Resource"] for s in statements]
    for bucket in ("noaa-ghcn-pds", "fast-ai-imageclas", "fast-ai-nlp"):
        assert {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{bucket}"]]} in resources
        assert {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{bucket}/*"]]} in resources
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}


def test_dataset_prefix_narrows_the_grant() -> None:
    datasets = '[{"id": "sub", "bucket": "open-bucket", "region": "us-east-1", "prefix": "2024/", "format": "csv"}]'
    template = template_of(synth_app(layers="data", public_datasets=datasets), "Data")
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Action": "s3:ListBucket", "Condition": {"StringLike": {"s3:prefix": ["2024/*"]}}}
                        ),
                        Match.object_like(
                            {
                                "Action": "s3:GetObject",
                                "Resource": {
                                    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::open-bucket/2024/*"]]
                                },
                            }
                        ),
                    ]
                )
            }
        },
    )
    # The GHCN tables only exist when that dataset is linked.
    template.resource_count_is("AWS::Glue::Table", 0)


def test_glue_parquet_table_uses_partition_projection(data: Template) -> None:
    data.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": {"Name": "mlstack_datasets"}})
    data.has_resource_properties(
        "AWS::Glue::Table",
        {
            "DatabaseName": "mlstack_datasets",
            "TableInput": Match.object_like(
                {
                    "Name": "ghcn_daily",
                    "TableType": "EXTERNAL_TABLE",
                    "PartitionKeys": [{"Name": "year", "Type": "int"}, {"Name": "element", "Type": "string"}],
                    "Parameters": Match.object_like(
                        {
                            "projection.enabled": "true",
                            "projection.year.type": "integer",
                            "projection.element.type": "enum",
                            "storage.location.template": "s3://noaa-ghcn-pds/parquet/by_year/YEAR=${year}/ELEMENT=${element}/",
                        }
                    ),
                    "StorageDescriptor": Match.object_like({"Location": "s3://noaa-ghcn-pds/parquet/by_year/"}),
                }
            ),
        },
    )


def test_glue_csv_table_reads_ghcn_csv_by_year(data: Template) -> None:
    data.has_resource_properties(
        "AWS::Glue::Table",
        {
            "TableInput": Match.object_like(
                {
                    "Name": "ghcn_daily_csv",
                    "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
                    "StorageDescriptor": Match.object_like({"Location": "s3://noaa-ghcn-pds/csv/by_year/"}),
                }
            )
        },
    )


def test_athena_workgroup_enforces_engine_v3_cap_and_encrypted_results(data: Template) -> None:
    data.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": "mlstack-analytics",
            "RecursiveDeleteOption": True,
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
                "BytesScannedCutoffPerQuery": 1024 * 1024 * 1024,
                "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                "ResultConfiguration": {
                    "OutputLocation": Match.object_like(
                        {"Fn::Join": Match.array_with([Match.array_with(["/athena-results/"])])}
                    ),
                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                },
            },
        },
    )


def test_bytes_scanned_cap_is_a_setting() -> None:
    template = template_of(synth_app(layers="data", **{"data.athena_bytes_scanned_cutoff_mb": "100"}), "Data")
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {"WorkGroupConfiguration": Match.object_like({"BytesScannedCutoffPerQuery": 100 * 1024 * 1024})},
    )


def test_named_queries_target_the_workgroup_and_database(data: Template) -> None:
    queries = data.find_resources("AWS::Athena::NamedQuery")
    assert len(queries) == 3
    for query in queries.values():
        assert query["Properties"]["Database"] == "mlstack_datasets"
        assert query["Properties"]["WorkGroup"] == {"Ref": next(iter(data.find_resources("AWS::Athena::WorkGroup")))}
        assert "mlstack_datasets." in query["Properties"]["QueryString"]


def test_no_budget_without_an_email(data: Template) -> None:
    data.resource_count_is("AWS::Budgets::Budget", 0)


def test_budget_alerts_at_80_actual_and_100_forecast() -> None:
    template = template_of(synth_app(layers="data", budget_email="me@example.com", budget_monthly_usd="20"), "Data")
    [topic] = template.find_resources("AWS::SNS::Topic")
    subscribers = [
        {"SubscriptionType": "EMAIL", "Address": "me@example.com"},
        {"SubscriptionType": "SNS", "Address": {"Ref": topic}},
    ]
    template.has_resource_properties(
        "AWS::Budgets::Budget",
        {
            "Budget": {
                "BudgetName": "mlstack-monthly",
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": 20, "Unit": "USD"},
            },
            "NotificationsWithSubscribers": [
                {
                    "Notification": {
                        "NotificationType": "ACTUAL",
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": 80,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": subscribers,
                },
                {
                    "Notification": {
                        "NotificationType": "FORECASTED",
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": 100,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": subscribers,
                },
            ],
        },
    )


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


def test_prefix_makes_physical_names_unique() -> None:
    assembly = synth_app(layers="data", prefix="team-b")
    template = template_of(assembly, "Data", prefix="Team-B")
    template.has_resource_properties("AWS::Athena::WorkGroup", {"Name": "team-b-analytics"})
    template.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": {"Name": "team_b_datasets"}})


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


def test_spark_disabled_leaves_no_application_role_or_outputs() -> None:
    template = template_of(synth_app(layers="data", **{"spark.enabled": "false"}), "Data")
    template.resource_count_is("AWS::EMRServerless::Application", 0)
    assert not {"SparkApplicationId", "SparkJobRoleArn"} & set(template.find_outputs("*"))
    assert not [d for d in template.find_resources("Custom::CDKBucketDeployment").values()
                if d["Properties"]["DestinationBucketKeyPrefix"] == "spark/code/"]  # fmt: skip
