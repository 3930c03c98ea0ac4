"""DataLake in a bare stack: the data bucket and its access-log bucket, their defaults and lifecycle settings,
removal by `retain_data`, the acknowledged findings, and adoption of a retained bucket."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template

from stacks.config import load_settings
from stacks.constructs.data_lake import DataLake
from stacks.constructs.nag import AWS_SOLUTIONS, NIST
from tests.conftest import cdk_context
from tests.unit.constructs.conftest import bare_stack


def _lake(retain: bool = False, **settings: Any) -> tuple[DataLake, Template]:
    stack = bare_stack()
    data = load_settings(cdk_context(**{f"data.{key}": value for key, value in settings.items()})).data
    lake = DataLake(stack, "DataLake", settings=data, retain=retain)
    return lake, Template.from_stack(stack)


def _props(lake: DataLake, template: Template, bucket: Any) -> dict[str, Any]:
    logical_id = cdk.Stack.of(lake).get_logical_id(bucket.node.default_child)
    return dict(template.to_json()["Resources"][logical_id]["Properties"])


def _acknowledged(construct: Any) -> set[str]:
    return {rule for e in construct.node.metadata if e.type == "aws:cdk:acknowledged-rules" for rule in e.data}


def test_two_private_encrypted_tls_only_buckets() -> None:
    _, template = _lake()
    template.resource_count_is("AWS::S3::Bucket", 2)
    template.resource_count_is("AWS::S3::BucketPolicy", 2)
    for bucket in template.find_resources("AWS::S3::Bucket").values():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
        assert bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0] == {
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}
        }
    for policy in template.find_resources("AWS::S3::BucketPolicy").values():
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        )


def test_data_bucket_is_versioned_logged_and_expires_old_versions_media_and_query_results() -> None:
    lake, template = _lake()
    props = _props(lake, template, lake.bucket)
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"] == {
        "DestinationBucketName": cdk.Stack.of(lake).resolve(lake.access_logs_bucket.bucket_name),  # type: ignore[union-attr]
        "LogFilePrefix": "data-bucket/",
    }
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rules["ExpireOldVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert rules["ExpireGeneratedMedia"] == {
        "Id": "ExpireGeneratedMedia",
        "Prefix": "generated/",
        "ExpirationInDays": 1,
        "Status": "Enabled",
    }
    assert rules["ExpireAthenaResults"] == {
        "Id": "ExpireAthenaResults",
        "Prefix": "athena-results/",
        "ExpirationInDays": 7,
        "Status": "Enabled",
    }


def test_expiry_days_are_settings() -> None:
    lake, template = _lake(
        noncurrent_version_expiry_days="5", generated_media_expiry_days="2", athena_results_expiry_days="3"
    )
    rules = {rule["Id"]: rule for rule in _props(lake, template, lake.bucket)["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireOldVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 5}
    assert rules["ExpireGeneratedMedia"]["ExpirationInDays"] == 2
    assert rules["ExpireAthenaResults"]["ExpirationInDays"] == 3


def test_access_log_bucket_is_unversioned_unlogged_and_expires_logs_after_90_days() -> None:
    lake, template = _lake()
    props = _props(lake, template, lake.access_logs_bucket)
    assert "VersioningConfiguration" not in props
    assert "LoggingConfiguration" not in props
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireLogs"]["ExpirationInDays"] == 90


def test_buckets_are_destroyed_and_emptied_by_default() -> None:
    _, template = _lake()
    for bucket in template.find_resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Delete"
    template.resource_count_is("Custom::S3AutoDeleteObjects", 2)


def test_retain_keeps_buckets_and_their_objects() -> None:
    _, template = _lake(retain=True)
    for bucket in template.find_resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_findings_are_acknowledged_on_the_bucket_they_concern() -> None:
    lake, _ = _lake()
    logs, data = _acknowledged(lake.access_logs_bucket), _acknowledged(lake.bucket)
    shared = {f"{NIST}::{NIST}-S3BucketReplicationEnabled", f"{NIST}::{NIST}-S3DefaultEncryptionKMS"}
    assert data == shared
    assert logs == shared | {f"{AWS_SOLUTIONS}::{AWS_SOLUTIONS}-S1", f"{NIST}::{NIST}-S3BucketVersioningEnabled"}


def test_an_existing_bucket_is_adopted_with_a_retained_tls_only_policy_and_nothing_else() -> None:
    lake, template = _lake(existing_bucket_name="kept-data")
    assert lake.adopted
    assert lake.access_logs_bucket is None
    assert cdk.Stack.of(lake).resolve(lake.bucket.bucket_name) == "kept-data"
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)
    template.has_resource(
        "AWS::S3::BucketPolicy",
        {
            "DeletionPolicy": "Retain",
            "Properties": {
                "Bucket": "kept-data",
                "PolicyDocument": {
                    "Statement": [
                        Match.object_like(
                            {
                                "Sid": "DenyRequestsWithoutTls",
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                },
            },
        },
    )
