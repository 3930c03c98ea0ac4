"""`mlstack local`'s arguments: the extra CDK arguments are checked as `cdk synth`'s before the emulator starts."""

from __future__ import annotations

from typing import Any

import pytest

from mlstack.commands import local
from tests.mlstack.conftest import Cli


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The CDK arguments of every round trip started, with the round trip replaced by a stand-in."""
    started: list[list[str]] = []

    def fake_run(scenario: str, cdk_args: list[str], **_: Any) -> int:
        started.append(cdk_args)
        return 0

    monkeypatch.setattr(local, "run", fake_run)
    monkeypatch.setattr(local.cdk_cli, "installed", lambda: True)
    return started


def test_prefix_and_settings_reach_the_round_trips_synth(cli: Cli, runs: list[list[str]]) -> None:
    assert cli("local", "-c", "layers=data", "--prefix", "ana").code == 0
    assert runs == [["-c", "layers=data", "-c", "prefix=ana"]]


@pytest.mark.parametrize("args", [["--prefx", "ana"], ["--all"], ["--prefix", "Ana"], ["-c", "layers=nope"]])
def test_bad_arguments_stop_before_the_emulator_starts(cli: Cli, runs: list[list[str]], args: list[str]) -> None:
    result = cli("local", *args)
    assert result.code == 2
    assert runs == []
    assert len(result.err.strip().splitlines()) == 1
