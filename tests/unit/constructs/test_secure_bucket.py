"""SecureBucket in a bare stack: each non-negotiable default, each override, the refused combination."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from stacks.constructs.secure_bucket import SecureBucket, removal_policy
from tests.unit.constructs.conftest import bare_stack


def _template(**props: Any) -> tuple[SecureBucket, Template]:
    stack = bare_stack()
    bucket = SecureBucket(stack, "Secure", **{"retain": False, **props})
    return bucket, Template.from_stack(stack)


def _bucket_props(template: Template, bucket: SecureBucket) -> dict[str, Any]:
    logical_id = cdk.Stack.of(bucket).get_logical_id(bucket.bucket.node.default_child)  # type: ignore[arg-type]
    return template.to_json()["Resources"][logical_id]["Properties"]


def test_public_access_is_blocked() -> None:
    _, template = _template()
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            }
        },
    )


def test_objects_are_encrypted_with_sse_s3() -> None:
    _, template = _template()
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            }
        },
    )


def test_the_bucket_policy_denies_plain_http() -> None:
    _, template = _template()
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_the_bucket_owner_owns_every_object() -> None:
    _, template = _template()
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
    )


def test_incomplete_uploads_are_aborted_after_a_day() -> None:
    bucket, template = _template()
    rules = _bucket_props(template, bucket)["LifecycleConfiguration"]["Rules"]
    abort = {"Id": "AbortIncompleteUploads", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}
    assert rules == [{**abort, "Status": "Enabled"}]


def test_by_default_unversioned_unlogged_destroyed_and_emptied() -> None:
    bucket, template = _template()
    props = _bucket_props(template, bucket)
    assert "VersioningConfiguration" not in props
    assert "LoggingConfiguration" not in props
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
    template.resource_count_is("Custom::S3AutoDeleteObjects", 1)


def test_retain_keeps_the_bucket_and_its_objects() -> None:
    _, template = _template(retain=True)
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


@pytest.mark.parametrize(("retain", "policy"), [(False, cdk.RemovalPolicy.DESTROY), (True, cdk.RemovalPolicy.RETAIN)])
def test_removal_policy_follows_retain_data(retain: bool, policy: cdk.RemovalPolicy) -> None:
    assert removal_policy(retain) == policy


def test_versioned_is_an_override() -> None:
    bucket, template = _template(versioned=True)
    assert _bucket_props(template, bucket)["VersioningConfiguration"] == {"Status": "Enabled"}


def test_access_logs_go_to_the_given_bucket_under_the_prefix() -> None:
    stack = bare_stack()
    logs = s3.Bucket(stack, "Logs")
    bucket = SecureBucket(stack, "Secure", retain=False, access_logs_bucket=logs, access_logs_prefix="data/")
    template = Template.from_stack(stack)
    logging = _bucket_props(template, bucket)["LoggingConfiguration"]
    assert logging == {"DestinationBucketName": stack.resolve(logs.bucket_name), "LogFilePrefix": "data/"}


def test_extra_lifecycle_rules_follow_the_abort_rule() -> None:
    rule = s3.LifecycleRule(id="ExpireScratch", prefix="scratch/", expiration=cdk.Duration.days(3))
    bucket, template = _template(lifecycle_rules=[rule])
    rules = _bucket_props(template, bucket)["LifecycleConfiguration"]["Rules"]
    assert [r["Id"] for r in rules] == ["AbortIncompleteUploads", "ExpireScratch"]
    assert rules[1] == {"Id": "ExpireScratch", "Prefix": "scratch/", "ExpirationInDays": 3, "Status": "Enabled"}


def test_a_log_prefix_without_a_log_bucket_is_refused() -> None:
    with pytest.raises(ValueError, match="Secure: access_logs_prefix needs access_logs_bucket"):
        _template(access_logs_prefix="data/")
