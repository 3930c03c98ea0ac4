"""The project's private data bucket and the bucket that receives its server access logs."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import DataSettings
from stacks.constructs.secure_bucket import SecureBucket

# Key prefixes inside the data bucket that other layers rely on.
ATHENA_RESULTS_PREFIX = "athena-results/"
# Media the bot generates for a reply (speech MP3s); expires after `data.generated_media_expiry_days`.
GENERATED_MEDIA_PREFIX = "generated/"


class DataLake(Construct):
    """Data bucket (versioned, access-logged, lifecycle-managed) plus its log bucket.

    Exposes `bucket` and `access_logs_bucket`.
    """

    def __init__(self, scope: Construct, id_: str, *, settings: DataSettings, retain: bool) -> None:
        super().__init__(scope, id_)
        logs = SecureBucket(
            self,
            "AccessLogs",
            retain=retain,
            lifecycle_rules=[s3.LifecycleRule(id="ExpireLogs", expiration=cdk.Duration.days(90))],
        )
        self.access_logs_bucket = logs.bucket
        cdk.Validations.of(logs.bucket).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-S1",
                reason="This bucket is the server access log target; logging it to itself would loop.",
            )
        )
        logs.bucket.node.default_child.add_metadata(  # type: ignore[union-attr]
            "checkov",
            {
                "skip": [
                    {"id": "CKV_AWS_18", "comment": "Access log target bucket; logging it to itself would loop."},
                    {"id": "CKV_AWS_21", "comment": "Access logs are written once and expire; versions add cost only."},
                ]
            },
        )

        data = SecureBucket(
            self,
            "Data",
            retain=retain,
            versioned=True,
            access_logs_bucket=logs.bucket,
            access_logs_prefix="data-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireOldVersions",
                    noncurrent_version_expiration=cdk.Duration.days(settings.noncurrent_version_expiry_days),
                ),
                s3.LifecycleRule(
                    id="ExpireGeneratedMedia",
                    prefix=GENERATED_MEDIA_PREFIX,
                    expiration=cdk.Duration.days(settings.generated_media_expiry_days),
                ),
                s3.LifecycleRule(
                    id="ExpireAthenaResults",
                    prefix=ATHENA_RESULTS_PREFIX,
                    expiration=cdk.Duration.days(settings.athena_results_expiry_days),
                ),
            ],
        )
        self.bucket = data.bucket
