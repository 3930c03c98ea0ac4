"""`mlstack local`: deploy, check, redeploy, destroy the whole app with the real CDK CLI against the local emulator.

Starts the emulator (moto server plus mlstack.emulator's extensions) on a free port of localhost in a
process of its own, stopped on exit whatever fails. Exit code 0 only when every phase passed, every check
passed (or cannot be answered by an emulator), the redeploy changed nothing and no resource is left.
Extra CDK flags: `mlstack local -c layers=data,platform` (or `make local ARGS="..."`).
The round trip itself is mlstack/local/; this module is its command line.
"""

from __future__ import annotations

from pathlib import Path

import click

from mlstack.local.plan import SCENARIOS
from mlstack.local.round_trip import FAULT_RESOURCE_TYPE
from mlstack.local.run import run
from mlstack.ops import cdk_cli, cdk_options, ui
from mlstack.ops import settings as ops_settings


@click.command(
    "local",
    context_settings={"ignore_unknown_options": True},
    epilog="Examples: mlstack local    mlstack local -c layers=data,platform    mlstack local --json report.json    "
    "mlstack local --keep    mlstack local --scenario retain",
)
@click.option("-v", "--verbose", is_flag=True, help="Print the CDK CLI's output.")
@click.option("--app", help="Another CDK app command than cdk.json's.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Also write the report as JSON here.")
@click.option(
    "--keep",
    is_flag=True,
    help="After the checks, keep the emulated app running (to chat with it) until Enter; then finish the run.",
)
@click.option(
    "--scenario",
    type=click.Choice(SCENARIOS),
    default="app",
    show_default=True,
    help="app: deploy, check, redeploy, destroy. retain: deploy the data and api_services layers with "
    "retain_data, write data, destroy, deploy adopting the kept bucket and table, read the data back, destroy. "
    f"failed-deploy: the emulator fails the first {FAULT_RESOURCE_TYPE}; that deploy must roll back, then as app.",
)
@click.argument("cdk_args", nargs=-1, type=click.UNPROCESSED)
def command(
    *, verbose: bool, app: str | None, json_path: Path | None, keep: bool, scenario: str, cdk_args: tuple[str, ...]
) -> int:
    """No AWS account needed: deploy, check, redeploy and destroy the app against a local emulator.

    Starts the emulator (moto plus mlstack.emulator's extensions) on a free localhost port, runs the real
    pinned CDK CLI against it, and stops it whatever fails. Exit 0 only when every phase and check passed,
    the redeploy changed nothing and no resource is left. Extra arguments (`-c key=value`) go to the CDK CLI.
    """
    # The extra arguments go to every synth: the options `cdk synth` declares, `--prefix`, valid settings.
    synth_args = cdk_options.check(["synth", *cdk_args]).cli_args[1:]
    if not cdk_cli.installed():
        raise ui.CommandError(cdk_cli.INSTALL_HINT, ui.EXIT_USAGE)
    ops_settings.load(ops_settings.parse_overrides(ops_settings.context_pairs(synth_args)))  # bad settings: exit 2
    return run(scenario, synth_args, verbose=verbose, app=app, keep=keep, json_path=json_path)
