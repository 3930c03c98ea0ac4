"""The Platform stack's nag acknowledgements: each one must match a finding (with the defaults and with the VPC
notebook and an instance-backed endpoint), so that a stale one never hides the next real finding with its id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.conftest import cdk_context


def _acknowledgements(app: Any, stack_name: str) -> set[tuple[str, str]]:
    import aws_cdk as cdk

    found = set()
    for construct in app.node.find_child(stack_name).node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                # Only ours: CDK itself acknowledges some CloudFormation-Validate rules (e.g. on the VPC).
                found |= {(construct.node.path, rule) for rule in entry.data if rule.startswith("AwsSolutions::")}
    return found


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"platform.notebook_network": "vpc", "platform.endpoint_instance_type": "ml.m5.large"},
        {"platform.forecast_model_data_url": "s3://mlstack-data-bucket/models/forecast-1/output/model.tar.gz"},
    ],
    ids=["defaults", "vpc-instance", "forecast"],
)
def test_every_platform_nag_acknowledgement_matches_a_finding(overrides: dict) -> None:
    """A stale acknowledgement would hide the next real finding with that id: each one must be in use."""
    from app import create_app

    app, _ = create_app(cdk_context(layers="data,platform", **overrides))
    assembly = app.synth()  # raises on any unacknowledged finding
    report = json.loads((Path(assembly.directory) / "validation-report.json").read_text())
    used = {
        (suppressed["acknowledgedAt"], suppressed["acknowledgedId"])
        for plugin in report["pluginReports"]
        for suppressed in plugin["suppressedViolations"]
    }
    assert _acknowledgements(app, "Mlstack-Platform") - used == set()
    # platform.notebook_network reaches the notebook (NotebookInstance's own tests cover what vpc builds).
    template = Template.from_json(assembly.get_stack_by_name("Mlstack-Platform").template)
    [notebook] = template.find_resources("AWS::SageMaker::NotebookInstance").values()
    expected = "Disabled" if overrides.get("platform.notebook_network") == "vpc" else "Enabled"
    assert notebook["Properties"]["DirectInternetAccess"] == expected
