"""What the operator package's tests share: a moto account with dummy credentials in one region, and `cli`,
which runs an `mlstack` command in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from moto import mock_aws

from mlstack.cli import main

MOTO_REGION = "us-east-1"


@pytest.fixture
def moto_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's in-process AWS with dummy credentials and MOTO_REGION as the default region (no profile);
    yields the region."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": MOTO_REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield MOTO_REGION


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """`cli("status", "--prefix", "x")` runs `mlstack status --prefix x` and returns what it printed."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
