"""Private, encrypted, TLS-only S3 buckets that `cdk destroy` empties and deletes unless data is retained."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct


def removal_policy(retain_data: bool) -> cdk.RemovalPolicy:
    """DESTROY by default so a sandbox leaves nothing behind; RETAIN only with the `retain_data` setting."""
    return cdk.RemovalPolicy.RETAIN if retain_data else cdk.RemovalPolicy.DESTROY


class SecureBucket(Construct):
    """One S3 bucket with the project's non-negotiable defaults. Exposes `bucket`.

    Always: public access blocked, SSE-S3 encryption, TLS-only policy, bucket-owner-enforced ownership,
    aborting incomplete multipart uploads. Versioning, access logs and extra lifecycle rules are props.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        retain: bool,
        versioned: bool = False,
        access_logs_bucket: s3.IBucket | None = None,
        access_logs_prefix: str | None = None,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
    ) -> None:
        super().__init__(scope, id_)
        if access_logs_prefix and access_logs_bucket is None:
            raise ValueError(f"{id_}: access_logs_prefix needs access_logs_bucket")
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            # SSE-S3 rather than KMS: access-log targets cannot use SSE-KMS, and it costs nothing per key.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=versioned,
            server_access_logs_bucket=access_logs_bucket,
            server_access_logs_prefix=access_logs_prefix,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=cdk.Duration.days(1)
                ),
                *lifecycle_rules,
            ],
            removal_policy=removal_policy(retain),
            auto_delete_objects=not retain,
        )
