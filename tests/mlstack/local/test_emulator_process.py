"""`mlstack local`'s emulator process: which public parameters it seeds, from the app's own settings, and the
run's credentials, which it alone accepts and every client of the run uses."""

from __future__ import annotations

import os
import sys

import pytest

from mlstack.emulator.front import Credentials, handed_over
from mlstack.local import account, emulator_process
from stacks.config import FrameworksSettings


def test_every_dlami_parameter_the_app_can_resolve_is_seeded() -> None:
    names = emulator_process.dlami_parameter_names()
    assert FrameworksSettings().ami_parameter in names  # the default the app deploys
    assert "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id" in names
    assert names == sorted(set(names))


def test_the_emulator_process_is_the_package_told_what_to_seed() -> None:
    command = emulator_process.emulator_command()
    assert command[:3] == [sys.executable, "-m", "mlstack.emulator"]
    seeded = [command[i + 1] for i, arg in enumerate(command) if arg == "--dlami-parameter"]
    assert seeded == emulator_process.dlami_parameter_names()


def test_the_run_credentials_are_random_and_handed_over_in_the_environment_only() -> None:
    issued = Credentials.issue()
    assert issued != Credentials.issue()
    assert handed_over(issued.handover()) == issued
    assert handed_over({}) is None
    assert account.run_credentials() is account.run_credentials()  # one pair for the whole run
    command = " ".join(emulator_process.emulator_command())
    assert account.run_credentials().access_key_id not in command  # every user sees command lines in `ps`


def test_the_cli_and_the_clients_of_the_run_use_the_run_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALACCOUNTKEY00")
    credentials = account.run_credentials()
    env = account.cli_environment("http://localhost:4566")
    assert env["AWS_ACCESS_KEY_ID"] == credentials.access_key_id
    assert env["AWS_SECRET_ACCESS_KEY"] == credentials.secret_access_key
    assert account.session().get_credentials().access_key == credentials.access_key_id
    assert f"AWS_ACCESS_KEY_ID={credentials.access_key_id} " in account.shell_assignments()
    assert "AKIAREALACCOUNTKEY00" not in env.values() and os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALACCOUNTKEY00"
