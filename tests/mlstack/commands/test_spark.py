"""`mlstack spark` as a user runs it: settings errors, no credentials, the cap, a moto round trip, local Spark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from mlstack.ops import spark_job
from tests.mlstack.conftest import Cli

RUN = "20261204-181500"


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("spark.element=TMAXX", "spark.element='TMAXX': one of TMAX"),
        ("spark.max_vcpu=0", "spark.max_vcpu='0'"),
        ("spark.end_year=1900", "spark.end_year='1900': before spark.start_year=2015"),
        ("spark.max_memory_gb=1000", "spark.max_memory_gb='1000': with spark.max_vcpu=16"),
        ("spark.history_stations=usw1", "spark.history_stations[0]='usw1'"),
        ("spark.log_retention_days=31", "spark.log_retention_days='31'"),
        ("spark.architecture=arm64", "spark.architecture='arm64': one of ARM64, X86_64"),
        ("spark.release_label=emr-6.15.0", "spark.release_label='emr-6.15.0': an EMR 7 release label"),
        ("spark.idle_stop_minutes=30", "spark.idle_stop_minutes='30'"),
        ("spark.min_coverage=2", "spark.min_coverage='2'"),
        ("spark.station_prefix=us", "spark.station_prefix='us'"),
    ],
)
def test_a_bad_spark_setting_is_one_line_and_exit_2(cli: Cli, setting: str, named: str) -> None:
    result = cli("spark", "-c", setting)
    assert result.code == 2
    assert named in result.err and result.err.count("\n") == 1 and "Traceback" not in result.err


def test_without_credentials_exit_3_in_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    result = cli("spark")
    assert result.code == 3 and result.err.count("\n") == 1 and "credentials" in result.err


def test_a_job_above_the_cap_is_refused_before_any_aws_call(cli: Cli) -> None:
    result = cli("spark", "-c", "spark.max_job_usd=0.1")
    assert result.code == 2 and "above spark.max_job_usd=0.1" in result.err


def _data_stack(application_id: str, role_arn: str) -> None:
    template = {
        "Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {
            "DataBucketName": {"Value": "data"},
            "GlueDatabaseName": {"Value": "mlstack_datasets"},
            "AthenaWorkGroupName": {"Value": "mlstack-analytics"},
            "SparkApplicationId": {"Value": application_id},
            "SparkJobRoleArn": {"Value": role_arn},
        },
    }
    boto3.client("cloudformation").create_stack(StackName="Mlstack-Data", TemplateBody=json.dumps(template))


def test_submits_follows_and_points_latest_at_the_run(
    cli: Cli, moto_account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    emr = boto3.client("emr-serverless")
    application = emr.create_application(name="mlstack-spark", releaseLabel="emr-7.12.0", type="SPARK")
    role_arn = "arn:aws:iam::123456789012:role/spark-job"
    _data_stack(application["applicationId"], role_arn)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="data")
    # What the job writes; moto's job runs succeed at once without running anything.
    for key in ("series/country=US/part-0.parquet", "summary.json", "history/USW00003017.json", "_SUCCESS"):
        s3.put_object(Bucket="data", Key=f"curated/ghcn/TMAX/{RUN}/{key}", Body=b"x")
    monkeypatch.setattr(spark_job, "run_id", lambda: RUN)

    result = cli("spark", "--poll-seconds", "0")

    assert result.code == 0, result.err
    assert "Worst case: (16 vCPU x $0.042094" in result.out
    assert "SUCCESS: billed" in result.out
    assert f"Output: s3://data/curated/ghcn/TMAX/{RUN}/" in result.out
    assert "FROM mlstack_datasets.ghcn_tmax_series" in result.out
    [run] = emr.list_job_runs(applicationId=application["applicationId"])["jobRuns"]
    described = emr.get_job_run(applicationId=application["applicationId"], jobRunId=run["id"])["jobRun"]
    assert described["executionRole"] == role_arn
    assert described["jobDriver"]["sparkSubmit"]["entryPoint"] == "s3://data/spark/code/ghcn_series.py"
    manifest = s3.get_object(Bucket="data", Key="curated/ghcn/TMAX/latest/symlink.txt")["Body"].read().decode()
    assert manifest == f"s3://data/curated/ghcn/TMAX/{RUN}/series/country=US/part-0.parquet\n"
    assert "History for the bot: s3://data/curated/ghcn/TMAX/latest-history/ (USW00003017)" in result.out
    s3.head_object(Bucket="data", Key="curated/ghcn/TMAX/latest-history/USW00003017.json")


def test_missing_spark_outputs_name_the_stack(cli: Cli, moto_account: str) -> None:
    boto3.client("cloudformation").create_stack(
        StackName="Mlstack-Data",
        TemplateBody=json.dumps({"Resources": {"N": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}),
    )
    result = cli("spark")
    assert result.code == 3 and "stack Mlstack-Data has no output SparkApplicationId" in result.err


# A stand-in for spark/ghcn_series.py and spark/ghcn_sample.py that honours their command lines: it records its
# arguments and environment and writes the outputs the contract names, _SUCCESS last.
FAKE_JOB = """
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
value = lambda name: args[args.index(name) + 1]
out = Path(value("--output"))
if Path(sys.argv[0]).name == "ghcn_sample.py":
    (out / "parquet" / "by_year").mkdir(parents=True)
    (out / "ghcnd-stations.txt").write_text("")
    sys.exit(0)
