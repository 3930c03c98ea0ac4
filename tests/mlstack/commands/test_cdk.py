"""`mlstack cdk`: settings checked before the CLI, and the adoption flags a retain_data destroy prints (moto)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlstack.commands import cdk as cdk_command
from mlstack.ops import settings as ops_settings
from tests.mlstack.commands.conftest import Cli


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with mock_aws():
        yield boto3.client("cloudformation", region_name="us-east-1")


def _stack(cloudformation: Any, name: str, key: str, value: str) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value}},
    }
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_a_retain_data_destroy_prints_the_flags_that_adopt_the_kept_data(
    aws: Any, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stack(aws, "Mlstack-Data", "DataBucketName", "mlstack-data-kept")
    _stack(aws, "Mlstack-ApiServices", "ResultsTableName", "mlstack-results-kept")
    ran: list[list[str]] = []

    def fake_cli(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(cdk_command.subprocess, "run", fake_cli)
    monkeypatch.setattr(cdk_command.cdk_cli, "installed", lambda: True)
    result = cli("cdk", "destroy", "--all", "-c", "retain_data=true")
    assert result.code == 0, result
    assert ran and ran[0][-3:] == ["--all", "-c", "retain_data=true"]
    printed = result.out.replace("\n", " ")
    assert "-c data.existing_bucket_name=mlstack-data-kept" in printed
    assert "-c api_services.existing_results_table_name=mlstack-results-kept" in printed


def test_no_flags_without_the_stacks(aws: Any) -> None:
    settings = ops_settings.load(ops_settings.parse_overrides(["retain_data=true"]))
    assert cdk_command.adoption_flags(settings, aws) == []


def test_a_bad_setting_stops_before_the_cli(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cdk_command.cdk_cli, "installed", lambda: True)
    monkeypatch.setattr(cdk_command.subprocess, "run", lambda *a, **k: pytest.fail("the CLI must not start"))
    result = cli("cdk", "synth", "-c", "region=us-fake-1")
    assert result.code == 2
    assert len((result.out + result.err).strip().splitlines()) == 1
