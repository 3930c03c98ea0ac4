"""The Platform stack's own KMS key: notebook storage volume and instance-backed endpoint storage."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from constructs import Construct

# KMS's minimum waiting period: `cdk destroy` schedules the key's deletion, and a sandbox should not
# keep paying for (or listing) a key that nothing uses any more.
PENDING_WINDOW_DAYS = 7


class PlatformKey(Construct):
    """A customer managed key with rotation on, deleted with the stack. Exposes `key`."""

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
