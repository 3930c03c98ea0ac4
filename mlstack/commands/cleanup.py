"""`make cleanup`: what was created outside CloudFormation under this prefix, listed (default) or deleted
(mlstack.ops.cleanup finds and removes it)."""

from __future__ import annotations

import click

from mlstack.ops import ui
from mlstack.ops.cleanup import Cleanup
from mlstack.ops.settings import settings_options


@click.command(
    "cleanup",
    epilog="Example: mlstack cleanup --prefix ana        (then `--yes` to delete what it lists)",
)
@settings_options
@click.option("--yes", is_flag=True, help="Delete (and stop) what is listed; default: list only.")
def command(prefix: str | None, context: tuple[str, ...], yes: bool) -> int:
    """List what notebooks and users left outside CloudFormation under the prefix; --yes deletes it.

    Only resources tagged with the prefix and owned by no stack are touched; a dry run changes nothing.
    """
    with ui.spinner("Looking for the prefix's leftovers..."):
        cleanup = Cleanup.find(context, prefix)
    name, region, found = cleanup.settings.prefix, cleanup.region, cleanup.found
    if not found:
        ui.console.print(f"Nothing left outside CloudFormation for prefix {name} in {region}.")
        return ui.EXIT_OK
    rows = [(i.kind, i.name, i.action, i.reason) for i in found]
    ui.console.print(ui.table(f"Leftovers of {name} in {region}", ["kind", "name", "action", "why"], rows))
    if not yes:
        ui.console.print("Dry run: nothing changed. Run `mlstack cleanup --yes` to delete (or stop) these.")
        return ui.EXIT_OK
    with ui.spinner("Cleaning up...") as status:
        failures = cleanup.remove_all(status)
    for failure in failures:
        ui.fail(failure)
    ui.console.print(f"{len(found) - len(failures)} of {len(found)} done.")
    return ui.EXIT_FAILED if failures else ui.EXIT_OK
