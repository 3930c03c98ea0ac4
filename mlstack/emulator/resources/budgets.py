"""AWS::Budgets::Budget: moto has the Budgets API but no CloudFormation model."""

from __future__ import annotations

from typing import Any

from mlstack.emulator.resources.base import EmulatedResource, short_id


class Budget(EmulatedResource):
    """AWS::Budgets::Budget in moto's Budgets backend (a global service: one backend per partition)."""

    CFN_TYPE = "AWS::Budgets::Budget"

    def _backend(self) -> Any:
        from moto.budgets.models import budgets_backends

        return budgets_backends[self.account_id]["aws"]

    def create(self) -> None:
        budget = dict(self.properties["Budget"])
        self.name = budget.setdefault("BudgetName", f"{self.logical_id}-{short_id(8)}")
        notifications = [
            {"Notification": entry["Notification"], "Subscribers": entry.get("Subscribers", [])}
            for entry in self.properties.get("NotificationsWithSubscribers", [])
        ]
        self._backend().create_budget(self.account_id, budget, notifications)

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_budget(self.account_id, self.name)
