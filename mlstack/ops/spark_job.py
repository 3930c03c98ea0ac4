"""The GHCN-D series job (spark/ghcn_series.py) on the Data stack's EMR Serverless application, or here in local Spark.

Pure except `deployed`, `follow`, `mark_latest` and `run_local`, so that `mlstack spark`, its tests and a reader
see the exact StartJobRun request before anything is submitted. Every run writes its own prefix,
`curated/ghcn/<element>/<run id>/`; once its `_SUCCESS` exists, `mark_latest` rewrites the element's
`latest/symlink.txt` manifest, which is all the Glue table `ghcn_<element>_series` reads: readers see the
newest complete run, never a half-written one. It also copies the run's `history/<station>.json` documents to
`curated/ghcn/<element>/latest-history/` (stacks/naming.py), the fixed keys the bot's Forecast intent reads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlstack.ops import ui
from mlstack.ops.aws import paginate
from mlstack.ops.deployment import Deployment
from mlstack.ops.pricing import PriceTable
from mlstack.paths import ROOT
from stacks import naming, outputs
from stacks.config import GHCN_SERIES_PREFIX, PREFIX_TAG_KEY, SPARK_CODE_PREFIX, Settings, SparkSettings

SPARK_DIR = ROOT / "spark"
ENTRY_POINT = "ghcn_series.py"
SAMPLE_SCRIPT = "ghcn_sample.py"
# GHCN-D as the Registry of Open Data publishes it (the bucket's readme): Parquet by year and element, and the
# fixed-width station list at the bucket's root.
GHCN_INPUT = "s3://noaa-ghcn-pds/parquet/by_year/"
GHCN_STATIONS = "s3://noaa-ghcn-pds/ghcnd-stations.txt"
SUCCESS_MARKER = "_SUCCESS"
LATEST_MANIFEST = "latest/symlink.txt"
TERMINAL_STATES = frozenset({"SUCCESS", "FAILED", "CANCELLED"})
# The years of the sample `--demo` writes (spark/ghcn_sample.py's demo defaults).
DEMO_YEARS = (2019, 2020)


class SparkJobError(ui.CommandError):
    """A job that cannot be submitted (exit 2 for bad input) or did not complete (exit 1)."""


@dataclass(frozen=True)
class WorstCase:
    """The most one run can cost: the application's maximum capacity billed for the whole maximum runtime."""

    vcpu: int
    memory_gb: int
    disk_gb: int
    hours: float
    vcpu_hour_usd: float
    gb_hour_usd: float
    storage_gb_hour_usd: float

    @property
    def usd(self) -> float:
        hourly = (
            self.vcpu * self.vcpu_hour_usd + self.memory_gb * self.gb_hour_usd + self.disk_gb * self.storage_gb_hour_usd
        )
        return hourly * self.hours

    def explain(self) -> str:
        return (
            f"({self.vcpu} vCPU x ${self.vcpu_hour_usd:g} + {self.memory_gb} GB x ${self.gb_hour_usd:g} + "
            f"{self.disk_gb} GB disk x ${self.storage_gb_hour_usd:g}) per hour x {self.hours:g} h = ${self.usd:.2f}"
        )


def worst_case(spark: SparkSettings, prices: PriceTable) -> WorstCase:
    """Storage is priced on the whole disk although 20 GB per worker are free: an upper bound, as promised."""
    vcpu = prices.by_type("emr_serverless_vcpu_hour", spark.architecture)
    memory = prices.by_type("emr_serverless_gb_hour", spark.architecture)
    if vcpu is None or memory is None:  # the setting admits both architectures; a stale price table is a bug
        raise LookupError(f"no EMR Serverless price for {spark.architecture} in mlstack/ops/prices.json")
    return WorstCase(
        vcpu=spark.max_vcpu,
        memory_gb=spark.max_memory_gb,
        disk_gb=spark.max_disk_gb,
        hours=spark.max_runtime_minutes / 60,
        vcpu_hour_usd=vcpu,
        gb_hour_usd=memory,
        storage_gb_hour_usd=prices.usd("emr_serverless_storage_gb_hour"),
    )


