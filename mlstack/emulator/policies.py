"""Bucket policy conditions: moto enforces a Deny statement with its Condition ignored.

A policy's `Bool`/`StringEquals` conditions on the request context are evaluated here, so a TLS-only bucket
policy lets the emulator's (HTTPS-standing) requests through and still denies plain HTTP when a test says so.
"""

from __future__ import annotations

import json
from typing import Any

# The emulator stands in for AWS's HTTPS endpoints; the CLI talks plain HTTP to localhost only because there
# is no certificate. Bucket policies therefore see `aws:SecureTransport` as true (tests flip it to prove a
# TLS-only policy still denies plain HTTP).
REQUEST_CONTEXT: dict[str, str] = {"aws:SecureTransport": "true"}


def evaluate_condition(condition: dict[str, Any], context: dict[str, str]) -> bool | None:
    """True/False for a policy Condition block over `context`; None when it uses anything else."""
    for operator, tests in condition.items():
        if operator not in ("Bool", "StringEquals"):
            return None
        for key, expected in tests.items():
            if key not in context:
                return None
            values = expected if isinstance(expected, list) else [expected]
            actual = context[key]
            if operator == "Bool":
                if actual.lower() not in [str(v).lower() for v in values]:
                    return False
            elif actual not in [str(v) for v in values]:
                return False
    return True


def install_bucket_policy_conditions() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    # moto 5.2.5 FakeBucket.get_permission evaluates Deny statements but not their Condition (it only knows
    # StringEquals and treats an unmet condition as a Deny), so the bootstrap bucket's TLS-only policy
    # denied every asset upload. Statements whose condition does not hold are dropped before moto's check.
    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy.decode())
        statements = policy.get("Statement", [])
        kept = []
        for statement in statements if isinstance(statements, list) else [statements]:
            condition = statement.get("Condition")
            if condition:
                holds = evaluate_condition(condition, REQUEST_CONTEXT)
                if holds is False:
                    continue
                kept.append({k: v for k, v in statement.items() if k != "Condition"})
            else:
                kept.append(statement)
        return IAMPolicy(json.dumps({**policy, "Statement": kept})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
