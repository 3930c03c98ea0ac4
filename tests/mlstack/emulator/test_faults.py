"""Fault injection: the next create of a named type fails mid-stack, the stack rolls back, the next create works."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlstack.emulator import faults
from mlstack.emulator.__main__ import main
from tests.mlstack.emulator.templates import delete, deploy, template

# A queue, then (after it) a Glue database and table: the failure comes in the middle of the stack.
MIDDLE_FAILS = template(
    {
        "Before": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "created-before-the-fault"}},
        "Database": {
            "Type": "AWS::Glue::Database",
            "DependsOn": "Before",
            "Properties": {"CatalogId": {"Ref": "AWS::AccountId"}, "DatabaseInput": {"Name": "faulty_db"}},
        },
        "Table": {
            "Type": "AWS::Glue::Table",
            "Properties": {
                "CatalogId": {"Ref": "AWS::AccountId"},
                "DatabaseName": {"Ref": "Database"},
                "TableInput": {"Name": "faulty_table"},
            },
        },
    }
)


@pytest.fixture
def disarmed() -> Iterator[None]:
    yield
    faults.FAIL_NEXT_CREATE.clear()


def test_an_injected_failure_rolls_the_stack_back_and_fires_once(aws: Callable[[str], Any], disarmed: None) -> None:
    faults.arm(["AWS::Glue::Table"])
    with pytest.raises(ClientError, match=r"injected failure creating Table \(AWS::Glue::Table\)"):
        deploy(aws, MIDDLE_FAILS, "fails-in-the-middle")
    cloudformation = aws("cloudformation")
    assert cloudformation.describe_stacks(StackName="fails-in-the-middle")["Stacks"][0]["StackStatus"] == (
        "ROLLBACK_COMPLETE"
    )
    assert "created-before-the-fault" not in " ".join(aws("sqs").list_queues().get("QueueUrls", []))
    assert "faulty_db" not in [d["Name"] for d in aws("glue").get_databases()["DatabaseList"]]
    cloudformation.delete_stack(StackName="fails-in-the-middle")
    stack = deploy(aws, MIDDLE_FAILS, "fails-in-the-middle")  # disarmed by the first failure
    assert aws("glue").get_table(DatabaseName="faulty_db", Name="faulty_table")["Table"]["Name"] == "faulty_table"
    delete(aws, stack)


class Started(Exception):
    """Stands in for serving: the test stops `main` where the emulator would start."""


def test_the_command_line_arms_each_type_named(monkeypatch: pytest.MonkeyPatch, disarmed: None) -> None:
    def start(self: object) -> None:
        raise Started(sorted(faults.FAIL_NEXT_CREATE))

    monkeypatch.setattr("mlstack.emulator.__main__.Emulator.start", start)
    with pytest.raises(Started) as started:
        main(["--fail-next-create", "AWS::Glue::Table", "--fail-next-create", "AWS::S3::Bucket"])
    assert started.value.args == (["AWS::Glue::Table", "AWS::S3::Bucket"],)
