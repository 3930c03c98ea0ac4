"""The one error model, command by command: no credentials or region, a bad setting, an AWS refusal.

Each case asserts the exit code of the README's table and that stderr is exactly one `mlstack: ...` line
with no traceback. What success looks like is each command's own test file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.mlstack.conftest import Cli, Result

# Every command that calls AWS, as a user types it.
AWS_COMMANDS = [
    ("smoke",),
    ("preflight",),
    ("status",),
    ("cleanup",),
    ("chat", "--say", "help"),
    ("conversations",),
    ("gpu", "start"),
    ("gpu", "stop"),
    ("notebook", "start"),
    ("notebook", "stop"),
    ("notebook", "open"),
    ("train",),
]
IDS = [" ".join(command) for command in AWS_COMMANDS]


@pytest.fixture
def as_typed(default_assembly: Any) -> Any:
    """The command as typed; preflight reads the session's synthesized app instead of synthesizing its own
    (its templates only feed the checks; `--assembly` is the option a user has for the same)."""

    def command_line(command: tuple[str, ...]) -> tuple[str, ...]:
        return (*command, "--assembly", default_assembly.directory) if command == ("preflight",) else command

    return command_line


def one_line(result: Result) -> str:
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert "Traceback" not in result.err + result.out
    assert len(lines) == 1, result.err
    assert lines[0].startswith("mlstack: ")
    return lines[0]


@pytest.fixture
def nothing_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials and no region anywhere: environment, files, instance metadata."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize("command", AWS_COMMANDS, ids=IDS)
def test_no_credentials_and_no_region_exit_3_with_the_fix(
    nothing_configured: None, cli: Cli, command: tuple, as_typed: Any
) -> None:
    result = cli(*as_typed(command))
    assert result.code == 3
    assert one_line(result) == ("mlstack: no AWS credentials: set AWS_PROFILE or run `aws configure` / `aws sso login`")


@pytest.mark.parametrize("command", AWS_COMMANDS, ids=IDS)
@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("region=us-fake-1", "mlstack: invalid setting: region='us-fake-1': not an AWS region"),
        ("frameworks.idle_stop_minutes=7", "mlstack: invalid setting: frameworks.idle_stop_minutes='7':"),
    ],
    ids=["region", "idle-stop"],
)
def test_a_bad_setting_exits_2_before_any_aws_call(
    nothing_configured: None, cli: Cli, command: tuple, setting: str, message: str
) -> None:
    result = cli(*command, "-c", setting)
    assert result.code == 2
    assert one_line(result).startswith(message)


@pytest.mark.parametrize("command", AWS_COMMANDS, ids=IDS)
def test_an_aws_refusal_exits_3_naming_the_call_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, cli: Cli, command: tuple, as_typed: Any
) -> None:
    # Credentials that sign but are refused: every API call answers AccessDenied, as IAM would.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREFUSED")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "refused")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    calls: list[str] = []

    def refuse(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls.append(operation_name)
        error = {"Error": {"Code": "AccessDenied", "Message": f"not authorized to perform: {operation_name}"}}
        raise ClientError(error, operation_name)  # type: ignore[arg-type]

    monkeypatch.setattr(BaseClient, "_make_api_call", refuse)
    result = cli(*as_typed(command))
    assert calls, "the command made no AWS call"
    line = one_line(result)
    assert result.code == 3, line
    assert line.startswith(f"mlstack: AWS refused {calls[0]}: AccessDenied: not authorized to perform: {calls[0]}")
    assert line.endswith("the role or user needs that permission")
