"""`mlstack spark`: turn GHCN-D into daily series with spark/ghcn_series.py on EMR Serverless, or here (`--local`).

On EMR Serverless the job runs on the Data stack's application with its job role; before submitting, the
worst case (maximum capacity x spark.max_runtime_minutes x the published prices) is printed and checked
against spark.max_job_usd. After `_SUCCESS` the element's `latest` manifest, and so its Glue table, points
at the new run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mlstack.ops import settings as ops_settings
from mlstack.ops import spark_job, ui
from mlstack.ops.deployment import Deployment
from mlstack.ops.settings import settings_options
from mlstack.paths import ROOT

LOCAL_OUTPUT = ROOT / "cdk.local.out" / "spark"


@click.command(
    "spark",
    epilog="Examples: mlstack spark    mlstack spark -c spark.element=PRCP -c spark.start_year=2000    "
    "mlstack spark --local --demo",
)
@settings_options
@click.option("--local", is_flag=True, help="Run the job here in local Spark (needs requirements-spark.txt).")
@click.option("--demo", is_flag=True, help="With --local: write a small GHCN-shaped sample and run on it.")
@click.option("--input", "input_root", help="With --local: the by_year layout's root (a local folder).")
@click.option("--stations", help="With --local: a ghcnd-stations.txt (a local file).")
@click.option("--output", type=click.Path(path_type=Path), default=LOCAL_OUTPUT, help="With --local: where runs go.")
@click.option("--wait/--no-wait", default=True, help="Follow the run until it ends (default) or return at once.")
@click.option("--endpoint-url", help="An emulator's endpoint (default: the real AWS endpoints).")
@click.option("--poll-seconds", type=click.FloatRange(min=0), default=15.0, hidden=True)
def command(  # noqa: PLR0917 - click passes every option by keyword; the signature mirrors them
    prefix: str | None,
    context: tuple[str, ...],
    local: bool,
    demo: bool,
    input_root: str | None,
    stations: str | None,
    output: Path,
    wait: bool,
    endpoint_url: str | None,
    poll_seconds: float,
) -> Any:
    """Turn NOAA GHCN-D into one complete daily series per station (spark.* settings: element, years, stations).

    On EMR Serverless (default): prints the worst-case cost, refuses a job above spark.max_job_usd, submits
    the job to the Data stack's application, follows it, then points the element's Glue table at the new run
    and prints the Athena query. With --local: the same job here in local Spark.
    """
    settings = ops_settings.load(ops_settings.parse_overrides(context, prefix))
    if local:
        run = spark_job.run_local(settings.spark, output=output, input_root=input_root, stations=stations, demo=demo)
        print(f"Output: {run} (series/, stations/, history/, summary.json)")
        return ui.EXIT_OK
    if demo or input_root or stations:
        raise spark_job.SparkJobError("--demo, --input and --stations go with --local", ui.EXIT_USAGE)
    deployment = Deployment.of(settings, endpoint_url=endpoint_url)
    return spark_job.run_on_emr(deployment, wait=wait, poll_seconds=poll_seconds)
