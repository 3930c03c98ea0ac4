"""The Platform stack's own KMS key: notebook and endpoint storage, and the stack's log groups."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# KMS's minimum waiting period: `cdk destroy` schedules the key's deletion, and a sandbox should not
# keep paying for (or listing) a key that nothing uses any more.
PENDING_WINDOW_DAYS = 7


def allow_log_groups(key: kms.Key) -> None:
    """Let CloudWatch Logs encrypt this account's log groups in the key's region with `key`."""
    stack = cdk.Stack.of(key)
    # CloudWatch Logs encrypts a log group with the key only when the key policy lets the service use it,
    # limited here to log groups of this account and region (the encryption context names the group).
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="EncryptLogGroupsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=[
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:DescribeKey",
            ],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )


class PlatformKey(Construct):
    """A customer managed key with rotation on, deleted with the stack, usable by this account's log groups.

    Exposes `key`.
    """

    def __init__(self, scope: Construct, id_: str, *, description: str) -> None:
        super().__init__(scope, id_)
        self.key = kms.Key(
            self,
            "Key",
            description=description,
            enable_key_rotation=True,
            pending_window=cdk.Duration.days(PENDING_WINDOW_DAYS),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        allow_log_groups(self.key)
