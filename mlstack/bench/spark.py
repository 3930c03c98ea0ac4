"""Benchmark of the Spark job (spark/ghcn_series.py) in local Spark, against DuckDB on the same files.

For each size (BENCH_SPARK_ROWS, default 1 M and 10 M rows) the generator (spark/ghcn_sample.py --rows) writes
GHCN-D-shaped TMAX input over ten years (one station in ten Canadian, 2 % of days absent, 0.5 % flagged); then:

- the job runs as a user runs it (`python spark/ghcn_series.py ... --station-prefix US`, local[*], driver memory
  2 GB): selection, quality drop and conversion, coverage, the complete calendar, gap filling, all outputs;
  input rows per second over the job's own seconds (summary.json) and over the wall time (with JVM start-up);
- DuckDB, the single-machine reference, runs the same selection and conversion on the same files (the US
  stations, no quality flag, no -9999, tenths to degrees, yyyymmdd to a date) into Parquet, with the same
  2 GB memory limit.

The figures are this machine's (2 cores), local mode only: they show how the job grows with its input and what
the distributed engine costs over a single-process one at this size, not what EMR Serverless does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mlstack.ops.ui import EXIT_USAGE, CommandError
from mlstack.paths import ROOT

JOB = ROOT / "spark" / "ghcn_series.py"
GENERATOR = ROOT / "spark" / "ghcn_sample.py"
SIZES = tuple(int(size) for size in os.environ.get("BENCH_SPARK_ROWS", "1000000,10000000").split(","))
START_YEAR, END_YEAR = 2011, 2020
DUCKDB_QUERY = """
COPY (
    SELECT ID AS item_id, CAST(strptime(DATE, '%Y%m%d') AS DATE) AS timestamp, DATA_VALUE / 10.0 AS value
    FROM read_parquet('{input}/YEAR=*/ELEMENT=TMAX/*.parquet', hive_partitioning = true)
    WHERE YEAR BETWEEN {start} AND {end} AND starts_with(ID, 'US')
      AND coalesce(trim(Q_FLAG), '') = '' AND DATA_VALUE <> -9999
) TO '{output}' (FORMAT parquet)
"""


@dataclass(frozen=True)
class SizeFigures:
    rows: int
    job_s: float  # the job's own seconds (summary.json): from reading to _SUCCESS
    wall_s: float  # the whole `python spark/ghcn_series.py` process, JVM start-up included
    duckdb_s: float

    def lines(self) -> list[str]:
        size = f"{self.rows / 1e6:.1f} M rows"
        return [
            f"spark job, {size}:     {self.rows / self.job_s:10,.0f} rows/s  ({self.job_s:.1f} s job, "
            f"{self.wall_s:.1f} s wall with start-up)",
            f"duckdb select+convert:    {self.rows / self.duckdb_s:10,.0f} rows/s  ({self.duckdb_s:.1f} s, same files)",
        ]


@dataclass(frozen=True)
class SparkFigures:
    sizes: list[SizeFigures]

    def lines(self) -> list[str]:
        lines = [line for size in self.sizes for line in size.lines()]
        if len(self.sizes) > 1:
            first, last = self.sizes[0], self.sizes[-1]
            growth = (last.job_s / first.job_s) / (last.rows / first.rows)
            lines.append(f"spark job time per row, {last.rows / first.rows:.0f}x the input: {growth:.2f}x")
        return lines


def _require_spark() -> None:
    missing = [name for name in ("pyspark", "duckdb", "pyarrow") if importlib.util.find_spec(name) is None]
    if missing:
        raise CommandError(
            f"the Spark benchmark needs {', '.join(missing)}: run `make test-spark` once "
            "(or `.venv/bin/pip install -r requirements-spark.txt`)",
            EXIT_USAGE,
        )


def _generate(folder: Path, rows: int) -> int:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--output", str(folder), "--rows", str(rows),
         "--start-year", str(START_YEAR), "--end-year", str(END_YEAR)],
        check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(path).metadata.num_rows for path in (folder / "parquet" / "by_year").rglob("*.parquet"))


def _spark_job(folder: Path) -> tuple[float, float]:
    output = folder / "out-spark"
    command = [sys.executable, str(JOB), "--input", str(folder / "parquet" / "by_year"), "--output", str(output),
               "--element", "TMAX", "--start-year", str(START_YEAR), "--end-year", str(END_YEAR),
               "--stations", str(folder / "ghcnd-stations.txt"), "--station-prefix", "US"]  # fmt: skip
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    env.pop("GHCN_SPARK_MASTER", None)
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - began
    return float(json.loads((output / "summary.json").read_text())["seconds"]), wall


def _duckdb(folder: Path) -> float:
    import duckdb

    query = DUCKDB_QUERY.format(
        input=folder / "parquet" / "by_year", start=START_YEAR, end=END_YEAR, output=folder / "out-duckdb.parquet"
    )
    with duckdb.connect() as connection:
        connection.execute("SET memory_limit = '2GB'")
        began = time.perf_counter()
        connection.execute(query)
        return time.perf_counter() - began


def spark_figures(sizes: tuple[int, ...] = SIZES) -> SparkFigures:
    """The job and DuckDB on generated input of each size, smallest first."""
    _require_spark()
    figures = []
    for rows in sorted(sizes):
        with tempfile.TemporaryDirectory(prefix="mlstack-bench-spark-") as scratch:
            folder = Path(scratch)
            written = _generate(folder, rows)
            duckdb_s = _duckdb(folder)
            job_s, wall_s = _spark_job(folder)
            figures.append(SizeFigures(written, job_s, wall_s, duckdb_s))
    return SparkFigures(figures)
