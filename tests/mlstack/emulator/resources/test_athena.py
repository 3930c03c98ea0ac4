"""Athena workgroups and named queries live in moto's Athena backend until their stack goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import delete, deploy, outputs_of, template


def test_workgroup_and_named_query_live_in_the_backend_until_the_stack_goes(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Group": {
                    "Type": "AWS::Athena::WorkGroup",
                    "Properties": {
                        "Name": "analytics",
                        "RecursiveDeleteOption": True,
                        "WorkGroupConfiguration": {
                            "EnforceWorkGroupConfiguration": True,
                            "BytesScannedCutoffPerQuery": 10485760,
                        },
                    },
                },
                "Query": {
                    "Type": "AWS::Athena::NamedQuery",
                    "Properties": {
                        "Name": "q",
                        "Database": "lake",
                        "QueryString": "SELECT 1",
                        "WorkGroup": {"Ref": "Group"},
                    },
                },
            },
            {"QueryId": {"Ref": "Query"}},
        ),
    )
    athena = aws("athena")
    group = athena.get_work_group(WorkGroup="analytics")["WorkGroup"]
    assert group["Configuration"]["BytesScannedCutoffPerQuery"] == 10485760
    query_id = outputs_of(stack)["QueryId"]
    assert athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]["WorkGroup"] == "analytics"
    delete(aws, stack)
    assert "analytics" not in [g["Name"] for g in athena.list_work_groups()["WorkGroups"]]
    assert query_id not in athena.list_named_queries().get("NamedQueryIds", [])