def check_cost(spark: SparkSettings, prices: PriceTable) -> WorstCase:
    """The worst case, refused (exit 2) above spark.max_job_usd."""
    worst = worst_case(spark, prices)
    if worst.usd > spark.max_job_usd:
        raise SparkJobError(
            f"spark job worst case {worst.explain()} is above spark.max_job_usd={spark.max_job_usd:g}; raise it "
            f"(-c spark.max_job_usd={int(worst.usd) + 1}) or lower spark.max_runtime_minutes, spark.max_vcpu or "
            "spark.max_memory_gb",
            2,
        )
    return worst


def run_id(now: datetime | None = None) -> str:
    """`20261204-181500`: sorts by time, and names the run's output prefix and job run."""
    return (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")


def output_prefix(element: str, run: str) -> str:
    return f"{GHCN_SERIES_PREFIX}{element}/{run}/"


def job_arguments(
    spark: SparkSettings, *, input_root: str, output: str, stations: str | None, years: tuple[int, int] | None = None
) -> list[str]:
    """spark/ghcn_series.py's command line, the same on EMR Serverless (entryPointArguments) and here."""
    start, end = years or (spark.start_year, spark.end_year)
    arguments = ["--input", input_root, "--output", output, "--element", spark.element,
                 "--start-year", str(start), "--end-year", str(end)]  # fmt: skip
    if stations:
        arguments += ["--stations", stations]
    if spark.station_prefix:
        arguments += ["--station-prefix", spark.station_prefix]
    arguments += ["--min-coverage", f"{spark.min_coverage:g}", "--max-gap-days", str(spark.max_gap_days)]
    if spark.history_stations:
        arguments += ["--history-stations", ",".join(spark.history_stations), "--history-days", str(spark.history_days)]
    return arguments


@dataclass(frozen=True)
class Target:
    """What a run needs from the deployed Data stack."""

    application_id: str
    role_arn: str
    bucket: str
    database: str
    workgroup: str


def deployed(deployment: Deployment) -> Target:
    """The Data stack's Spark application, job role, bucket, Glue database and workgroup (one stack read).

    StackNotDeployed or OutputMissing (exit 3) when the Data stack lacks them (spark.enabled=false deploys none).
    """
    data = deployment.outputs("data")
    return Target(
        application_id=deployment.output("data", outputs.SPARK_APPLICATION_ID),
        role_arn=deployment.output("data", outputs.SPARK_JOB_ROLE_ARN),
        bucket=deployment.output("data", outputs.DATA_BUCKET),
        database=data.get(outputs.GLUE_DATABASE, ""),
        workgroup=data.get(outputs.ATHENA_WORKGROUP, ""),
    )


def run_on_emr(deployment: Deployment, *, wait: bool, poll_seconds: float) -> int:
    """`mlstack spark`: the worst case checked, the run submitted and followed, then `latest` pointed at it."""
    settings = deployment.settings
    worst = check_cost(settings.spark, PriceTable.load())
    deployment.require_credentials()
    target = deployed(deployment)
    run = run_id()
    request = start_request(settings, target, run)
    print(f"Worst case: {worst.explain()} (cap spark.max_job_usd={settings.spark.max_job_usd:g})")
    emr = deployment.client("emr-serverless")
    job_run_id = emr.start_job_run(**request)["jobRunId"]
    output = f"s3://{target.bucket}/{output_prefix(settings.spark.element, run)}"
    print(f"Submitted {request['name']} (job run {job_run_id}) to application {target.application_id}")
    if not wait:
        print(f"Follow it with: aws emr-serverless get-job-run --application-id {target.application_id} "
              f"--job-run-id {job_run_id}")  # fmt: skip
        return ui.EXIT_OK
    progress = None
    for progress in follow(emr, target.application_id, job_run_id, poll_seconds=poll_seconds):
        print(f"  {progress.line()}", flush=True)
    assert progress is not None  # follow yields at least once
    if progress.state != "SUCCESS":
        raise SparkJobError(f"job run {job_run_id} {progress.state}: {progress.details or 'see its logs'}")
    latest = mark_latest(deployment.client("s3"), target.bucket, settings.spark.element, run)
    print(f"Output: {output} (series/, stations/, history/, summary.json)")
    print(f"Latest: {latest.manifest}")
    print(f"History for the bot: {latest.history} ({', '.join(latest.stations) or 'no stations'})")
    print(f"Query it in Athena (workgroup {target.workgroup}): {athena_query(target.database, settings.spark.element)}")
    return ui.EXIT_OK


def start_request(settings: Settings, target: Target, run: str) -> dict[str, Any]:
    """The StartJobRun parameters (botocore's shape names) for one run of the job."""
    spark = settings.spark
    return {
        "applicationId": target.application_id,
        "clientToken": f"{settings.prefix}-{run}",
        "executionRoleArn": target.role_arn,
        "name": f"{settings.prefix}-ghcn-{spark.element.lower()}-{run}",
        "jobDriver": {
            "sparkSubmit": {
                "entryPoint": f"s3://{target.bucket}/{SPARK_CODE_PREFIX}{ENTRY_POINT}",
                "entryPointArguments": job_arguments(
                    spark,
                    input_root=GHCN_INPUT,
                    output=f"s3://{target.bucket}/{output_prefix(spark.element, run)}",
                    stations=GHCN_STATIONS,
                ),
            }
        },
        "executionTimeoutMinutes": spark.max_runtime_minutes,
        "tags": {
            PREFIX_TAG_KEY: settings.prefix,
            **{k.replace("_", "-"): v for k, v in settings.tags.model_dump().items()},
        },
    }


@dataclass(frozen=True)
class Progress:
    """One look at a job run: its state and what the service reports as billed so far."""

    state: str
    details: str
    vcpu_hours: float
    memory_gb_hours: float
    storage_gb_hours: float

    @classmethod
    def of(cls, job_run: dict[str, Any]) -> Progress:
        billed = job_run.get("billedResourceUtilization") or {}
        return cls(
            state=str(job_run.get("state", "")),
            details=str(job_run.get("stateDetails") or ""),
            vcpu_hours=float(billed.get("vCPUHour") or 0),
            memory_gb_hours=float(billed.get("memoryGBHour") or 0),
            storage_gb_hours=float(billed.get("storageGBHour") or 0),
        )

    def line(self) -> str:
        details = f" ({self.details})" if self.details else ""
        return (
            f"{self.state}{details}: billed {self.vcpu_hours:.3f} vCPU-h, {self.memory_gb_hours:.3f} GB-h, "
            f"{self.storage_gb_hours:.3f} storage GB-h"
        )


def follow(
    emr: Any,
    application_id: str,
    job_run_id: str,
    *,
    poll_seconds: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Progress]:
    """Each change of the run until it ends (SUCCESS, FAILED or CANCELLED)."""
    last: Progress | None = None
    while True:
        progress = Progress.of(emr.get_job_run(applicationId=application_id, jobRunId=job_run_id)["jobRun"])
        if progress != last:
            yield progress
            last = progress
        if progress.state in TERMINAL_STATES:
            return
        sleep(poll_seconds)


@dataclass(frozen=True)
class Latest:
    """What `mark_latest` pointed at a run: the manifest's and the history copies' s3:// URIs, the stations
    whose history it copied and the stale copies (stations of an earlier run only) it removed."""

    manifest: str
    history: str
    stations: tuple[str, ...]
    removed: tuple[str, ...]


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    return [item["Key"] for item in paginate(s3, "list_objects_v2", "Contents", Bucket=bucket, Prefix=prefix)]


def mark_latest(s3: Any, bucket: str, element: str, run: str) -> Latest:
    """Point the element's `latest` manifest (and so its Glue table) at the run's series files, and copy the run's
    history documents to the element's latest-history prefix; the run must be complete (`_SUCCESS`)."""
    prefix = output_prefix(element, run)
    keys = _keys(s3, bucket, prefix)
    if f"{prefix}{SUCCESS_MARKER}" not in keys:
        raise SparkJobError(
            f"s3://{bucket}/{prefix} has no {SUCCESS_MARKER}: the run did not complete; latest unchanged"
        )
    series = sorted(k for k in keys if k.startswith(f"{prefix}series/") and k.endswith(".parquet"))
    manifest = f"{GHCN_SERIES_PREFIX}{element}/{LATEST_MANIFEST}"
    body = "".join(f"s3://{bucket}/{key}\n" for key in series)
    s3.put_object(Bucket=bucket, Key=manifest, Body=body.encode(), ContentType="text/plain")
    history, stations, removed = _publish_history(s3, bucket, element, prefix, keys)
    return Latest(f"s3://{bucket}/{manifest}", f"s3://{bucket}/{history}", stations, removed)


def _publish_history(
    s3: Any, bucket: str, element: str, run_prefix: str, run_keys: list[str]
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Copy the run's history/<station>.json to the latest-history prefix, then remove the copies of stations
    the run has no document for: the bot then answers "no recent data" for them rather than from an old run."""
    source = f"{run_prefix}history/"
    target = naming.latest_history_prefix(element)
    names = sorted(
        key[len(source) :] for key in run_keys if key.startswith(source) and _is_document(key[len(source) :])
    )
    for name in names:
        s3.copy_object(
            Bucket=bucket,
            Key=f"{target}{name}",
            CopySource={"Bucket": bucket, "Key": f"{source}{name}"},
            ContentType="application/json",
            MetadataDirective="REPLACE",
        )
    stale = sorted(key for key in _keys(s3, bucket, target) if key[len(target) :] not in names)
    # DeleteObjects takes at most 1000 keys per call.
    for start in range(0, len(stale), 1000):
        batch = [{"Key": key} for key in stale[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    stations = tuple(name.removesuffix(".json") for name in names)
    return target, stations, tuple(key[len(target) :].removesuffix(".json") for key in stale)


def _is_document(name: str) -> bool:
    """`USW00003017.json`: a station's document directly under history/ (not a folder, not a Spark marker)."""
    return "/" not in name and name.endswith(".json") and not name.startswith(("_", "."))


def athena_query(database: str, element: str) -> str:
    """A first query over the newest run's series (the stack's Glue table of the element)."""
    return (
        f"SELECT item_id, count(*) AS days, round(avg(target), 2) AS mean, sum(CAST(filled AS integer)) AS filled "
        f"FROM {database}.ghcn_{element.lower()}_series GROUP BY item_id ORDER BY item_id LIMIT 20;"
    )


# ---- local Spark


def local_environment() -> dict[str, str]:
    """Spark binds a non-loopback address unless told otherwise."""
    return {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}


def check_pyspark(python: str = sys.executable) -> None:
    """Exit 2 with the install command when the interpreter lacks pyspark (requirements-spark.txt)."""
    found = subprocess.run([python, "-c", "import pyspark"], capture_output=True, check=False).returncode == 0
    if not found:
        raise SparkJobError(
            "pyspark is not installed: run `make test-spark` once, or "
            f"`{python} -m pip install -r requirements-spark.txt` (Spark 3.5 needs Java 17)",
            2,
        )


def local_paths(input_root: str, stations: str | None) -> None:
    """Local Spark reads local paths only."""
    for given in (input_root, stations or ""):
        if given.startswith("s3://"):
            raise SparkJobError(f"--input/--stations={given}: local Spark reads local paths only, not s3://", 2)
    if not Path(input_root).is_dir():
        raise SparkJobError(f"--input={input_root}: no such folder (the by_year layout's root)", 2)


def run_local(
    spark: SparkSettings,
    *,
    output: Path,
    input_root: str | None,
    stations: str | None,
    demo: bool,
    python: str = sys.executable,
    spark_dir: Path | None = None,
) -> Path:
    """The job here in local Spark (after writing the demo sample with `demo`); returns the run's output folder."""
    spark_dir = spark_dir or SPARK_DIR
    check_pyspark(python)
    years: tuple[int, int] | None = None
    if demo:
        sample = output / "demo-input"
        years = DEMO_YEARS
        _run([python, str(spark_dir / SAMPLE_SCRIPT), "--output", str(sample), "--element", spark.element,
              "--start-year", str(years[0]), "--end-year", str(years[1])], "writing the demo sample")  # fmt: skip
        input_root, stations = str(sample / "parquet" / "by_year"), str(sample / "ghcnd-stations.txt")
    if input_root is None:
        raise SparkJobError("--local needs --input <folder of the by_year layout>, or --demo", 2)
    local_paths(input_root, stations)
    run_output = output / spark.element / run_id()
    arguments = job_arguments(
        spark,
        input_root=str(input_root),
        output=str(run_output),
        stations=str(stations) if stations else None,
        years=years,
    )
    _run([python, str(spark_dir / ENTRY_POINT), *arguments], "the Spark job")
    return run_output


def _run(argv: list[str], what: str) -> None:
    if subprocess.run(argv, cwd=ROOT, env=local_environment(), check=False).returncode != 0:
        raise SparkJobError(f"{what} failed (its output is above): {' '.join(Path(a).name for a in argv[:2])} ...")
