"""MonthlyBudget in a bare stack: the monthly cost limit, the two warnings mailed (and published with a topic), the
spending stop's notification, the tag filter, and the refused half-configured stop."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.constructs.monthly_budget import MonthlyBudget, prefix_cost_filter
from tests.unit.constructs.conftest import bare_stack

MAIL = {"SubscriptionType": "EMAIL", "Address": "ops@example.com"}


def _budget(**props: Any) -> dict[str, Any]:
    stack = bare_stack()
    MonthlyBudget(stack, "Budget", **{"name": "mlstack-monthly", "limit_usd": 50.0, "email": MAIL["Address"], **props})
    [budget] = Template.from_stack(stack).find_resources("AWS::Budgets::Budget").values()
    return dict(budget["Properties"])


def _notifications(props: dict[str, Any]) -> dict[tuple[str, float], list[dict[str, str]]]:
    found = {}
    for entry in props["NotificationsWithSubscribers"]:
        notification = entry["Notification"]
        assert (notification["ComparisonOperator"], notification["ThresholdType"]) == ("GREATER_THAN", "PERCENTAGE")
        found[(notification["NotificationType"], notification["Threshold"])] = entry["Subscribers"]
    return found


def test_a_monthly_cost_budget_of_the_limit_in_usd() -> None:
    props = _budget()
    assert props["Budget"] == {
        "BudgetName": "mlstack-monthly",
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": 50, "Unit": "USD"},
    }


def test_warnings_at_80_actual_and_100_forecast_are_mailed() -> None:
    assert _notifications(_budget()) == {("ACTUAL", 80): [MAIL], ("FORECASTED", 100): [MAIL]}


def test_with_an_alerts_topic_the_warnings_are_also_published() -> None:
    topic = {"SubscriptionType": "SNS", "Address": "arn:aws:sns:us-east-1:123456789012:alerts"}
    notifications = _notifications(_budget(alerts_topic_arn=topic["Address"]))
    assert notifications == {("ACTUAL", 80): [MAIL, topic], ("FORECASTED", 100): [MAIL, topic]}


def test_the_spending_stop_publishes_actual_spend_past_its_share_to_the_stop_topic() -> None:
    stop = {"SubscriptionType": "SNS", "Address": "arn:aws:sns:us-east-1:123456789012:stop"}
    notifications = _notifications(_budget(stop_topic_arn=stop["Address"], stop_percent=95.0))
    assert notifications == {("ACTUAL", 80): [MAIL], ("FORECASTED", 100): [MAIL], ("ACTUAL", 95): [MAIL, stop]}


def test_a_stop_at_the_warning_threshold_replaces_the_warning() -> None:
    stop = {"SubscriptionType": "SNS", "Address": "arn:aws:sns:us-east-1:123456789012:stop"}
    notifications = _notifications(_budget(stop_topic_arn=stop["Address"], stop_percent=80.0))
    assert notifications == {("ACTUAL", 80): [MAIL, stop], ("FORECASTED", 100): [MAIL]}


def test_a_tag_value_narrows_the_budget_to_that_prefix() -> None:
    props = _budget(cost_filters=prefix_cost_filter("mlstack:prefix", "Dev"))
    assert props["Budget"]["CostFilters"] == {"TagKeyValue": ["user:mlstack:prefix$Dev"]}


@pytest.mark.parametrize(
    "half", [{"stop_topic_arn": "arn:aws:sns:us-east-1:123456789012:stop"}, {"stop_percent": 95.0}]
)
def test_a_stop_with_only_its_topic_or_only_its_percentage_is_refused(half: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Budget: the spending stop needs both its topic and its percentage"):
        _budget(**half)
