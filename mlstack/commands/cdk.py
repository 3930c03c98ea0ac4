"""`mlstack cdk ...`: the pinned AWS CDK CLI with the venv's Node, after checking its arguments and the settings.

The CLI only warns about an option it does not know and then acts (`--prefix` was dropped: a destroy hit the
default stacks), and reports an app that exits with an error as `Subprocess exited with error 2`. Checking the
arguments against the CLI's declared options, and cdk.json with the `-c` settings with every rule app.py
applies, gives one line per problem and exit 2 before the CLI starts.
"""

from __future__ import annotations

import click

from mlstack.ops import cdk_cli, ui


@click.command(
    "cdk",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False, "help_option_names": []},
    epilog="Examples: mlstack cdk synth    mlstack cdk deploy --all --prefix ana    mlstack cdk destroy --all",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> int:
    """Run the pinned AWS CDK CLI (package.json) with the venv's Node first on PATH.

    `--prefix NAME` becomes `-c prefix=NAME`; only options the pinned CLI declares for the subcommand are
    accepted. Settings are validated first: a bad one prints one line and exits 2 before the CLI starts.
    """
    result = cdk_cli.run(args)
    if result.adoption_flags:
        ui.console.print(
            "retain_data=true kept the data; to use it again, deploy with: " + " ".join(result.adoption_flags),
            soft_wrap=True,
        )
    return result.code
