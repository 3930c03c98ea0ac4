"""Bare stacks for construct tests: one construct at a time, no app synth, no nag unless a test adds it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from tests.conftest import CDK_JSON

# cdk.json's feature flags, so constructs render as they do in the app (literal partitions, sorted actions).
FEATURE_FLAGS = {key: value for key, value in CDK_JSON["context"].items() if key.startswith("@aws-cdk")}


def bare_stack(region: str = "us-east-1") -> cdk.Stack:
    """A stack in `region` of a fresh app with cdk.json's feature flags, account-agnostic like a synth without
    credentials."""
    return cdk.Stack(cdk.App(context=FEATURE_FLAGS), "Test", env=cdk.Environment(region=region))


def statements_of(template: Template, role: iam.Role) -> dict[str, dict[str, Any]]:
    """The statements by Sid of `role`'s default policy, action lists sorted (a bare app has none of cdk.json's
    feature flags, so CDK keeps them in the order given)."""
    stack = cdk.Stack.of(role)
    policy_id = stack.get_logical_id(role.node.find_child("DefaultPolicy").node.default_child)  # type: ignore[arg-type]
    policy = template.to_json()["Resources"][policy_id]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    for statement in statements:
        if isinstance(statement["Action"], list):
            statement["Action"] = sorted(statement["Action"])
    return {s.get("Sid", f"#{i}"): s for i, s in enumerate(statements)}


def endpoint_alarms(template: Template, endpoint_name: str) -> dict[str, dict[str, Any]]:
    """The properties of a SageMaker endpoint's alarms by metric name, after checking what every endpoint alarm
    here shares: the AWS/SageMaker metric of the endpoint's one variant, summed over 5 minutes, alarming from the
    first error, and quiet while the endpoint is idle (an idle endpoint publishes nothing)."""
    alarms = [a["Properties"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()]
    for props in alarms:
        assert props["Namespace"] == "AWS/SageMaker"
        assert props["Dimensions"] == [
            {"Name": "EndpointName", "Value": endpoint_name},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ]
        assert (props["Statistic"], props["Period"], props["EvaluationPeriods"]) == ("Sum", 300, 1)
        assert (props["Threshold"], props["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
        assert props["TreatMissingData"] == "notBreaching"
    return {props["MetricName"]: props for props in alarms}
