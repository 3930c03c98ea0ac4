"""Pulling AWS Deep Learning Container images: the one grant the endpoint, training and notebook roles share."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from stacks import deep_learning_containers as dlc
from stacks.constructs.nag import acknowledge_aws_solutions

PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
LOGIN_REASON = (
    "ecr:GetAuthorizationToken supports no resource-level permissions: it only returns a registry login; the "
    "pulls themselves are limited to the named Deep Learning Container repositories."
)


def grant_dlc_pull(role: iam.Role, repositories: Sequence[str], *, sid: str, other_wildcards: str = "") -> list[str]:
    """Let `role` pull `repositories` from AWS's Deep Learning Container registry of its stack's region.

    Repositories AWS does not publish in that region are left out (there is nothing to pull); with none left,
    nothing is granted. The `*` of the registry login is acknowledged on `role` (cdk-nag reports one
    `IAM5[Resource::*]` finding per role): `other_wildcards` is the reason of any other `*` statement the caller
    gives the same role, acknowledged with it (or alone when nothing is pulled). Returns the granted ARNs.
    """
    region = cdk.Stack.of(role).region
    if cdk.Token.is_unresolved(region):
        raise ValueError("Deep Learning Container pulls need a stack with a concrete region (env=...)")
    arns = [dlc.repository_arn(r, region) for r in repositories if dlc.available(r, region)]
    if arns:
        role.add_to_principal_policy(iam.PolicyStatement(sid=sid, actions=list(PULL_ACTIONS), resources=arns))
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="LogInToEcr", actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
    reason = " ".join(part for part in (LOGIN_REASON if arns else "", other_wildcards) if part)
    if reason:
        acknowledge_aws_solutions(role, "IAM5[Resource::*]", reason)
    return arns
