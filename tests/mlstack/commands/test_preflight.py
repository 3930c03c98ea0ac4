"""`mlstack preflight`: the report, and AWS refusing the credentials as the error model's one line, exit 3."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from mlstack.ops import preflight
from tests.mlstack.conftest import MOTO_REGION as REGION
from tests.mlstack.conftest import Cli
from tests.mlstack.fixtures import fixture_stacks, write_assembly


def test_without_credentials_the_aws_checks_are_skipped_and_the_command_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli
) -> None:
    sts = boto3.client("sts", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(sts)
    stubber.add_client_error("get_caller_identity", "ExpiredToken", "The security token has expired")
    stubber.activate()
    monkeypatch.setattr(preflight, "clients_for", lambda region: lambda name: sts)
    assembly = write_assembly(tmp_path, fixture_stacks())
    result = cli("preflight", "--assembly", str(assembly), "-c", f"region={REGION}")
    assert result.code == 3
    out = result.out
    assert "ExpiredToken" in out and "aws sso login" in out and "SKIP" in out
    # The report still shows the region checks; the AWS failure ends it as the error model's one line.
    assert result.err.strip() == (
        "mlstack: AWS refused GetCallerIdentity: ExpiredToken: The security token has expired; "
        "check the credentials (expired session? `aws sso login`)"
    )
