"""Glue CloudFormation resources: moto has the Glue API but no CloudFormation model for databases and tables."""

from __future__ import annotations

import contextlib
from typing import Any

from mlstack.emulator.resources.base import EmulatedResource


class GlueDatabase(EmulatedResource):
    """AWS::Glue::Database, created in moto's Glue backend (moto has the API but no CloudFormation model)."""

    CFN_TYPE = "AWS::Glue::Database"

    def _backend(self) -> Any:
        from moto.glue.models import glue_backends

        return glue_backends[self.account_id][self.region]

    def create(self) -> None:
        database_input = self.properties["DatabaseInput"]
        self.name = database_input["Name"]
        self._backend().create_database(self.name, database_input)

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_database(self.name)


class GlueTable(EmulatedResource):
    """AWS::Glue::Table in moto's Glue backend. Ref is the table name."""

    CFN_TYPE = "AWS::Glue::Table"

    def _backend(self) -> Any:
        from moto.glue.models import glue_backends

        return glue_backends[self.account_id][self.region]

    def create(self) -> None:
        table_input = self.properties["TableInput"]
        self.name = table_input["Name"]
        self.database = self.properties["DatabaseName"]
        self._backend().create_table(self.database, self.name, table_input)

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.glue.exceptions import DatabaseNotFoundException, TableNotFoundException

        # The database may have gone first: its tables went with it, as in Glue.
        with contextlib.suppress(DatabaseNotFoundException, TableNotFoundException):
            self._backend().delete_table(self.properties["DatabaseName"], self.name)
