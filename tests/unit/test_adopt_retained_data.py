"""Adopting the data bucket and results table that a `retain_data=true` destroy kept, instead of new empty ones."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.conftest import synth_app, template_of

BUCKET = "mlstack-data-datalakedatabucket1a2b3c4d-0123456789ab"
TABLE = "Mlstack-ApiServices-ResultsTable1A2B3C4D-0123456789AB"


@pytest.fixture(scope="module")
def adopted() -> Any:
    # synth_app runs cdk-nag: reaching the fixture means every finding on the adopted resources is handled.
    return synth_app(**{"data.existing_bucket_name": BUCKET, "api_services.existing_results_table_name": TABLE})


def test_no_new_data_bucket_or_log_bucket_is_created(adopted: Any) -> None:
    data = template_of(adopted, "Data")
    data.resource_count_is("AWS::S3::Bucket", 0)
    # Nothing empties or deletes the adopted bucket on destroy.
    assert not data.find_resources("Custom::S3AutoDeleteObjects")


def test_adopted_bucket_gets_the_tls_only_policy_and_keeps_it_after_destroy(adopted: Any) -> None:
    data = template_of(adopted, "Data")
    [policy] = data.find_resources("AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == BUCKET
    assert policy["DeletionPolicy"] == "Retain"
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == {"AWS": "*"}
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]


def test_the_same_tls_statement_as_the_buckets_the_app_creates(default_assembly: Any, adopted: Any) -> None:
    created = template_of(default_assembly, "Data").find_resources("AWS::S3::BucketPolicy")
    created_statements = [s for p in created.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    tls = [s for s in created_statements if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    [adopted_policy] = template_of(adopted, "Data").find_resources("AWS::S3::BucketPolicy").values()
    [statement] = adopted_policy["Properties"]["PolicyDocument"]["Statement"]
    assert tls and all(
        (s["Effect"], s["Action"], s["Principal"]) == (statement["Effect"], statement["Action"], statement["Principal"])
        for s in tls
    )


def test_outputs_name_the_adopted_bucket_and_table(adopted: Any) -> None:
    data = template_of(adopted, "Data")
    assert data.find_outputs("DataBucketName")["DataBucketName"]["Value"] == BUCKET
    assert "AccessLogsBucketName" not in data.find_outputs("*")
    api = template_of(adopted, "ApiServices")
    assert api.find_outputs("ResultsTableName")["ResultsTableName"]["Value"] == TABLE


def test_the_other_layers_use_the_adopted_bucket(adopted: Any) -> None:
    for layer in ("Platform", "Frameworks", "ApiServices"):
        text = json.dumps(template_of(adopted, layer).to_json())
        assert f":s3:::{BUCKET}" in text, layer
        assert "DataLakeData" not in text, layer  # no reference to a bucket the Data stack would create


def test_no_new_results_table_and_the_function_writes_to_the_adopted_one(adopted: Any) -> None:
    api = template_of(adopted, "ApiServices")
    api.resource_count_is("AWS::DynamoDB::Table", 0)
    [function] = api.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Environment": {"Variables": {"RESULTS_TABLE": TABLE}}}}
    ).values()
    assert function
    policies = json.dumps(api.find_resources("AWS::IAM::Policy"))
    assert f":table/{TABLE}" in policies


def test_default_stacks_output_the_names_to_adopt_later(default_assembly: Any) -> None:
    assert "DataBucketName" in template_of(default_assembly, "Data").find_outputs("*")
    api = Template.from_json(default_assembly.get_stack_by_name("Mlstack-ApiServices").template)
    assert "ResultsTableName" in api.find_outputs("*")
