"""Frameworks settings: the defaults cdk.json gives, a CPU type with allow_cpu, one line naming setting, value and
rule per bad value, and the app's exit on one."""

from __future__ import annotations

import pytest

from stacks.config import load_settings
from tests.conftest import cdk_context, settings_problem


def test_defaults() -> None:
    settings = load_settings(cdk_context()).frameworks
    assert (settings.instance_type, settings.framework, settings.os) == ("g4dn.xlarge", "pytorch", "ubuntu-24.04")
    assert (settings.network, settings.spot, settings.ami_id, settings.key_pair_name) == ("public", False, None, None)
    assert (settings.idle_cpu_percent, settings.idle_stop_minutes, settings.root_volume_gb) == (5, 60, 125)


def test_a_cpu_type_is_accepted_with_allow_cpu() -> None:
    settings = load_settings(
        cdk_context(**{"frameworks.instance_type": "m7i.large", "frameworks.allow_cpu": "true"})
    ).frameworks
    assert settings.instance_type == "m7i.large"


@pytest.mark.parametrize(
    ("overrides", "expected_line"),
    [
        (
            {"frameworks.instance_type": "t3.large"},
            "frameworks.instance_type='t3.large': t3 has no NVIDIA GPU; use one of the GPU families: g4dn, g5, g6,",
        ),
        (
            {"frameworks.instance_type": "x9z.huge"},
            "frameworks.instance_type='x9z.huge': x9z has no NVIDIA GPU; use one of the GPU families: g4dn,",
        ),
        (
            {"frameworks.instance_type": "g5g.xlarge"},
            "frameworks.instance_type='g5g.xlarge': g5g is arm64; the DLAMIs used here are x86_64;",
        ),
        (
            {"frameworks.instance_type": "m7g.large", "frameworks.allow_cpu": "true"},
            "frameworks.instance_type='m7g.large': m7g is arm64",
        ),
        (
            {"frameworks.instance_type": "big-gpu"},
            "frameworks.instance_type='big-gpu': an EC2 instance type: family.size, e.g. g4dn.xlarge",
        ),
        (
            {"frameworks.framework": "mxnet"},
            "frameworks.framework='mxnet': Apache MXNet is retired (moved to the Apache Attic in 2023) and no "
            "current DLAMI ships it; choose pytorch, or base/tensorflow",
        ),
        ({"frameworks.framework": "jax"}, "frameworks.framework='jax': one of base, pytorch, tensorflow, e.g. pytorch"),
        (
            {"frameworks.framework": "pytorch", "frameworks.os": "ubuntu-22.04"},
            "frameworks.os='ubuntu-22.04': no pytorch DLAMI for ubuntu-22.04: current PyTorch DLAMIs are built "
            "for ubuntu-24.04 and amazon-linux-2023 only",
        ),
        (
            {"frameworks.os": "debian-12"},
            "frameworks.os='debian-12': one of ubuntu-22.04, ubuntu-24.04, amazon-linux-2023",
        ),
        (
            {"frameworks.network": "private-endpoints", "frameworks.framework": "base"},
            "frameworks: network=private-endpoints has no internet access, but framework=base installs JupyterLab",
        ),
        (
            {"frameworks.ami_id": "ami-xyz"},
            "frameworks.ami_id='ami-xyz': an AMI id: ami- and 17 (or 8) hexadecimal digits",
        ),
        (
            {"frameworks.idle_stop_minutes": "5"},
            "frameworks.idle_stop_minutes='5': a whole number from 10 to 1440 in steps of 5",
        ),
        (
            {"frameworks.idle_stop_minutes": "62"},
            "frameworks.idle_stop_minutes='62': a whole number from 10 to 1440 in steps of 5",
        ),
        (
            {"frameworks.idle_cpu_percent": "0"},
            "frameworks.idle_cpu_percent='0': a number greater than 0 and less than 100",
        ),
        ({"frameworks.root_volume_gb": "50"}, "frameworks.root_volume_gb='50': a whole number from 100 to 16384"),
        ({"frameworks.network": "vpn"}, "frameworks.network='vpn': one of public, private-nat, private-endpoints"),
    ],
)
def test_invalid_frameworks_settings_give_one_line_each(overrides: dict[str, str], expected_line: str) -> None:
    problem = settings_problem(**overrides)
    assert problem.startswith(expected_line), problem
    assert "\n" not in problem


def test_mxnet_fails_the_app_with_one_line_and_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    # app.py's main in this process (test_app.py runs it as the CLI does, in a process of its own)
    from app import main

    assert main(cdk_context(**{"frameworks.framework": "mxnet"})) == 2
    [problem] = capsys.readouterr().err.splitlines()
    assert problem.startswith("mlstack: invalid setting: frameworks.framework='mxnet': Apache MXNet is retired")
