"""`mlstack cdk ...`: the pinned AWS CDK CLI with the venv's Node, after checking the settings in-process.

The CLI reports an app that exits with an error as `Subprocess exited with error 2` after the app's own
lines, and exits 1; checking cdk.json and the `-c` settings here first, with every rule app.py applies
(cross-field rules, the effective region, Deep Learning Containers there), gives one line per bad setting
and exit 2 instead.
"""

from __future__ import annotations

import subprocess

import click

from mlstack.ops import cdk_cli, ui
from mlstack.ops import settings as ops_settings
from mlstack.paths import ROOT


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
    if settings.has("platform") and settings.platform.endpoint_enabled:
        # The one check that needs CDK's region facts (jsii): run here, not in every command's settings.
        from stacks.constructs.inference_endpoint import check_dlc_region

        check_dlc_region(settings, ops_settings.region_of(settings))
    return subprocess.run(cdk_cli.command(*args), cwd=ROOT, env=cdk_cli.environment(), check=False).returncode
