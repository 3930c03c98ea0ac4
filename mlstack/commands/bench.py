"""`mlstack bench`: the figures the project reports, measured on this machine.

Each benchmark returns its figures (mlstack.bench); this command runs the chosen ones and prints them.
"""

from __future__ import annotations

import importlib.util
import statistics

import click

from mlstack.ops import ui

BENCHMARKS = ("synth", "lambda", "training", "forecast", "gate", "spark")


@click.command(
    "bench", epilog="Examples: mlstack bench    mlstack bench --only lambda    mlstack bench --only training"
)
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(BENCHMARKS),
    help="Run only these (repeatable). Default: synth, lambda and training; `forecast` (DeepAR's throughput and "
    "latency), `spark` (the job's local throughput against DuckDB) and `gate` (a whole `make test`) run only when "
    "named.",
)
def command(only: tuple[str, ...]) -> int:
    """Synth time against a one-bucket baseline, the fulfillment Lambda's cold import, warm call and size,
    training throughput (tiny model, one process and two), and (with --only gate) `make test`'s wall time."""
    chosen = only or ("synth", "lambda", "training")
    if importlib.util.find_spec("torch") is None:  # the training benchmarks run the recipes: requirements-ml.txt
        for name in ("training", "forecast"):
            if name in chosen:
                print(f"{name}: skipped, it needs the ML packages (`make test-ml` installs requirements-ml.txt)")
        chosen = tuple(name for name in chosen if name not in ("training", "forecast"))
    if "synth" in chosen:
        from mlstack.bench.synth import synth_figures

        with ui.spinner("Timing synths (app and one-bucket baseline, paired runs)..."):
            figures = synth_figures()
        print("\n".join(figures.lines()))
    if "lambda" in chosen:
        from mlstack.bench.lambda_function import lambda_figures

        with ui.spinner("Timing the fulfillment Lambda..."):
            function = lambda_figures()
        print("\n".join(function.lines()))
    if "training" in chosen:
        from mlstack.bench.training import training_figures

        with ui.spinner("Training the tiny model, one process then two..."):
            training = training_figures()
        print("\n".join(training.lines()))
    if "forecast" in chosen:
        from mlstack.bench.forecast import forecast_figures

        with ui.spinner("Training and backtesting the forecast demo, then timing its handler..."):
            forecast = forecast_figures()
        print("\n".join(forecast.lines()))
    if "gate" in chosen:
        from mlstack.bench.synth import gate_seconds

        with ui.spinner("Running `make test` (warm venvs), three times..."):
            runs = gate_seconds()
        print(
            f"make test (warm venvs):    {statistics.median(runs):6.1f} s wall, median of "
            + ", ".join(f"{seconds:.1f}" for seconds in runs)
        )
    if "spark" in chosen:
        from mlstack.bench.spark import spark_figures

        with ui.spinner("Running the Spark job and DuckDB on 1 M and 10 M generated rows (minutes)..."):
            spark = spark_figures()
        print("\n".join(spark.lines()))
    return ui.EXIT_OK
