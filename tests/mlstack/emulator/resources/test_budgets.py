"""Budgets with their notifications live until their stack goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import (
    delete,
    deploy,
    template,
)


def test_budget_with_notifications_lives_until_the_stack_goes(aws: Callable[[str], Any]) -> None:
    budget = {
        "BudgetName": "monthly",
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": 50, "Unit": "USD"},
    }
    alert = {
        "Notification": {
            "NotificationType": "ACTUAL",
            "ComparisonOperator": "GREATER_THAN",
            "Threshold": 80,
            "ThresholdType": "PERCENTAGE",
        },
        "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ana@example.com"}],
    }
    stack = deploy(
        aws,
        template(
            {
                "Budget": {
                    "Type": "AWS::Budgets::Budget",
                    "Properties": {"Budget": budget, "NotificationsWithSubscribers": [alert]},
                }
            }
        ),
    )
    budgets = aws("budgets")
    assert budgets.describe_budget(AccountId="123456789012", BudgetName="monthly")["Budget"]["TimeUnit"] == "MONTHLY"
    notifications = budgets.describe_notifications_for_budget(AccountId="123456789012", BudgetName="monthly")
    assert notifications["Notifications"][0]["Threshold"] == 80
    delete(aws, stack)
    assert budgets.describe_budgets(AccountId="123456789012").get("Budgets", []) == []


# ---- cross-stack references, property gaps, redeploys
