"""`mlstack local`'s emulator process: which public parameters it seeds, from the app's own settings."""

from __future__ import annotations

import sys

from mlstack.local import emulator_process
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
