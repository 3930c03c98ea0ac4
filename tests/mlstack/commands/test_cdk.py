"""`mlstack cdk`: arguments and settings checked before the CLI, `--prefix` passed as `-c prefix=`, the help,
and the adoption flags a retain_data destroy prints (moto)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlstack.ops import cdk_cli
from mlstack.ops import settings as ops_settings
from mlstack.ops.deployment import Deployment
from tests.mlstack.conftest import Cli


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with mock_aws():
        yield boto3.client("cloudformation", region_name="us-east-1")


@pytest.fixture
def environments() -> list[dict[str, str]]:
    """The environment of every CLI run the `ran` fixture saw."""
    return []


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch, environments: list[dict[str, str]]) -> list[list[str]]:
    """The CLI's argv of every run, with the CLI replaced by a stand-in that exits 0."""
    commands: list[list[str]] = []

    def fake_cli(command: list[str], env: dict[str, str], **_: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        environments.append(env)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(cdk_cli.subprocess, "run", fake_cli)
    monkeypatch.setattr(cdk_cli, "installed", lambda: True)
    return commands


def _stack(cloudformation: Any, name: str, key: str, value: str) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value}},
    }
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))


@pytest.mark.parametrize(
    ("args", "passed"),
    [
        (["deploy", "--all", "--require-approval", "never", "--prefix", "ana"], ["--require-approval", "never"]),
        (["diff", "--prefix", "ana"], []),
        (["synth", "--quiet", "--prefix=ana"], ["--quiet"]),
        (["destroy", "--all", "--force", "--prefix", "ana"], ["--all", "--force"]),
    ],
)
def test_prefix_reaches_the_app_as_a_context_setting(
    aws: Any, cli: Cli, ran: list[list[str]], args: list[str], passed: list[str]
) -> None:
    result = cli("cdk", *args)
    assert result.code == 0, result
    argv = ran[0][1:]
    assert argv[0] == args[0] and argv[-2:] == ["-c", "prefix=ana"]
    assert all(flag in argv for flag in passed)
    assert not any(arg.startswith("--prefix") for arg in argv)


@pytest.mark.parametrize(
    ("args", "user_value", "validation"),
    [
        (["deploy", "--all"], None, "true"),
        (["deploy", "--all"], "false", "false"),
        (["synth", "--quiet"], None, None),
        (["diff"], None, None),
        (["synth", "--quiet"], "true", "true"),
    ],
)
def test_a_deploy_asks_for_cdks_builtin_validation_unless_the_user_decided(
    cli: Cli,
    ran: list[list[str]],
    environments: list[dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    *,
    args: list[str],
    user_value: str | None,
    validation: str | None,
) -> None:
    """app.py runs CDK's built-in CloudFormation validation only when CDK_VALIDATION=true: every deploy asks for
    it; a synth or diff does not; a value the user set wins."""
    monkeypatch.delenv("CDK_VALIDATION", raising=False)
    if user_value is not None:
        monkeypatch.setenv("CDK_VALIDATION", user_value)
    assert cli("cdk", *args).code == 0
    [env] = environments
    assert env.get("CDK_VALIDATION") == validation


@pytest.mark.parametrize(
    "args",
    [
        ["destroy", "--all", "--force", "--prefx", "ana"],
        ["deploy", "--all", "--yes-really"],
        ["diff", "--all"],
        ["synth", "--force"],
        ["destory", "--all"],
    ],
)
def test_an_option_the_cli_does_not_declare_stops_before_the_cli(
    cli: Cli, ran: list[list[str]], args: list[str]
) -> None:
    result = cli("cdk", *args)
    assert result.code == 2
    assert ran == []
    assert len((result.out + result.err).strip().splitlines()) == 1


@pytest.mark.parametrize(("args"), [["destroy", "--all", "--prefix", "Ana"], ["synth", "-c", "region=us-fake-1"]])
def test_a_bad_setting_stops_before_the_cli(cli: Cli, ran: list[list[str]], args: list[str]) -> None:
    result = cli("cdk", *args)
    assert result.code == 2
    assert ran == []
    assert len((result.out + result.err).strip().splitlines()) == 1
    assert "prefix" in result.err or "region" in result.err


def test_help_shows_mlstacks_description_and_an_example_before_the_clis(cli: Cli, ran: list[list[str]]) -> None:
    result = cli("cdk", "--help")
    assert result.code == 0
    assert result.out.startswith("mlstack cdk:")
    assert "Example: mlstack cdk destroy --all --prefix ana" in result.out
    assert ran == [[str(cdk_cli.CLI), "--help"]]


def test_a_retain_data_destroy_prints_the_flags_that_adopt_the_kept_data(
    aws: Any, cli: Cli, ran: list[list[str]]
) -> None:
    _stack(aws, "Mlstack-Data", "DataBucketName", "mlstack-data-kept")
    _stack(aws, "Mlstack-ApiServices", "ResultsTableName", "mlstack-results-kept")
    _stack(aws, "Ana-Data", "DataBucketName", "ana-data-kept")
    result = cli("cdk", "destroy", "--all", "-c", "retain_data=true")
    assert result.code == 0, result
    assert ran and ran[0][-3:] == ["--all", "-c", "retain_data=true"]
    printed = result.out.replace("\n", " ")
    assert "-c data.existing_bucket_name=mlstack-data-kept" in printed
    assert "-c api_services.existing_results_table_name=mlstack-results-kept" in printed
    result = cli("cdk", "destroy", "--all", "--prefix", "ana", "-c", "retain_data=true")
    assert "-c data.existing_bucket_name=ana-data-kept" in result.out.replace("\n", " ")
    assert "mlstack-results-kept" not in result.out


def test_no_flags_without_the_stacks(aws: Any) -> None:
    settings = ops_settings.load(ops_settings.parse_overrides(["retain_data=true"]))
    assert cdk_cli.adoption_flags(Deployment.of(settings)) == []
