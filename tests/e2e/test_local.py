"""`mlstack local`'s pieces: the emulator process, clearing stuck stacks, the leftovers snapshot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from mlstack.emulator.server import Emulator
from mlstack.local import account, emulator_process
from mlstack.local.round_trip import RoundTrip
from mlstack.ops import inventory


def test_emulator_process_serves_on_localhost_and_stops(tmp_path: Path) -> None:
    process = emulator_process.Emulator(tmp_path / "emulator.log")
    process.start()
    try:
        assert process.endpoint.startswith("http://localhost:")
        client = boto3.client(
            "sts",
            endpoint_url=process.endpoint,
            region_name="us-east-1",
            aws_access_key_id=account.run_credentials().access_key_id,
            aws_secret_access_key=account.run_credentials().secret_access_key,
        )
        assert client.get_caller_identity()["Account"] == account.ACCOUNT
    finally:
        running = process.process
        process.stop()
    assert running is not None and running.poll() is not None


def test_stuck_stacks_of_the_app_are_deleted_others_kept(aws: Callable[[str], Any], emulator: Emulator) -> None:
    cloudformation = aws("cloudformation")
    body = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    for name in ("App-Data", "Other-Data"):  # created as the CLI does, never executed: REVIEW_IN_PROGRESS
        cloudformation.create_change_set(StackName=name, ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body)
    trip = RoundTrip(emulator.endpoint, [], verbose=False)
    trip.stacks = ["App-Data"]
    trip.clear_stuck_stacks()
    remaining = {s["StackName"]: s["StackStatus"] for s in cloudformation.describe_stacks()["Stacks"]}
    assert "App-Data" not in remaining
    assert remaining["Other-Data"] == "REVIEW_IN_PROGRESS"


def test_snapshot_sees_what_a_destroy_would_leave(aws: Callable[[str], Any], emulator: Emulator) -> None:
    before = inventory.snapshot(aws)
    aws("s3").create_bucket(Bucket="left-behind")
    aws("logs").create_log_group(logGroupName="/aws/lambda/left-behind")
    aws("ssm").get_parameter(
        Name="/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id"
    )
    after = inventory.snapshot(aws)
    assert after - before == {"bucket:left-behind", "log-group:/aws/lambda/left-behind"}
