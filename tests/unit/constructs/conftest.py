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
