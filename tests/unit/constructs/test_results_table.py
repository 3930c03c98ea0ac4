"""ResultsTable in a bare stack: key schema, TTL, on-demand billing, PITR, encryption at rest, removal by setting,
the acknowledged findings, and adoption of a retained table."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from stacks.constructs.nag import NIST
from stacks.constructs.results_table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, ResultsTable
from tests.unit.constructs.conftest import bare_stack


def _table(**props: Any) -> tuple[ResultsTable, Template]:
    stack = bare_stack()
    results = ResultsTable(stack, "Results", **{"retain": False, **props})
    return results, Template.from_stack(stack)


def test_requests_are_keyed_by_session_and_time() -> None:
    _, template = _table()
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
                {"AttributeName": SORT_KEY, "AttributeType": "S"},
            ],
        },
    )


def test_records_expire_by_ttl() -> None:
    _, template = _table()
    template.has_resource_properties(
        "AWS::DynamoDB::Table", {"TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}}
    )


def test_billing_is_on_demand_so_idle_costs_nothing() -> None:
    _, template = _table()
    template.has_resource_properties("AWS::DynamoDB::Table", {"BillingMode": "PAY_PER_REQUEST"})
    [table] = template.find_resources("AWS::DynamoDB::Table").values()
    assert "ProvisionedThroughput" not in table["Properties"]


def test_point_in_time_recovery_is_on() -> None:
    _, template = _table()
    template.has_resource_properties(
        "AWS::DynamoDB::Table", {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}
    )


def test_encrypted_at_rest_with_the_aws_managed_key() -> None:
    _, template = _table()
    [table] = template.find_resources("AWS::DynamoDB::Table").values()
    assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}  # no KMSMasterKeyId: aws/dynamodb


def test_destroyed_by_default_and_retained_with_retain_data() -> None:
    _, template = _table()
    template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
    _, retained = _table(retain=True)
    retained.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_the_backup_plan_and_customer_key_findings_are_acknowledged_on_the_table_only() -> None:
    results, template = _table()
    acknowledged: dict[str, str] = {}
    for entry in results.table.node.metadata:
        if entry.type == "aws:cdk:acknowledged-rules":
            acknowledged.update(entry.data)
    assert list(acknowledged) == [f"{NIST}::{NIST}-DynamoDBInBackupPlan"]
    assert "Point-in-time recovery is on" in acknowledged[f"{NIST}::{NIST}-DynamoDBInBackupPlan"]
    [table] = template.find_resources("AWS::DynamoDB::Table").values()
    assert [skip["id"] for skip in table["Metadata"]["checkov"]["skip"]] == ["CKV_AWS_119"]


def test_an_existing_table_is_adopted_without_creating_one() -> None:
    results, template = _table(existing_table_name="kept-results")
    assert results.adopted
    template.resource_count_is("AWS::DynamoDB::Table", 0)
    assert results.table.stack.resolve(results.table.table_name) == "kept-results"


def test_a_new_table_is_not_adopted() -> None:
    results, _ = _table()
    assert not results.adopted
