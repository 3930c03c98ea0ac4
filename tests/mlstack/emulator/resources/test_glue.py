"""Glue databases and tables live in moto's Glue backend until their stack goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import delete, deploy, template


def test_glue_database_and_table_live_in_the_backend_until_the_stack_goes(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Db": {
                    "Type": "AWS::Glue::Database",
                    "Properties": {"CatalogId": "123456789012", "DatabaseInput": {"Name": "lake"}},
                },
                "Table": {
                    "Type": "AWS::Glue::Table",
                    "DependsOn": "Db",
                    "Properties": {
                        "CatalogId": "123456789012",
                        "DatabaseName": "lake",
                        "TableInput": {"Name": "daily", "Parameters": {"projection.enabled": "true"}},
                    },
                },
            }
        ),
    )
    glue = aws("glue")
    assert glue.get_table(DatabaseName="lake", Name="daily")["Table"]["Parameters"] == {"projection.enabled": "true"}
    delete(aws, stack)
    assert [d["Name"] for d in glue.get_databases()["DatabaseList"]] == []
