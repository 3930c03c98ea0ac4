"""DynamoDB global tables (CDK's TableV2) with TTL and point-in-time recovery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import (
    delete,
    deploy,
    outputs_of,
    template,
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
