"""Fixtures for the emulator tests: one emulator server per module, boto3 clients on it, a change-set deploy."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.emulator import Emulator

REGION = "us-east-1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "round_trip: runs the real CDK CLI against the emulator (slow; `make local` runs the same in CI)"
    )


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """A fresh emulator per module (moto's state lives in the process, so it is reset first)."""
    with Emulator() as running:
        requests.post(f"{running.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        yield running


@pytest.fixture(scope="module")
def aws(emulator: Emulator) -> Callable[[str], Any]:
    """`aws("s3")`: a client of the emulator with dummy credentials."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return lambda service: session.client(service, endpoint_url=emulator.endpoint)


def deploy(aws: Callable[[str], Any], template: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """Create a stack the way the CDK CLI does (change set, then execute); returns describe_stacks' entry."""
    cloudformation = aws("cloudformation")
    name = name or f"test-{uuid.uuid4().hex[:8]}"
    cloudformation.create_change_set(
        StackName=name,
        ChangeSetName="deploy",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    cloudformation.execute_change_set(StackName=name, ChangeSetName="deploy")
    return cloudformation.describe_stacks(StackName=name)["Stacks"][0]


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


# A role Lambda functions in hand-written templates can assume, and such a function (`Role` is this role).
LAMBDA_ROLE: dict[str, Any] = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    },
}


def lambda_function(**properties: Any) -> dict[str, Any]:
    """An inline Python function using the template's `Role` resource, with extra `properties`."""
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"},
            **properties,
        },
    }