for folder in ("series", "stations", "history"):
    (out / folder).mkdir(parents=True, exist_ok=True)
(out / "summary.json").write_text(json.dumps({"args": args, "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP")}))
(out / "_SUCCESS").write_text("")
"""


@pytest.fixture
def fake_spark_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "spark"
    folder.mkdir()
    for name in ("ghcn_series.py", "ghcn_sample.py"):
        (folder / name).write_text(FAKE_JOB)
    monkeypatch.setattr(spark_job, "SPARK_DIR", folder)
    # The fake jobs need no pyspark; the check itself has its own test below.
    monkeypatch.setattr(spark_job, "check_pyspark", lambda python=None: None)
    return folder


def _summary(output: Path) -> dict[str, Any]:
    [run] = (output / "TMAX").iterdir()
    assert (run / "_SUCCESS").exists() and (run / "series").is_dir() and (run / "history").is_dir()
    return dict(json.loads((run / "summary.json").read_text()))


def test_local_demo_writes_the_sample_then_runs_the_job_on_it(cli: Cli, fake_spark_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    result = cli("spark", "--local", "--demo", "--output", str(output))
    assert result.code == 0, result.err
    summary = _summary(output)
    assert summary["SPARK_LOCAL_IP"] == "127.0.0.1"
    args = summary["args"]
    assert args[args.index("--input") + 1] == str(output / "demo-input" / "parquet" / "by_year")
    assert args[args.index("--stations") + 1] == str(output / "demo-input" / "ghcnd-stations.txt")
    assert args[args.index("--start-year") + 1 : args.index("--start-year") + 4] == ["2019", "--end-year", "2020"]


def test_local_refuses_s3_paths_and_missing_input(cli: Cli, fake_spark_dir: Path, tmp_path: Path) -> None:
    result = cli("spark", "--local", "--input", "s3://noaa-ghcn-pds/parquet/by_year/")
    assert result.code == 2 and "local paths only" in result.err
    result = cli("spark", "--local", "--input", str(tmp_path / "nowhere"))
    assert result.code == 2 and "no such folder" in result.err
    result = cli("spark", "--demo")
    assert result.code == 2 and "go with --local" in result.err


def test_local_without_pyspark_names_the_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\nexit 1\n")
    python.chmod(0o755)
    with pytest.raises(spark_job.SparkJobError) as caught:
        spark_job.check_pyspark(str(python))
    assert caught.value.code == 2 and "make test-spark" in str(caught.value)
