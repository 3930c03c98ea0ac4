"""`make diagram`: docs/architecture.md, a Mermaid diagram of the app (mlstack.ops.diagram draws it)."""

from __future__ import annotations

from pathlib import Path

import click

from mlstack.ops import ui
from mlstack.ops.diagram import OUTPUT, diagram
from mlstack.ops.settings import settings_options


@click.command("diagram", epilog="Example: mlstack diagram --check")
@settings_options
@click.option("--output", type=click.Path(path_type=Path), default=OUTPUT, show_default=True, help="File to write.")
@click.option("--check", is_flag=True, help="Exit 1 if the file differs instead of writing it.")
@click.option("--assembly", type=click.Path(path_type=Path), help="Read this cloud assembly instead of synthesizing.")
def command(prefix: str | None, context: tuple[str, ...], output: Path, check: bool, assembly: Path | None) -> int:
    """Regenerate docs/architecture.md (Mermaid) from the synthesized templates."""
    with ui.spinner("Synthesizing the app..."):
        text, stacks = diagram(context, prefix, assembly)
    if check:
        current = output.read_text() if output.exists() else ""
        if current != text:
            return ui.fail(f"{output} is out of date: run `mlstack diagram`")
        ui.console.print(f"{output} is up to date")
        return ui.EXIT_OK
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    ui.console.print(f"wrote {output} ({stacks} stacks)")
    return ui.EXIT_OK
