"""`mlstack cdk ...`: the pinned AWS CDK CLI with the venv's Node, after checking the settings in-process.

The CLI reports an app that exits with an error as `Subprocess exited with error 2` after the app's own
lines, and exits 1; checking cdk.json and the `-c` settings here first, with every rule app.py applies
(cross-field rules, the effective region, Deep Learning Containers there), gives one line per bad setting
and exit 2 instead.
"""

from __future__ import annotations

import subprocess
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

from mlstack.ops import cdk_cli, ui
from mlstack.ops import settings as ops_settings
from mlstack.paths import ROOT
from stacks import outputs
from stacks.config import Settings, SettingsError, image_region_problems
from stacks.naming import Layer


@click.command(
    "cdk",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False, "help_option_names": []},
    epilog="Examples: mlstack cdk synth    mlstack cdk deploy --all -c prefix=ana    mlstack cdk destroy --all",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> int:
    """Run the pinned AWS CDK CLI (package.json) with the venv's Node first on PATH.

    Every argument goes to the CLI (`mlstack cdk --help` is the CLI's own help). Settings given with
    `-c key=value` are validated first: a bad one prints one line and exits 2 before the CLI starts.
    """
    if not cdk_cli.installed():
        raise ui.CommandError(cdk_cli.INSTALL_HINT, ui.EXIT_USAGE)
    settings = ops_settings.load(ops_settings.parse_overrides(ops_settings.context_pairs(args)))
    problems = image_region_problems(settings, ops_settings.region_of(settings))
    if problems:
        raise SettingsError(problems)
    # Read before the destroy: afterwards the stacks, and their outputs, are gone.
    adopt = adoption_flags(settings) if args[:1] == ("destroy",) and settings.retain_data else []
    code = subprocess.run(cdk_cli.command(*args), cwd=ROOT, env=cdk_cli.environment(), check=False).returncode
    if code == 0 and adopt:
        ui.console.print(
            "retain_data=true kept the data; to use it again, deploy with: " + " ".join(adopt), soft_wrap=True
        )
    return code


def adoption_flags(settings: Settings, cloudformation: Any = None) -> list[str]:
    """The `-c` flags that make the next deploy adopt what a `retain_data=true` destroy keeps.

    Read from the deployed stacks' outputs; a stack that cannot be read adds nothing.
    """
    wanted: list[tuple[Layer, str, str]] = [("data", outputs.DATA_BUCKET, "data.existing_bucket_name")]
    if settings.has("api_services"):
        wanted.append(("api_services", outputs.RESULTS_TABLE, "api_services.existing_results_table_name"))
    cloudformation = cloudformation or ops_settings.session_for(settings).client("cloudformation")
    flags = []
    for layer, key, setting in wanted:
        try:
            stack = cloudformation.describe_stacks(StackName=settings.stack_name(layer))["Stacks"][0]
        except (BotoCoreError, ClientError):
            continue  # not deployed, or not readable: the destroy reports its own problem
        values = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if key in values:
            flags.append(f"-c {setting}={values[key]}")
    return flags
