"""Extra cdk-nag rule packs (`-c compliance_packs=nist-800-53-r5`): zero unacknowledged findings, whatever is on.

AwsSolutions runs on every synth (tests/unit/test_app.py); these synths add NIST 800-53 rev 5 beside it.
`synth_app` raises on any unacknowledged finding of either pack, so reaching the assertions means both passed.
"""

from __future__ import annotations

import re

import pytest
from aws_cdk import aws_logs as logs

from tests.conftest import cdk_context, synth_app

NIST = {"compliance_packs": "nist-800-53-r5"}
# Every optional resource the app can create: alerts, the spending stop, an instance-backed endpoint serving a
# trained model, the notebook's VPC, a private GPU subnet with endpoints, spot.
EVERYTHING_ON = {
    **NIST,
    "budget_email": "ana@example.com",
    "budget_stop_percent": "100",
    "platform.endpoint_instance_type": "ml.m5.large",
    "platform.model_data_url": "s3://mlstack-data-bucket/models/mlstack-train-1/output/model.tar.gz",
    "platform.notebook_network": "vpc",
    "frameworks.network": "private-endpoints",
    "frameworks.spot": "true",
}


@pytest.mark.parametrize("overrides", [NIST, EVERYTHING_ON], ids=["defaults", "everything-on"])
def test_the_app_passes_nist_800_53_r5_with_every_finding_fixed_or_acknowledged(overrides: dict[str, str]) -> None:
    assembly = synth_app(**overrides)
    assert sorted(stack.stack_name for stack in assembly.stacks) == [
        "Mlstack-ApiServices",
        "Mlstack-Data",
        "Mlstack-Frameworks",
        "Mlstack-Platform",
    ]


def test_an_unacknowledged_nist_finding_fails_synth() -> None:
    """The pack is enforced, not advisory: a log group without a key passes AwsSolutions but not NIST AU-9."""
    from app import create_app

    app, _ = create_app(cdk_context(layers="data", **NIST))
    stack = app.node.find_child("Mlstack-Data")
    logs.LogGroup(stack, "Careless", retention=logs.RetentionDays.ONE_WEEK)
    with pytest.raises(RuntimeError, match=re.escape("NIST.800.53.R5-CloudWatchLogGroupEncrypted")):
        app.synth()
