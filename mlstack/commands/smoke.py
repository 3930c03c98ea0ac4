"""`mlstack smoke`: check a deployed app in the current account (mlstack.ops.smoke holds the checks)."""

from __future__ import annotations

import click

from mlstack.ops import checks, ui
from mlstack.ops.settings import settings_options
from mlstack.ops.smoke import smoke


@click.command("smoke", epilog="Example: mlstack smoke --prefix ana -c region=eu-west-1")
@settings_options
@click.option("--endpoint-url", help="An emulator's endpoint (default: the real AWS endpoints).")
@click.option("--emulator", is_flag=True, help="Report what an emulator cannot answer as such.")
def command(prefix: str | None, context: tuple[str, ...], endpoint_url: str | None, emulator: bool) -> int:
    """Check a deployed app: bucket security, tables, notebook, GPU instance, bot and its conversations.

    The same checks `mlstack local` runs against the emulator; exit 1 when any fails.
    """
    results = smoke(context, prefix, endpoint_url=endpoint_url, emulator=emulator)
    for result in results:
        print(result.line())
    print(checks.summary(results))
    return ui.EXIT_FAILED if checks.failed(results) else ui.EXIT_OK
