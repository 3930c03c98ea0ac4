"""grant_dlc_pull in a bare stack: pulls scoped to repository ARNs, the login's `*` acknowledged on the role."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from stacks import deep_learning_containers as dlc
from stacks.constructs.dlc_pull import PULL_ACTIONS, grant_dlc_pull
from tests.unit.constructs.conftest import bare_stack, statements_of


def _role(stack: cdk.Stack) -> iam.Role:
    return iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))


def test_pulls_only_the_named_repositories_and_logs_in_with_the_only_wildcard() -> None:
    stack = bare_stack()
    role = _role(stack)
    arns = grant_dlc_pull(role, [dlc.HUGGINGFACE_INFERENCE, dlc.PYTORCH_INFERENCE], sid="Pull")
    statements = statements_of(Template.from_stack(stack), role)
    assert (
        statements["Pull"]["Resource"]
        == arns
        == [
            "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-inference",
            "arn:aws:ecr:us-east-1:763104351884:repository/pytorch-inference",
        ]
    )
    assert sorted(statements["Pull"]["Action"]) == sorted(PULL_ACTIONS)
    assert statements["LogInToEcr"] == {
        "Sid": "LogInToEcr",
        "Effect": "Allow",
        "Action": "ecr:GetAuthorizationToken",
        "Resource": "*",
    }


def test_china_regions_get_the_china_partition_and_account() -> None:
    stack = bare_stack("cn-north-1")
    role = _role(stack)
    grant_dlc_pull(role, [dlc.HUGGINGFACE_TRAINING], sid="Pull")
    statements = statements_of(Template.from_stack(stack), role)
    assert statements["Pull"]["Resource"] == (
        "arn:aws-cn:ecr:cn-north-1:727897471807:repository/huggingface-pytorch-training"
    )


def test_a_repository_missing_in_the_region_is_left_out_and_none_means_no_grant() -> None:
    stack = bare_stack("eu-south-2")
    role = _role(stack)
    assert grant_dlc_pull(role, [dlc.HUGGINGFACE_TRAINING], sid="Pull") == []
    role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/k"]))
    assert {"Pull", "LogInToEcr"}.isdisjoint(statements_of(Template.from_stack(stack), role))


def test_a_stack_without_a_region_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    with pytest.raises(ValueError, match="concrete region"):
        grant_dlc_pull(_role(stack), [dlc.HUGGINGFACE_INFERENCE], sid="Pull")


def test_nag_passes_with_the_acknowledgement_on_the_role() -> None:
    stack = bare_stack()
    role = _role(stack)
    grant_dlc_pull(role, [dlc.HUGGINGFACE_INFERENCE], sid="Pull")
    cdk.Validations.of(stack.node.scope).add_plugins(AwsSolutionsChecks(stack.node.scope))  # type: ignore[arg-type]
    stack.node.scope.synth()  # type: ignore[union-attr]  # fails on an unacknowledged finding
