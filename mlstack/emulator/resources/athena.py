"""Athena CloudFormation resources: moto has the Athena API but no model for workgroups and named queries."""

from __future__ import annotations

from typing import Any

from mlstack.emulator.resources.base import EmulatedResource


class AthenaWorkGroup(EmulatedResource):
    """AWS::Athena::WorkGroup in moto's Athena backend. Ref is the name."""

    CFN_TYPE = "AWS::Athena::WorkGroup"

    def _backend(self) -> Any:
        from moto.athena.models import athena_backends

        return athena_backends[self.account_id][self.region]

    def create(self) -> None:
        self.name = self.properties["Name"]
        self._backend().create_work_group(
            self.name,
            self.properties.get("WorkGroupConfiguration", {}),
            self.properties.get("Description", ""),
            self.properties.get("Tags", []),
        )

    def delete(self, account_id: str, region_name: str) -> None:
        backend = self._backend()
        # RecursiveDeleteOption: named queries go with the workgroup.
        for query_id in [q for q, query in backend.named_queries.items() if query.workgroup.name == self.name]:
            backend.named_queries.pop(query_id)
        backend.delete_work_group(self.name)


class AthenaNamedQuery(EmulatedResource):
    """AWS::Athena::NamedQuery in moto's Athena backend. Ref is the query id."""

    CFN_TYPE = "AWS::Athena::NamedQuery"
    ATTRIBUTES = ("NamedQueryId",)

    def _backend(self) -> Any:
        from moto.athena.models import athena_backends

        return athena_backends[self.account_id][self.region]

    def create(self) -> None:
        self.name = self._backend().create_named_query(
            self.properties.get("Name", self.logical_id),
            self.properties.get("Description", ""),
            self.properties["Database"],
            self.properties["QueryString"],
            self.properties.get("WorkGroup", "primary"),
        )
        self.attributes = {"NamedQueryId": self.name}

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().named_queries.pop(self.name, None)
