"""`make cost`: what the synthesized app costs per stack and in total, running ($/hour) and idle ($/day).

Reads the templates in cdk.out (synthesizing them first when missing, or into a temporary directory when
settings are overridden) and prices them with mlstack/ops/prices.json. `--markdown` prints the README's
table; `--readme` rewrites that table in README.md in place.
"""

from __future__ import annotations

from pathlib import Path

import click

from mlstack.ops import ui
from mlstack.ops.cost import README, approximate, markdown, priced_templates, replace_readme_table
from mlstack.ops.pricing import LineItem, PriceTable, price_stacks, totals
from mlstack.ops.settings import settings_options
from mlstack.ops.templates import StackTemplate


def _print_report(stacks: list[StackTemplate], items: list[LineItem], prices: PriceTable) -> None:
    billed = [i for i in items if i.priced and i.running_hourly > 0]
    rows = [(i.stack, i.resource, i.type, ui.money(i.running_hourly), ui.money(i.idle_daily), i.note) for i in billed]
    ui.console.print(
        ui.table("Billed by the hour", ["stack", "resource", "type", "running $/h", "idle $/day", "note"], rows)
    )
    per_use = [(i.stack, i.resource, i.note) for i in items if i.priced and i.running_hourly == 0]
    if per_use:
        ui.console.print(ui.table("Per use or free (nothing while idle)", ["stack", "resource", "price"], per_use))
    per_stack = totals(items)
    summary = [(name, ui.money(h), ui.money(d)) for name, (h, d) in per_stack.items()]
    summary.append(
        ("total", ui.money(sum(h for h, _ in per_stack.values())), ui.money(sum(d for _, d in per_stack.values())))
    )
    ui.console.print(ui.table("Per stack", ["stack", "running $/h", "idle $/day"], summary))
    unpriced = [(i.stack, i.resource, i.type) for i in items if not i.priced]
    if unpriced:
        ui.console.print(
            ui.table(
                "Not priced (type or size missing from prices.json)",
                ["stack", "resource", "type"],
                unpriced,
            )
        )
    regions = approximate(stacks, prices)
    if regions:
        ui.console.print(f"Approximate: prices are {prices.region}'s; these stacks deploy to {', '.join(regions)}.")


@click.command("cost", epilog="Example: mlstack cost -c frameworks.instance_type=g5.xlarge")
@settings_options
@click.option("--markdown", "output", flag_value="markdown", help="Print the README's markdown table.")
@click.option("--readme", "output", flag_value="readme", help="Rewrite the cost table in README.md.")
@click.option("--assembly", type=click.Path(path_type=Path), help="Read this cloud assembly instead of cdk.out.")
@click.option("--synth/--no-synth", default=True, help="Synthesize first (default) or read cdk.out as it is.")
def command(
    prefix: str | None, context: tuple[str, ...], output: str | None, assembly: Path | None, synth: bool
) -> int:
    """Running $/hour and idle $/day per stack, priced from the synthesized templates.

    Prices come from mlstack/ops/prices.json (dated and sourced per price); types it does not know are
    listed as not priced.
    """
    with ui.spinner("Synthesizing and reading templates..."):
        stacks, prices = priced_templates(context, prefix, assembly, synth=synth)
    if output == "markdown":
        print(markdown(stacks, prices))
        return ui.EXIT_OK
    if output == "readme":
        README.write_text(replace_readme_table(README.read_text(), markdown(stacks, prices)))
        ui.console.print(f"README.md cost table updated ({len(stacks)} stacks)")
        return ui.EXIT_OK
    _print_report(stacks, price_stacks(stacks, prices), prices)
    return ui.EXIT_OK
