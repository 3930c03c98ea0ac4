"""A monthly cost budget that e-mails at 80 % of actual and 100 % of forecast spend."""

from __future__ import annotations

from aws_cdk import aws_budgets as budgets
from constructs import Construct

# (notification type, threshold in percent): warn early on real spend, and before the month overruns.
ALERTS = (("ACTUAL", 80), ("FORECASTED", 100))


class MonthlyBudget(Construct):
    """AWS Budget for the account's monthly cost with e-mail alerts. Exposes `budget`."""

    def __init__(self, scope: Construct, id_: str, *, name: str, limit_usd: float, email: str) -> None:
        super().__init__(scope, id_)
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=limit_usd, unit="USD"),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=kind,
                        comparison_operator="GREATER_THAN",
                        threshold=threshold,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=[budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=email)],
                )
                for kind, threshold in ALERTS
            ],
        )
