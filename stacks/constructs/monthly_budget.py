"""A monthly cost budget that warns at 80 % of actual and 100 % of forecast spend, and can pull a hard stop."""

from __future__ import annotations

from aws_cdk import aws_budgets as budgets
from constructs import Construct

# (notification type, threshold in percent): warn early on real spend, and before the month overruns.
ALERTS = (("ACTUAL", 80.0), ("FORECASTED", 100.0))


def prefix_cost_filter(tag_key: str, prefix: str) -> dict[str, list[str]]:
    """Budgets' CostFilters for one value of a user-defined cost allocation tag: `user:<key>$<value>`."""
    return {"TagKeyValue": [f"user:{tag_key}${prefix}"]}


class MonthlyBudget(Construct):
    """AWS Budget for the monthly cost (the account's, or one tag value's) with its notifications.

    Each warning mails `email` directly (no confirmation needed) and, with `alerts_topic_arn`, publishes to the
    alerts topic. With `stop_topic_arn` and `stop_percent`, actual spend past that share publishes to the
    spending-stop topic (and mails `email`). Exposes `budget`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        limit_usd: float,
        email: str,
        alerts_topic_arn: str | None = None,
        stop_topic_arn: str | None = None,
        stop_percent: float | None = None,
        cost_filters: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        if (stop_topic_arn is None) != (stop_percent is None):
            raise ValueError(f"{id_}: the spending stop needs both its topic and its percentage")

        def subscribers(topic_arn: str | None) -> list[budgets.CfnBudget.SubscriberProperty]:
            # A notification takes at most one SNS subscriber (and up to ten e-mail ones).
            mail = [budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=email)]
            sns = (
                [budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic_arn)] if topic_arn else []
            )
            return mail + sns

        def notification(
            kind: str, threshold: float, topic_arn: str | None
        ) -> budgets.CfnBudget.NotificationWithSubscribersProperty:
            return budgets.CfnBudget.NotificationWithSubscribersProperty(
                notification=budgets.CfnBudget.NotificationProperty(
                    notification_type=kind,
                    comparison_operator="GREATER_THAN",
                    threshold=threshold,
                    threshold_type="PERCENTAGE",
                ),
                subscribers=subscribers(topic_arn),
            )

        # Budgets rejects two notifications of the same type and threshold: a stop at 80 % replaces the warning
        # (the stop's report reaches the alerts topic anyway).
        warnings = [(kind, threshold) for kind, threshold in ALERTS if (kind, threshold) != ("ACTUAL", stop_percent)]
        notifications = [notification(kind, threshold, alerts_topic_arn) for kind, threshold in warnings]
        if stop_percent is not None:
            notifications.append(notification("ACTUAL", stop_percent, stop_topic_arn))

        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=limit_usd, unit="USD"),
                cost_filters=cost_filters,
            ),
            notifications_with_subscribers=notifications,
        )
