"""AWS::DynamoDB::GlobalTable (CDK's TableV2): moto has no model for it; TTL and PITR options applied alike."""

from __future__ import annotations

import uuid
from typing import Any

from mlstack.emulator.resources.base import EmulatedResource, short_id


def apply_table_options(account_id: str, region: str, name: str, ttl: Any, pitr: Any) -> None:
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[account_id][region]
    if ttl:
        backend.update_time_to_live(name, ttl)
    if pitr:
        enabled = str(pitr.get("PointInTimeRecoveryEnabled", False)).lower() == "true"
        backend.update_continuous_backups(name, {"PointInTimeRecoveryEnabled": enabled})


class DynamoDBGlobalTable(EmulatedResource):
    """AWS::DynamoDB::GlobalTable (CDK's TableV2): the replica of this region, as a moto table."""

    CFN_TYPE = "AWS::DynamoDB::GlobalTable"
    ATTRIBUTES = ("Arn", "StreamArn", "TableId")

    def _backend(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self.account_id][self.region]

    def create(self) -> None:
        p = self.properties
        self.name = p.get("TableName") or f"{self.logical_id}-{short_id(12)}"
        replica: dict[str, Any] = next((r for r in p.get("Replicas", []) if r.get("Region") in (None, self.region)), {})
        sse = p.get("SSESpecification")
        table = self._backend().create_table(
            name=self.name,
            schema=p["KeySchema"],
            throughput=None,
            attr=p.get("AttributeDefinitions", []),
            global_indexes=p.get("GlobalSecondaryIndexes", []),
            indexes=p.get("LocalSecondaryIndexes", []),
            streams=p.get("StreamSpecification"),
            billing_mode=p.get("BillingMode", "PAY_PER_REQUEST"),
            sse_specification={"Enabled": sse.get("SSEEnabled"), "SSEType": sse.get("SSEType")} if sse else None,
            tags=replica.get("Tags", []),
            deletion_protection_enabled=replica.get("DeletionProtectionEnabled", False),
            warm_throughput=None,
        )
        apply_table_options(
            self.account_id,
            self.region,
            self.name,
            p.get("TimeToLiveSpecification"),
            replica.get("PointInTimeRecoverySpecification"),
        )
        self.attributes = {"Arn": table.table_arn, "TableId": str(uuid.uuid4())}
        if p.get("StreamSpecification"):
            self.attributes["StreamArn"] = table.describe()["TableDescription"]["LatestStreamArn"]

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_table(self.name)
