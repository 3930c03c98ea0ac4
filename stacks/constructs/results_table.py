"""The DynamoDB table where the bot's fulfillment records each request and its result."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from stacks.constructs.nag import acknowledge_nist
from stacks.constructs.secure_bucket import removal_policy

PARTITION_KEY = "session_id"
SORT_KEY = "created_at"
TTL_ATTRIBUTE = "expires_at"  # epoch seconds; DynamoDB deletes the item some time after it passes


class ResultsTable(Construct):
    """On-demand table keyed by session and time, with PITR, TTL and encryption at rest, or an adopted one.

    Exposes `table` and `adopted`.
    """

    def __init__(self, scope: Construct, id_: str, *, retain: bool, existing_table_name: str | None = None) -> None:
        super().__init__(scope, id_)
        self.adopted = existing_table_name is not None
        self.table: dynamodb.ITable
        if existing_table_name is not None:
            # A table kept by an earlier `retain_data` destroy. CloudFormation cannot change an imported table's
            # key schema, TTL, PITR or encryption: they stay as the table has them (this app created them so).
            self.table = dynamodb.Table.from_table_name(self, "Adopted", existing_table_name)
            return
        table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            time_to_live_attribute=TTL_ATTRIBUTE,
            # On demand: no charge while nobody chats, no capacity to tune.
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # AWS managed key: encrypted at rest and its use audited in CloudTrail, without the monthly
            # cost of a customer managed key.
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=removal_policy(retain),
        )
        self.table = table
        acknowledge_nist(
            table,
            "DynamoDBInBackupPlan",
            "Point-in-time recovery is on (continuous backups, restore to any second of the last 35 days); an AWS "
            "Backup plan would add a vault that outlives cdk destroy, for request records that expire by TTL.",
        )
        table.node.default_child.add_metadata(  # type: ignore[union-attr]
            "checkov",
            {
                "skip": [
                    {
                        "id": "CKV_AWS_119",
                        "comment": "Encrypted with the AWS managed key (aws/dynamodb); a customer managed key "
                        "would cost $1 a month idle for request logs that expire by TTL.",
                    }
                ]
            },
        )
