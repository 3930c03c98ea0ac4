"""`make preflight`: what would stop a first deploy or training job, checked before it starts; exit 1 on any
failure (mlstack.ops.preflight holds the checks)."""

from __future__ import annotations

from pathlib import Path

import click

from mlstack.ops import checks, ui
from mlstack.ops.preflight import preflight
from mlstack.ops.settings import settings_options


@click.command("preflight", epilog="Example: mlstack preflight -c region=eu-west-1")
@settings_options
@click.option("--assembly", type=click.Path(path_type=Path), help="Read this cloud assembly instead of synthesizing.")
def command(prefix: str | None, context: tuple[str, ...], assembly: Path | None) -> int:
    """Check credentials, region support, CDK bootstrap and quotas (deploy and training) before a first deploy.

    Each check prints pass or fail with its fix; exit 1 when any fails, 3 when AWS refuses the credentials.
    """
    with ui.spinner("Synthesizing the app...") as status:
        results = preflight(context, prefix, assembly, status)
    ui.console.print(checks.table("Preflight", results))
    failed = checks.failed(results)
    if failed:
        ui.console.print(f"{len(failed)} check(s) failed: fix them before `make deploy`.")
    else:
        ui.console.print("Ready to deploy.")
    aws_failure = next((result.cause for result in results if result.cause is not None), None)
    if aws_failure is not None:
        raise aws_failure  # AWS missing or refusing: the README's exit 3, as one line after the report
    return ui.EXIT_FAILED if failed else ui.EXIT_OK
