"""S3 bucket policies applied from templates (with the bucket properties moto drops)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import (
    TLS_ONLY_POLICY,
    delete,
    deploy,
    outputs_of,
    template,
)


def test_bucket_policy_and_public_access_block_are_applied(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Bucket": {
                    "Type": "AWS::S3::Bucket",
                    "Properties": {
                        "PublicAccessBlockConfiguration": {
                            "BlockPublicAcls": True,
                            "BlockPublicPolicy": True,
                            "IgnorePublicAcls": True,
                            "RestrictPublicBuckets": True,
                        },
                        "VersioningConfiguration": {"Status": "Enabled"},
                    },
                },
                "Policy": {
                    "Type": "AWS::S3::BucketPolicy",
                    "Properties": {
                        "Bucket": {"Ref": "Bucket"},
                        "PolicyDocument": json.loads(json.dumps(TLS_ONLY_POLICY).replace("{bucket}", "tls-bucket")),
                    },
                },
            },
            {"Bucket": {"Ref": "Bucket"}},
        ),
    )
    s3 = aws("s3")
    bucket = outputs_of(stack)["Bucket"]
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Effect"] == "Deny"
    delete(aws, stack)
