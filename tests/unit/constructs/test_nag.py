"""cdk-nag acknowledgements: one way in (stacks/constructs/nag.py), each naming its pack and rule."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from stacks.constructs.nag import acknowledge_aws_solutions, acknowledge_nist, nag_resource

STACKS = Path(__file__).resolve().parents[3] / "stacks"
NAG_MODULE = STACKS / "constructs" / "nag.py"


def test_no_module_but_nag_py_acknowledges_by_hand() -> None:
    offenders = [
        f"{path.relative_to(STACKS.parent)}:{number}"
        for path in STACKS.rglob("*.py")
        if path != NAG_MODULE
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\.acknowledge\(|Acknowledgment\(|NagSuppressions", line)
    ]
    assert offenders == [], "acknowledge through stacks/constructs/nag.py helpers"


def _synth(pack: type[Any], acknowledged: bool) -> None:
    """A stack with one finding for `pack`: a bucket without access logs (AwsSolutions-S1) or a log group without
    a KMS key (NIST CloudWatchLogGroupEncrypted), acknowledged through the helpers or not."""
    app = cdk.App()
    stack = cdk.Stack(app, "Test")
    if pack is AwsSolutionsChecks:
        bucket = s3.Bucket(stack, "Bucket", enforce_ssl=True)
        if acknowledged:
            acknowledge_aws_solutions(bucket, "S1", "a test bucket")
    else:
        group = logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.ONE_WEEK)
        if acknowledged:
            acknowledge_nist(group, "CloudWatchLogGroupEncrypted", "a test log group")
    cdk.Validations.of(app).add_plugins(pack(app))
    app.synth()


@pytest.mark.parametrize(
    ("pack", "finding"),
    [(AwsSolutionsChecks, "AwsSolutions-S1"), (NIST80053R5Checks, "NIST.800.53.R5-CloudWatchLogGroupEncrypted")],
)
def test_the_helpers_acknowledge_exactly_the_finding_cdk_nag_reports(pack: type[Any], finding: str) -> None:
    with pytest.raises(RuntimeError, match=re.escape(finding)):
        _synth(pack, acknowledged=False)
    _synth(pack, acknowledged=True)  # raises if the helper's id missed the finding


def test_nag_reference_names_same_stack_attributes_like_cdk_nag() -> None:
    stack = cdk.Stack(cdk.App(), "Solo")
    bucket = s3.Bucket(stack, "Bucket")
    logical_id = stack.resolve(bucket.bucket_arn)["Fn::GetAtt"][0]
    assert nag_resource(stack, bucket.bucket_arn, stack) == f"<{logical_id}.Arn>"
