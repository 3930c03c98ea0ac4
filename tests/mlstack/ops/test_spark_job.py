"""The GHCN-D series job's request, worst case, progress and `latest` marker, without a cluster."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mlstack.ops import spark_job
from mlstack.ops.pricing import PriceTable
from stacks.config import Settings

TARGET = spark_job.Target(
    application_id="00fabc123def4567",
    role_arn="arn:aws:iam::111122223333:role/Mlstack-Data-SparkJobRole",
    bucket="mlstack-data-bucket",
    database="mlstack_datasets",
    workgroup="mlstack-analytics",
)


def _settings(**spark: Any) -> Settings:
    return Settings.model_validate({"spark": spark})


def test_start_job_run_request_is_valid_for_botocore_and_carries_the_job_contract() -> None:
    settings = _settings(element="PRCP", start_year=2001, end_year=2010, station_prefix="CA", history_days=30)
    request = spark_job.start_request(settings, TARGET, "20261204-181500")
    emr = boto3.client("emr-serverless", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    with Stubber(emr) as stub:  # the Stubber checks every parameter against the service model
        stub.add_response(
            "start_job_run",
            {
                "applicationId": TARGET.application_id,
                "jobRunId": "00fjob",
                "arn": f"arn:aws:emr-serverless:us-east-1:111122223333:/applications/{TARGET.application_id}/jobruns/0",
            },
            request,
        )
        assert emr.start_job_run(**request)["jobRunId"] == "00fjob"
    driver = request["jobDriver"]["sparkSubmit"]
    assert driver["entryPoint"] == "s3://mlstack-data-bucket/spark/code/ghcn_series.py"
    assert driver["entryPointArguments"] == [
        "--input", "s3://noaa-ghcn-pds/parquet/by_year/",
        "--output", "s3://mlstack-data-bucket/curated/ghcn/PRCP/20261204-181500/",
        "--element", "PRCP", "--start-year", "2001", "--end-year", "2010",
        "--stations", "s3://noaa-ghcn-pds/ghcnd-stations.txt",
        "--station-prefix", "CA", "--min-coverage", "0.9", "--max-gap-days", "3",
        "--history-stations", "USW00094728", "--history-days", "30",
    ]  # fmt: skip
    assert request["executionRoleArn"] == TARGET.role_arn
    assert request["executionTimeoutMinutes"] == 60
    assert request["tags"]["mlstack:prefix"] == "mlstack"


def test_worst_case_is_maximum_capacity_times_runtime_at_the_recorded_prices() -> None:
    prices = PriceTable.load()
    worst = spark_job.worst_case(_settings(max_vcpu=8, max_memory_gb=32, max_disk_gb=100).spark, prices)
    assert worst.usd == pytest.approx(8 * 0.042094 + 32 * 0.004628 + 100 * 0.000111)
    x86 = spark_job.worst_case(_settings(architecture="X86_64", max_runtime_minutes=120).spark, prices)
    assert x86.usd == pytest.approx((16 * 0.052624 + 64 * 0.0057785 + 200 * 0.000111) * 2)


def test_a_job_above_the_cap_is_refused_with_exit_2() -> None:
    with pytest.raises(spark_job.SparkJobError) as caught:
        spark_job.check_cost(_settings(max_job_usd=0.5).spark, PriceTable.load())
    assert caught.value.code == 2
    assert "spark.max_job_usd=0.5" in str(caught.value) and "\n" not in str(caught.value)


def test_follow_reports_each_state_and_the_billed_resources() -> None:
    runs = iter(
        [
            {"state": "PENDING"},
            {"state": "RUNNING", "billedResourceUtilization": {"vCPUHour": 0.5, "memoryGBHour": 2.0}},
            {"state": "RUNNING", "billedResourceUtilization": {"vCPUHour": 0.5, "memoryGBHour": 2.0}},
            {"state": "SUCCESS", "billedResourceUtilization": {"vCPUHour": 1.25, "memoryGBHour": 5.0}},
        ]
    )

    class Emr:
        def get_job_run(self, **_: str) -> dict[str, Any]:
            return {"jobRun": next(runs)}

    seen = list(spark_job.follow(Emr(), "app", "run", sleep=lambda _: None))
    assert [p.state for p in seen] == ["PENDING", "RUNNING", "SUCCESS"]
    assert seen[-1].line() == "SUCCESS: billed 1.250 vCPU-h, 5.000 GB-h, 0.000 storage GB-h"


def test_latest_manifest_lists_the_complete_runs_series_files(moto_account: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="data")
    prefix = "curated/ghcn/TMAX/20261204-181500/"
    for key in ("series/country=US/part-0.parquet", "series/country=CA/part-0.parquet", "summary.json"):
        s3.put_object(Bucket="data", Key=prefix + key, Body=b"x")
    with pytest.raises(spark_job.SparkJobError, match="no _SUCCESS"):
        spark_job.mark_latest(s3, "data", "TMAX", "20261204-181500")
    s3.put_object(Bucket="data", Key=prefix + "_SUCCESS", Body=b"")
    latest = spark_job.mark_latest(s3, "data", "TMAX", "20261204-181500")
    assert latest.manifest == "s3://data/curated/ghcn/TMAX/latest/symlink.txt"
    body = s3.get_object(Bucket="data", Key="curated/ghcn/TMAX/latest/symlink.txt")["Body"].read().decode()
    assert body.splitlines() == [f"s3://data/{prefix}series/country=CA/part-0.parquet",
                                 f"s3://data/{prefix}series/country=US/part-0.parquet"]  # fmt: skip
    assert latest.stations == () and latest.removed == ()


def _history(station: str, last: str) -> bytes:
    return json.dumps({"station": station, "unit": "degC", "start": "2026-11-01", "target": [1.5],
                       "last_observation": last}).encode()  # fmt: skip


def _run(s3: Any, run: str, stations: dict[str, str]) -> None:
    prefix = f"curated/ghcn/TMAX/{run}/"
    for key in ("series/country=US/part-0.parquet", "_SUCCESS", "history/_SUCCESS"):
        s3.put_object(Bucket="data", Key=prefix + key, Body=b"x")
    for station, last in stations.items():
        s3.put_object(Bucket="data", Key=f"{prefix}history/{station}.json", Body=_history(station, last))


def _latest_history(s3: Any) -> dict[str, str]:
    listed = s3.list_objects_v2(Bucket="data", Prefix="curated/ghcn/TMAX/latest-history/").get("Contents", [])
    found = {}
    for item in listed:
        answer = s3.get_object(Bucket="data", Key=item["Key"])
        assert answer["ContentType"] == "application/json"
        found[item["Key"].rsplit("/", 1)[1]] = json.loads(answer["Body"].read())["last_observation"]
    return found


def test_latest_copies_the_runs_history_and_removes_stale_stations(moto_account: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="data")
    _run(s3, "20261201-000000", {"USW00003017": "2026-11-30", "USW00024233": "2026-11-30"})
    first = spark_job.mark_latest(s3, "data", "TMAX", "20261201-000000")
    assert first.history == "s3://data/curated/ghcn/TMAX/latest-history/"
    assert first.stations == ("USW00003017", "USW00024233")
    assert _latest_history(s3) == {"USW00003017.json": "2026-11-30", "USW00024233.json": "2026-11-30"}

    # The next run has Denver and New York, not Seattle: Seattle's old copy must not outlive its run.
    _run(s3, "20261204-181500", {"USW00003017": "2026-12-03", "USW00094728": "2026-12-03"})
    second = spark_job.mark_latest(s3, "data", "TMAX", "20261204-181500")
    assert second.stations == ("USW00003017", "USW00094728") and second.removed == ("USW00024233",)
    assert _latest_history(s3) == {"USW00003017.json": "2026-12-03", "USW00094728.json": "2026-12-03"}
    # The copies sit beside the Glue table's folder, not in it: Athena reads every object under `latest/`.
    latest = s3.list_objects_v2(Bucket="data", Prefix="curated/ghcn/TMAX/latest/")["Contents"]
    assert [item["Key"] for item in latest] == ["curated/ghcn/TMAX/latest/symlink.txt"]


def test_a_run_with_no_objects_at_all_is_incomplete_not_a_crash(moto_account: str) -> None:
    # S3 leaves Contents out of an empty listing: ops.aws.paginate reads that as no items.
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="data")
    with pytest.raises(spark_job.SparkJobError, match="no _SUCCESS"):
        spark_job.mark_latest(s3, "data", "TMAX", "20261204-181500")


def test_an_incomplete_run_leaves_the_latest_history_alone(moto_account: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="data")
    _run(s3, "20261201-000000", {"USW00003017": "2026-11-30"})
    spark_job.mark_latest(s3, "data", "TMAX", "20261201-000000")
    s3.put_object(Bucket="data", Key="curated/ghcn/TMAX/20261204-181500/history/USW00003017.json",
                  Body=_history("USW00003017", "2026-12-03"))  # fmt: skip
    with pytest.raises(spark_job.SparkJobError, match="no _SUCCESS"):
        spark_job.mark_latest(s3, "data", "TMAX", "20261204-181500")
    assert _latest_history(s3) == {"USW00003017.json": "2026-11-30"}


def test_run_ids_sort_by_time_and_name_the_output() -> None:
    run = spark_job.run_id(datetime(2026, 12, 4, 18, 15, tzinfo=UTC))
    assert run == "20261204-181500"
    assert spark_job.output_prefix("TMAX", run) == "curated/ghcn/TMAX/20261204-181500/"
    assert "ghcn_tmax_series" in spark_job.athena_query("db", "TMAX")


def test_emr_serverless_prices_are_recorded_with_date_and_source() -> None:
    prices = json.loads(spark_job.ROOT.joinpath("mlstack/ops/prices.json").read_text())["prices"]
    for key in ("emr_serverless_vcpu_hour", "emr_serverless_gb_hour", "emr_serverless_storage_gb_hour"):
        assert prices[key]["date"] and prices[key]["source"].startswith("https://aws.amazon.com/emr/pricing")
