"""`mlstack status` and the daily routine: what is deployed and running, start/stop, open the notebook.

    mlstack status            stacks, notebook, GPU instance, endpoints, bot alias, $/hour
    mlstack notebook start    start the notebook instance and wait until it is in service
    mlstack notebook stop     stop it
    mlstack notebook open     print a presigned URL that opens Jupyter
    mlstack gpu start         start the GPU instance and wait until it runs
    mlstack gpu stop          stop it

mlstack.ops.status finds the prefix's resources and acts on them.
"""

from __future__ import annotations

import click

from mlstack.ops import status as ops_status
from mlstack.ops.settings import settings_options


@click.command("status", epilog="Example: mlstack status --prefix ana")
@settings_options
def command(prefix: str | None, context: tuple[str, ...]) -> int:
    """What is deployed under the prefix, what runs now and the burn rate in $/hour."""
    return ops_status.status(context, prefix)


def _action(group: click.Group, action: str, summary: str) -> None:
    """Add `mlstack <group> <action>` on the prefix's resource."""

    @settings_options
    @click.option("--no-wait", is_flag=True, help="Return once the start or stop is requested.")
    def action_command(prefix: str | None, context: tuple[str, ...], no_wait: bool) -> int:
        assert group.name is not None
        return ops_status.start_stop(group.name, action, context, prefix, wait=not no_wait)

    group.command(action, help=summary, epilog=f"Example: mlstack {group.name} {action} --prefix ana")(action_command)


@click.group("gpu")
def gpu_group() -> None:
    """Start or stop the Frameworks GPU instance (it also stops itself when idle)."""


@click.group("notebook")
def notebook_group() -> None:
    """Start, stop or open the SageMaker notebook instance (it also stops itself when idle)."""


_action(gpu_group, "start", "Start the GPU instance and wait until it runs.")
_action(gpu_group, "stop", "Stop the GPU instance and wait until it is stopped.")
_action(notebook_group, "start", "Start the notebook and wait until it is in service.")
_action(notebook_group, "stop", "Stop the notebook instance and wait until it is stopped.")


@notebook_group.command("open", epilog="Example: mlstack notebook open --prefix ana")
@settings_options
def notebook_open(prefix: str | None, context: tuple[str, ...]) -> int:
    """Print a presigned URL that opens Jupyter (valid 5 minutes, single use)."""
    return ops_status.start_stop("notebook", "open", context, prefix, wait=False)
