"""Log retention: one list of allowed days (stacks.config) that settings check and log groups are created with."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.config import LOG_RETENTION_DAYS, SettingsError, load_settings
from stacks.constructs.log_groups import destroyable_log_group, log_retention
from tests.conftest import cdk_context


def test_every_allowed_retention_synthesizes_as_that_many_days() -> None:
    stack = cdk.Stack(cdk.App(), "Test")
    for days in LOG_RETENTION_DAYS:
        destroyable_log_group(stack, f"Logs{days}", retention_days=days)
    groups = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup")
    assert sorted(group["Properties"]["RetentionInDays"] for group in groups.values()) == list(LOG_RETENTION_DAYS)


def test_a_retention_cloudwatch_does_not_offer_is_refused_by_settings_and_constructs() -> None:
    with pytest.raises(ValueError, match="31 days is not a CloudWatch Logs retention"):
        log_retention(31)
    with pytest.raises(SettingsError, match="log_retention_days='31'"):
        load_settings(cdk_context(**{"api_services.log_retention_days": "31"}))
    # Every value the list offers is a valid setting.
    for days in LOG_RETENTION_DAYS:
        assert (
            load_settings(cdk_context(**{"api_services.log_retention_days": str(days)})).api_services.log_retention_days
            == days
        )
