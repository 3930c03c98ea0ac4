"""PlatformKey in a bare stack: rotation, a short deletion window, destroyed with the stack, and a key policy that
lets CloudWatch Logs use it only for this account's log groups in the stack's region."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from stacks.constructs.platform_key import PENDING_WINDOW_DAYS, PlatformKey
from tests.unit.constructs.conftest import bare_stack


def _key(region: str = "us-east-1") -> tuple[dict[str, Any], cdk.Stack]:
    stack = bare_stack(region)
    PlatformKey(stack, "PlatformKey", description="Test key")
    [key] = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    return dict(key), stack


def _log_statement(key: dict[str, Any]) -> dict[str, Any]:
    [statement] = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "EncryptLogGroupsOfThisAccount"
    ]
    return statement


def test_the_key_rotates_and_carries_its_description() -> None:
    key, _ = _key()
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["Description"] == "Test key"


def test_the_key_is_deleted_with_the_stack_after_the_shortest_window() -> None:
    key, _ = _key()
    assert PENDING_WINDOW_DAYS == 7  # KMS's minimum
    assert key["Properties"]["PendingWindowInDays"] == PENDING_WINDOW_DAYS
    assert key["DeletionPolicy"] == "Delete"
    assert key["UpdateReplacePolicy"] == "Delete"


def test_cloudwatch_logs_of_the_stacks_region_may_use_the_key_for_encryption_only() -> None:
    key, _ = _key("eu-west-1")
    statement = _log_statement(key)
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert sorted(statement["Action"]) == [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
    ]
    assert statement["Resource"] == "*"


def test_only_log_groups_of_this_account_and_region_are_named_in_the_encryption_context() -> None:
    key, stack = _key("eu-west-1")
    [arn] = _log_statement(key)["Condition"]["ArnLike"].values()
    assert list(_log_statement(key)["Condition"]["ArnLike"]) == ["kms:EncryptionContext:aws:logs:arn"]
    expected = stack.resolve(
        stack.format_arn(
            service="logs", resource="log-group", resource_name="*", arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
        )
    )
    assert arn == expected
    rendered = str(arn)
    assert "AWS::AccountId" in rendered
    assert "eu-west-1" in rendered
    assert ":log-group:*" in rendered
