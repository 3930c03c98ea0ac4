"""Copies the sample notebooks from notebooks/ (and a settings file they read) into the data bucket."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import acknowledge_bucket_deployment

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
# The samples read their bucket, workgroup, endpoint and tag from this file next to them.
SETTINGS_FILE = "mlstack.json"


class SampleNotebooks(Construct):
    """A BucketDeployment of notebooks/ under `key_prefix` in the bucket. Exposes `deployment`, `notebook_settings`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket: s3.IBucket,
        key_prefix: str,
        notebook_settings: Mapping[str, Any],
        log_key: kms.IKey,
    ) -> None:
        super().__init__(scope, id_)
        self.notebook_settings = dict(notebook_settings)
        # The deployment's Lambda would otherwise create /aws/lambda/<name>, which outlives the stack.
        log_group = destroyable_log_group(self, "Logs", retention_days=7, encryption_key=log_key)
        self.deployment = s3_deployment.BucketDeployment(
            self,
            "Deployment",
            destination_bucket=bucket,
            destination_key_prefix=key_prefix,
            sources=[
                s3_deployment.Source.asset(str(NOTEBOOKS_DIR), exclude=[".ipynb_checkpoints"]),
                s3_deployment.Source.json_data(SETTINGS_FILE, self.notebook_settings),
            ],
            # Deleting the stack removes the samples it put there (the bucket itself may be retained).
            retain_on_delete=False,
            log_group=log_group,
        )
        acknowledge_bucket_deployment(self.deployment, bucket, what="the samples")
