"""What the emulator cannot know, put there before a sample runs and taken away after it: one seeding function
per notebook (by file stem) that needs any. A new sample plugs in with an entry in SEEDS.

Each function receives the kept app, the deployed settings, the folder the notebooks run in and the notebook,
and returns the function that deletes what it seeded (the leftovers check after the destroy must see nothing).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mlstack.paths import ROOT
from tests.notebooks.emulated_app import EmulatedApp

Undo = Callable[[], None]
Seed = Callable[[EmulatedApp, dict[str, Any], Path, Path], Undo]

GHCN_BUCKET = "noaa-ghcn-pds"
# The partitions the samples read (01: 2023; 02: 2023 and 2024), in the public bucket's layout.
GHCN_YEARS = (2023, 2024)
GHCN_STATIONS = ("USW00094728", "USC00305801", "USW00014732")  # Central Park first: sample 02 asks for it


def ghcn_frame(year: int) -> pd.DataFrame:
    """A tiny year of daily maximum temperatures in the public Parquet copy's columns (upper case, tenths of
    a degree, q_flag set on a few readings): three stations, the 1st and 15th of every month."""
    rows = []
    for station_number, station in enumerate(GHCN_STATIONS):
        for month in range(1, 13):
            for day in (1, 15):
                value = 10 * (12 - abs(7 - month)) + 7 * station_number + day + (year - 2023) * 3
                rows.append(
                    {
                        "ID": station,
                        "DATE": f"{year}{month:02d}{day:02d}",
                        "DATA_VALUE": value,
                        "M_FLAG": None,
                        "Q_FLAG": "X" if (month + day + station_number) % 11 == 0 else None,
                        "S_FLAG": "7",
                        "OBS_TIME": None,
                    }
                )
    return pd.DataFrame(rows)


def write_ghcn(folder: Path) -> dict[str, Path]:
    """The seeded Parquet files under `folder`, by their key in the public bucket."""
    files = {}
    for year in GHCN_YEARS:
        key = f"parquet/by_year/YEAR={year}/ELEMENT=TMAX/seed.parquet"
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        ghcn_frame(year).to_parquet(path, index=False)
        files[key] = path
    return files


def seed_ghcn(app: EmulatedApp, settings: dict[str, Any], workdir: Path, notebook: Path) -> Undo:
    """The public GHCN-D bucket with a tiny Parquet object in each partition the samples read."""
    s3 = app.client("s3")
    files = write_ghcn(workdir / "seed")
    s3.create_bucket(Bucket=GHCN_BUCKET)
    for key, path in files.items():
        s3.put_object(Bucket=GHCN_BUCKET, Key=key, Body=path.read_bytes())

    def undo() -> None:
        for key in files:
            s3.delete_object(Bucket=GHCN_BUCKET, Key=key)
        s3.delete_bucket(Bucket=GHCN_BUCKET)

    return undo


def notebook_queries(notebook: Path, settings: dict[str, Any], names: dict[str, Any] | None = None) -> list[str]:
    """The SQL of every `query(f\"\"\"...\"\"\")` call in the notebook's code, in order, its f-string evaluated
    with the deployed settings (and `names`, the notebook's other variables it uses) as the notebook does."""
    cells = json.loads(notebook.read_text())["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    queries = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "query" and node.args:
            # The f-string as the notebook's kernel evaluates it (the repository's own code, not input).
            sql = eval(compile(ast.Expression(node.args[0]), "<sql>", "eval"), {"settings": settings, **(names or {})})
            queries.append((node.lineno, sql))
    return [sql for _, sql in sorted(queries)]


def athena_result(connection: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    """`sql`'s result as Athena's GetQueryResults returns it: a header row, then every value as VarCharValue
    (a null has none)."""
    relation = connection.sql(sql)
    header = [{"VarCharValue": name} for name in relation.columns]
    rows = [{"Data": header}] + [
        {"Data": [{} if value is None else {"VarCharValue": str(value)} for value in row]}
        for row in relation.fetchall()
    ]
    columns = [{"Name": name, "Label": name, "Type": "varchar"} for name in relation.columns]
    return {"rows": rows, "column_info": columns}


def seed_ghcn_and_athena_results(app: EmulatedApp, settings: dict[str, Any], workdir: Path, notebook: Path) -> Undo:
    """The GHCN-D seed, and the result of each of the notebook's queries over it (DuckDB runs the notebook's own
    SQL over the seeded files, partitioned as the Glue table projects them) queued in moto's Athena, in order."""
    undo = seed_ghcn(app, settings, workdir, notebook)
    connection = duckdb.connect()
    files = str(workdir / "seed" / "parquet" / "by_year" / "*" / "*" / "*.parquet")
    connection.sql(f"CREATE SCHEMA {settings['glue_database']}")
    # The deployed Glue table's columns, lower case as Athena names them (the Parquet files say ID, DATE, ...).
    table = app.client("glue").get_table(DatabaseName=settings["glue_database"], Name="ghcn_daily")["Table"]
    names = [c["Name"] for c in table["StorageDescriptor"]["Columns"] + table.get("PartitionKeys", [])]
    connection.sql(
        f"CREATE VIEW {settings['glue_database']}.ghcn_daily AS SELECT {', '.join(f'{n} AS {n}' for n in names)} "
        f"FROM read_parquet('{files}', hive_partitioning = true)"
    )
    results = [athena_result(connection, sql) for sql in notebook_queries(notebook, settings)]
    assert results, f"{notebook.name} runs no query(...)"
    region = app.env.get("AWS_DEFAULT_REGION", "us-east-1")
    account = app.client("sts").get_caller_identity()["Account"]
    app.moto_api("/moto-api/static/athena/query-results", {"account_id": account, "region": region, "results": results})
    return undo


# The run 05 submits: it reads this name instead of the time, so that its later cells find the seeded output.
SPARK_RUN_ID = "notebook-test"


def seed_spark_run_and_athena_results(
    app: EmulatedApp, settings: dict[str, Any], workdir: Path, notebook: Path
) -> Undo:
    """05's Spark run: the job run here in local Spark on its demo sample, its output uploaded where the EMR run
    would write it (moto's job runs report SUCCESS at once, running nothing), and the results of the notebook's
    two queries, DuckDB running its own SQL over that output's series Parquet, queued in moto's Athena."""
    from mlstack.ops import spark_job
    from stacks.config import SparkSettings

    spark = SparkSettings.model_validate(settings["spark"])
    local_run = spark_job.run_local(spark, output=workdir / "spark", input_root=None, stations=None, demo=True)
    bucket = settings["data_bucket"]
    prefix = spark_job.output_prefix(spark.element, SPARK_RUN_ID)
    s3 = app.client("s3")
    keys = []
    for path in sorted(p for p in local_run.rglob("*") if p.is_file() and not p.name.endswith(".crc")):
        key = prefix + path.relative_to(local_run).as_posix()
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        keys.append(key)
    manifest = f"{spark_job.GHCN_SERIES_PREFIX}{spark.element}/latest/symlink.txt"

    connection = duckdb.connect()
    connection.sql(f"CREATE SCHEMA {settings['glue_database']}")
    table = f"{settings['glue_database']}.ghcn_{spark.element.lower()}_series"
    series = local_run / "series" / "**" / "*.parquet"  # partitioned by country=
    connection.sql(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{series}', hive_partitioning = true)")
    # The second query names the first one's top three stations (`ids`), as the notebook builds it.
    stations_sql, _ = notebook_queries(notebook, settings, {"table": table, "ids": ""})
    stations = athena_result(connection, stations_sql)
    ids = ", ".join(f"'{row['Data'][0]['VarCharValue']}'" for row in stations["rows"][1:4])
    _, daily_sql = notebook_queries(notebook, settings, {"table": table, "ids": ids})
    results = [stations, athena_result(connection, daily_sql)]
    assert len(results[1]["rows"]) > 1, "05's second query selects nothing from the seeded run"
    region = app.env.get("AWS_DEFAULT_REGION", "us-east-1")
    account = app.client("sts").get_caller_identity()["Account"]
    app.moto_api("/moto-api/static/athena/query-results", {"account_id": account, "region": region, "results": results})

    def undo() -> None:
        for key in [*keys, manifest]:
            s3.delete_object(Bucket=bucket, Key=key)

    return undo


# The training job 06 submits: it reads this name instead of the time, so that its later cells find the seeded
# model (moto's training jobs report Completed at once, training nothing).
FORECAST_JOB = "notebook-test-forecast"
FORECAST_RUN_ID = "notebook-test-forecast"
FORECAST_SCRIPT = ROOT / "training" / "forecast" / "train.py"
# A run that goes through every step of the script (backtest, baselines, refit, export) in well under a
# minute: what 06 reads back needs a real model and a real backtest, not a good one.
FORECAST_QUICK = ("--items", "6")
FORECAST_TRAINING = ("--epochs", "1", "--num_batches_per_epoch", "3", "--num_samples", "20", "--backtest_windows", "2")


def seed_forecast_job(app: EmulatedApp, settings: dict[str, Any], workdir: Path, notebook: Path) -> Undo:
    """06's inputs and job output: demo series uploaded as a Spark run with the element's `latest` marker on it
    (the train channel 06 derives), and the forecast script trained here for real on them (the ML packages of
    `make test-ml`), its model archive put where the job named FORECAST_JOB would write it."""
    series = workdir / "forecast" / "series"
    model_dir = workdir / "forecast" / "model"
    subprocess.run([sys.executable, str(FORECAST_SCRIPT.with_name("demo_data.py")), "--out", str(series),
                    *FORECAST_QUICK], check=True, capture_output=True)  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    training = subprocess.run(
        [sys.executable, str(FORECAST_SCRIPT), "--train", str(series), "--model-dir", str(model_dir),
         "--checkpoint-dir", str(workdir / "forecast" / "checkpoints"), *FORECAST_TRAINING],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert training.returncode == 0, f"06's seed: the forecast script failed:\n{training.stderr[-3000:]}"
    archive = workdir / "forecast" / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(model_dir.iterdir()):
            tar.add(path, arcname=path.name)

    bucket = settings["data_bucket"]
    element = settings["spark"]["element"]
    run_prefix = f"curated/ghcn/{element}/{FORECAST_RUN_ID}/series/"
    s3 = app.client("s3")
    keys = []
    for path in sorted(series.glob("*.parquet")):
        s3.put_object(Bucket=bucket, Key=run_prefix + path.name, Body=path.read_bytes())
        keys.append(run_prefix + path.name)
    manifest = f"curated/ghcn/{element}/latest/symlink.txt"
    s3.put_object(Bucket=bucket, Key=manifest, Body="".join(f"s3://{bucket}/{key}\n" for key in keys).encode())
    model_key = f"models/{FORECAST_JOB}/output/model.tar.gz"
    s3.put_object(Bucket=bucket, Key=model_key, Body=archive.read_bytes())
    keys += [manifest, model_key]

    def undo() -> None:
        for key in keys:
            s3.delete_object(Bucket=bucket, Key=key)

    return undo


# Environment variables a sample's kernel needs beside the emulated account's, by file stem.
SEED_ENVIRONMENT: dict[str, dict[str, str]] = {
    "05_big_data": {"MLSTACK_SPARK_RUN_ID": SPARK_RUN_ID},
    "06_forecast": {"MLSTACK_FORECAST_JOB": FORECAST_JOB},
}

SEEDS: dict[str, Seed] = {
    "01_open_data_s3": seed_ghcn,
    "02_athena_query": seed_ghcn_and_athena_results,
    "05_big_data": seed_spark_run_and_athena_results,
    "06_forecast": seed_forecast_job,
}
