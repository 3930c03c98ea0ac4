"""Fixtures for the Spark job's tests: one local Spark session per test process, the generated demo sample, and
one run of the job on it that several tests read.

The job and the generator are top-level modules (as on EMR Serverless, where the entry point is one file).
Nothing here reaches the network: the session binds to 127.0.0.1 and every path is local.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOB_DIR = ROOT / "spark"
if str(JOB_DIR) not in sys.path:
    sys.path.insert(0, str(JOB_DIR))
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"

import ghcn_sample  # noqa: E402
import ghcn_series  # noqa: E402


@dataclass(frozen=True)
class JobRun:
    output: Path
    summary: dict[str, Any]
    series: list[Any]  # Rows of series/, by station and date
    stations: list[Any]  # Rows of stations/, by id


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The process's one local Spark session (two cores, the job's local settings)."""
    os.environ.setdefault("GHCN_SPARK_MASTER", "local[2]")
    session = ghcn_series.local_session()
    # A few thousand rows: two shuffle partitions (one per core) instead of the job's local eight.
    session.conf.set("spark.sql.shuffle.partitions", "2")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> ghcn_sample.Sample:
    return ghcn_sample.write_demo(tmp_path_factory.mktemp("ghcn"))


def run_job(spark: Any, sample: ghcn_sample.Sample, output: Path, *extra: str) -> JobRun:
    """The job's main on the test session, then its output read back (small: a few thousand rows)."""
    code = ghcn_series.main([*sample.job_arguments(), "--output", str(output), *extra], spark=spark)
    assert code == 0
    series = spark.read.parquet(str(output / "series")).orderBy("item_id", "timestamp").collect()
    stations = spark.read.parquet(str(output / "stations")).orderBy("id").collect()
    return JobRun(output, json.loads((output / "summary.json").read_text()), series, stations)


HISTORY_STATIONS = f"{ghcn_sample.FULL.id},{ghcn_sample.LOW_COVERAGE.id}"
DEMO_ARGUMENTS = ("--station-prefix", "US", "--history-stations", HISTORY_STATIONS, "--history-days", "30")


@pytest.fixture(scope="session")
def demo_run(spark: Any, demo: ghcn_sample.Sample, tmp_path_factory: pytest.TempPathFactory) -> JobRun:
    """The job over the demo's US stations, TMAX 2019-2020, default thresholds (coverage 0.9, gaps up to 3 days)."""
    return run_job(spark, demo, tmp_path_factory.mktemp("run") / "out", *DEMO_ARGUMENTS)
