"""PublicDatasets in a bare stack: the read policy's exact grants, the Glue tables over GHCN-D, the Athena
workgroup's enforced limits, the named queries, the name prefix, and grant_query's scope."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from stacks.config import DEFAULT_PUBLIC_DATASETS, PublicDataset
from stacks.constructs.public_datasets import NAMED_QUERIES, PublicDatasets
from tests.unit.constructs.conftest import bare_stack, statements_of


def _datasets(
    datasets: tuple[PublicDataset, ...] = DEFAULT_PUBLIC_DATASETS,
    name_prefix: str = "mlstack",
    cutoff_mb: int = 1024,
    analyst: bool = False,
) -> tuple[PublicDatasets, Template]:
    """The construct in a bare stack; with `analyst`, a role "Analyst" of the stack is granted queries."""
    stack = bare_stack()
    construct = PublicDatasets(
        stack,
        "PublicDatasets",
        datasets=datasets,
        results_bucket=s3.Bucket(stack, "Results"),
        name_prefix=name_prefix,
        bytes_scanned_cutoff_mb=cutoff_mb,
    )
    if analyst:
        construct.grant_query(iam.Role(stack, "Analyst", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com")))
    return construct, Template.from_stack(stack)


@pytest.fixture(scope="module")
def default() -> tuple[PublicDatasets, Template]:
    return _datasets()


def _arn(path: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{path}"]]}


def test_read_policy_grants_exactly_the_public_dataset_buckets(default: tuple[PublicDatasets, Template]) -> None:
    [policy] = default[1].find_resources("AWS::IAM::ManagedPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    resources = [s["Resource"] for s in statements]
    buckets = {dataset.bucket for dataset in DEFAULT_PUBLIC_DATASETS}
    assert buckets == {"noaa-ghcn-pds", "fast-ai-imageclas", "fast-ai-nlp"}
    for bucket in buckets:
        assert _arn(bucket) in resources
        assert _arn(f"{bucket}/*") in resources
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}


def test_a_dataset_prefix_narrows_the_grant_and_without_ghcn_there_are_no_tables_or_queries() -> None:
    sub = PublicDataset(id="sub", bucket="open-bucket", region="us-east-1", prefix="2024/", format="csv")
    _, template = _datasets((sub,))
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Action": "s3:ListBucket", "Condition": {"StringLike": {"s3:prefix": ["2024/*"]}}}
                        ),
                        Match.object_like({"Action": "s3:GetObject", "Resource": _arn("open-bucket/2024/*")}),
                    ]
                )
            }
        },
    )
    # The GHCN tables, and the example queries over them, only exist when that dataset is linked.
    template.resource_count_is("AWS::Glue::Table", 0)
    template.resource_count_is("AWS::Athena::NamedQuery", 0)
    template.resource_count_is("AWS::Glue::Database", 1)


def test_glue_parquet_table_uses_partition_projection(default: tuple[PublicDatasets, Template]) -> None:
    template = default[1]
    template.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": {"Name": "mlstack_datasets"}})
    template.has_resource_properties(
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


def test_glue_csv_table_reads_ghcn_csv_by_year(default: tuple[PublicDatasets, Template]) -> None:
    default[1].has_resource_properties(
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


def test_athena_workgroup_enforces_engine_v3_cap_and_encrypted_results(
    default: tuple[PublicDatasets, Template],
) -> None:
    default[1].has_resource_properties(
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


def test_the_bytes_scanned_cap_and_the_name_prefix_are_props() -> None:
    _, template = _datasets(name_prefix="team-b", cutoff_mb=100)
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": "team-b-analytics",
            "WorkGroupConfiguration": Match.object_like({"BytesScannedCutoffPerQuery": 100 * 1024 * 1024}),
        },
    )
    template.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": {"Name": "team_b_datasets"}})


def test_named_queries_target_the_workgroup_and_database(default: tuple[PublicDatasets, Template]) -> None:
    template = default[1]
    queries = template.find_resources("AWS::Athena::NamedQuery")
    assert len(queries) == len(NAMED_QUERIES) == 3
    [workgroup_id] = template.find_resources("AWS::Athena::WorkGroup")
    for query in queries.values():
        assert query["Properties"]["Database"] == "mlstack_datasets"
        assert query["Properties"]["WorkGroup"] == {"Ref": workgroup_id}
        assert "mlstack_datasets." in query["Properties"]["QueryString"]


def test_grant_query_scopes_athena_to_the_workgroup_glue_to_the_database_and_s3_to_the_results() -> None:
    datasets, template = _datasets(analyst=True)
    stack = cdk.Stack.of(datasets)
    role = stack.node.find_child("Analyst")
    results = stack.node.find_child("Results")
    statements = list(statements_of(template, role).values())  # type: ignore[arg-type]
    rendered = [(s["Action"], json.dumps(s["Resource"])) for s in statements]
    [athena] = [r for a, r in rendered if any(x.startswith("athena:") for x in a)]
    assert ":workgroup/" in athena and "PublicDatasetsWorkGroup" in athena
    [glue] = [r for a, r in rendered if any(x.startswith("glue:") for x in a)]
    assert ":catalog" in glue and ":database/mlstack_datasets" in glue and ":table/mlstack_datasets/*" in glue
    s3_resources = " ".join(r for a, r in rendered if any(x.startswith("s3:") for x in a))
    assert "/athena-results/*" in s3_resources
    results_id = stack.get_logical_id(results.node.default_child)  # type: ignore[arg-type]
    assert results_id in s3_resources
    assert all(r != '"*"' for _, r in rendered)  # nothing on every resource


def test_the_construct_exposes_what_other_stacks_read(default: tuple[PublicDatasets, Template]) -> None:
    construct, _ = default
    assert construct.database_name == "mlstack_datasets"
    assert construct.table_names == ["ghcn_daily", "ghcn_daily_csv"]
    assert cdk.Token.is_unresolved(construct.workgroup.ref)
    assert construct.datasets == DEFAULT_PUBLIC_DATASETS
