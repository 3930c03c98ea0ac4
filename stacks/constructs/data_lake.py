"""The project's private data bucket and the bucket that receives its server access logs."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import DataSettings
from stacks.constructs.nag import acknowledge_aws_solutions, acknowledge_nist
from stacks.constructs.secure_bucket import SecureBucket

# Key prefixes inside the data bucket that other layers rely on.
ATHENA_RESULTS_PREFIX = "athena-results/"
# Media the bot generates for a reply (speech MP3s); expires after `data.generated_media_expiry_days`.
GENERATED_MEDIA_PREFIX = "generated/"


def tls_only_statement(bucket: s3.IBucket) -> iam.PolicyStatement:
    """The statement `enforce_ssl` gives the buckets this app creates: no request over plain HTTP."""
    return iam.PolicyStatement(
        sid="DenyRequestsWithoutTls",
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=["s3:*"],
        resources=[bucket.bucket_arn, bucket.arn_for_objects("*")],
        conditions={"Bool": {"aws:SecureTransport": "false"}},
    )


class DataLake(Construct):
    """Data bucket (versioned, access-logged, lifecycle-managed) plus its log bucket, or an adopted data bucket.

    Exposes `bucket`, `access_logs_bucket` (None when adopting) and `adopted` (whether the bucket is imported).
    """

    def __init__(self, scope: Construct, id_: str, *, settings: DataSettings, retain: bool) -> None:
        super().__init__(scope, id_)
        self.adopted = settings.existing_bucket_name is not None
        if settings.existing_bucket_name is not None:
            self._adopt(settings.existing_bucket_name)
            return
        logs = SecureBucket(
            self,
            "AccessLogs",
            retain=retain,
            lifecycle_rules=[s3.LifecycleRule(id="ExpireLogs", expiration=cdk.Duration.days(90))],
        )
        self.access_logs_bucket: s3.IBucket | None = logs.bucket
        acknowledge_aws_solutions(
            logs.bucket, "S1", "This bucket is the server access log target; logging it to itself would loop."
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
        self.bucket: s3.IBucket = data.bucket
        for bucket in (logs.bucket, data.bucket):
            acknowledge_nist(
                bucket,
                "S3BucketReplicationEnabled",
                "A sandbox's buckets hold working copies and logs: replicating them would double storage cost "
                "for data the user keeps (retain_data) or deliberately deletes with the stack.",
            )
            acknowledge_nist(
                bucket,
                "S3DefaultEncryptionKMS",
                "SSE-S3 encrypts every object at rest at no cost; the access-log target cannot use SSE-KMS, and a "
                "KMS key would cost $1 a month idle plus a request charge on every object read and written.",
            )
        acknowledge_nist(
            logs.bucket,
            "S3BucketVersioningEnabled",
            "Server access logs are written once by S3 and expire after 90 days; versions would only add cost.",
        )

    def _adopt(self, name: str) -> None:
        """Use a bucket kept by an earlier `retain_data` destroy. CloudFormation cannot change an imported bucket's
        own properties (encryption, versioning, lifecycle, logging, public access block): those stay as the bucket
        has them, and `make smoke` can verify them. What a separate resource can carry is enforced: the TLS-only
        policy. AWS::S3::BucketPolicy replaces the bucket's whole policy, which for a bucket this app retained is
        exactly this statement; the policy is retained on destroy so the bucket stays TLS-only afterwards.
        """
        self.bucket = s3.Bucket.from_bucket_name(self, "Adopted", name)
        # The retained bucket keeps logging to the retained log bucket (logging is a bucket property): no new one.
        self.access_logs_bucket = None
        policy = s3.BucketPolicy(self, "AdoptedTlsOnly", bucket=self.bucket, removal_policy=cdk.RemovalPolicy.RETAIN)
        policy.document.add_statements(tls_only_statement(self.bucket))
