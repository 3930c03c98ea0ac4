"""`mlstack train`: train a recipe's model (sentiment or forecast) as a SageMaker training job, or here on CPU
(`--local`); mlstack.ops.train prepares, prices, submits and follows the job."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import click

from mlstack.ops.settings import settings_options
from mlstack.ops.train import LOCAL_ROWS, train
from stacks.config import RecipeName


@click.command(
    "train",
    epilog="Examples: mlstack train    mlstack train -c training.instance_count=2 --deploy    "
    "mlstack train --local --demo    mlstack train --recipe forecast    mlstack train --recipe forecast --local --demo",
)
@settings_options
@click.option(
    "--recipe",
    type=click.Choice(get_args(RecipeName)),
    help="The model to train (default: the training.recipe setting, sentiment).",
)
@click.option("--local", is_flag=True, help="Run the recipe's training script here on CPU.")
@click.option(
    "--demo", is_flag=True, help="With --local: generate a small data set (and a tiny sentiment model; no downloads)."
)
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    help="With --local: Yelp-layout CSVs or the archive; forecast: CSV/Parquet of item_id, timestamp, target.",
)
@click.option(
    "--model", help="With --local, sentiment: model_name_or_path, a folder or Hub id (default training.base_model)."
)
@click.option(
    "--rows", type=click.IntRange(min=10), default=LOCAL_ROWS, show_default=True, help="With --local, sentiment."
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="With --local: where the model goes (default cdk.local.out/training, forecast: cdk.local.out/forecast).",
)
@click.option(
    "--train-uri",
    help="The job's train channel (default: the Yelp archive; forecast: the Spark job's newest series).",
)
@click.option("--wait/--no-wait", default=True, help="Follow the job until it ends (default) or return at once.")
@click.option("--deploy", is_flag=True, help="After the job, deploy the Platform stack serving the new model.")
@click.option("--endpoint-url", help="An emulator's endpoint (default: the real AWS endpoints).")
@click.option("--poll-seconds", type=click.FloatRange(min=0), default=30.0, hidden=True)
def command(prefix: str | None, context: tuple[str, ...], **options: Any) -> int:
    """Fine-tune the sentiment model on the Yelp reviews of the Registry of Open Data, or (--recipe forecast)
    train and backtest the DeepAR forecaster on the Spark job's weather series.

    On SageMaker (default): prints the worst-case cost, refuses a job above training.max_job_usd, submits
    the job with the Platform stack's training role, follows it (forecast: prints its metrics table) and
    prints the deploy command that makes the endpoint (and the bot) serve the new model. With --local: the
    same script here on CPU.
    """
    return train(context, prefix, **options)
