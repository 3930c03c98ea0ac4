"""The forecast recipe of `mlstack train`: training/forecast/train.py as a SageMaker job, or here (`--local`).

The job is the sentiment job's request (mlstack.ops.training_job: role, spot, checkpoints, stopping condition,
output under models/) with this recipe's parts: the plain PyTorch training Deep Learning Container (CPU or GPU
variant by instance type), one instance, the script's hyperparameters from the `training.forecast_*` settings,
and a requirements.txt in the source archive, since the container has no GluonTS: the SageMaker training
toolkit pip-installs a script's requirements.txt before running it (aws/sagemaker-training-toolkit
`src/sagemaker_training/entry_point.py` `install`, commit 3383937, read 2026-12-05). Its pins are read from
requirements-ml.txt, the file the tests install, so the job runs the versions that were tested
(stacks.deep_learning_containers.forecast_job_requirements: notebook 06 ships the same file).

The train channel defaults to the Spark job's newest complete run: the element's `latest/symlink.txt` manifest
(mlstack.ops.spark_job.mark_latest) lists that run's series files, whose common `.../<run id>/series/` prefix
the job reads. When the job ends, its metrics.json (from output.tar.gz, else model.tar.gz) becomes the table
`mlstack train` prints: every forecaster's MAE, MASE, wQL and P10-P90 coverage on the same backtest windows.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from mlstack.ops import spark_job, training_job, ui
from mlstack.paths import ROOT
from stacks import deep_learning_containers as dlc
from stacks.config import GHCN_SERIES_PREFIX, TrainingSettings

RECIPE_DIR = ROOT / "training" / "forecast"
# What `--local` needs in this Python (`make test`'s venv holds none of them).
LOCAL_PACKAGES = ("torch", "gluonts", "lightning", "pandas", "pyarrow")
LOCAL_OUTPUT = ROOT / "cdk.local.out" / "forecast"
METRICS_FILE = "metrics.json"
# How the table names the script's forecasters (metrics.json keys); any other row keeps its key.
FORECASTER_TITLES = {
    "deepar": "DeepAR",
    "naive": "naive (last value)",
    "seasonal_naive": "seasonal naive (7 days)",
    "climatology": "climatology",
}


class ForecastJobError(ui.CommandError):
    """No series to train on, no way to train here, or a run that failed."""


def script_hyperparameters(training: TrainingSettings) -> dict[str, Any]:
    """The script's `--name value` hyperparameters from the settings (the job's and `--local`'s alike)."""
    return {
        "prediction_length": training.forecast_prediction_length,
        "context_length": training.forecast_context_length,
        "epochs": training.forecast_epochs,
        "backtest_windows": training.forecast_backtest_windows,
        "max_items": training.forecast_max_items,
        "freq": training.forecast_freq,
    }


def recipe(training: TrainingSettings, region: str) -> training_job.Recipe:
    """The forecast job's part of the request; SettingsError (exit 2) where the region has no PyTorch image."""
    problem = training.region_problem(region, "forecast")
    if problem:
        from stacks.config import SettingsError

        raise SettingsError([problem])
    return training_job.Recipe(
        kind="forecast",
        source_dir=RECIPE_DIR,
        image=training.forecast_image_uri(region),
        instance_type=training.forecast_instance_type,
        instance_count=1,
        script_hyperparameters=script_hyperparameters(training),
        extra_files={"requirements.txt": dlc.forecast_job_requirements().encode()},
    )


def latest_series_uri(s3: Any, bucket: str, element: str) -> str:
    """`s3://<bucket>/curated/ghcn/<element>/<run id>/series/` of the newest complete Spark run, read from the
    element's latest manifest; ForecastJobError (exit 3) when there is none yet."""
    key = f"{GHCN_SERIES_PREFIX}{element}/{spark_job.LATEST_MANIFEST}"
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
            raise
        body = ""
    prefixes = {line.partition("/series/")[0] + "/series/" for line in body.split() if "/series/" in line}
    if len(prefixes) != 1:
        found = "lists no series files" if not prefixes else f"lists {len(prefixes)} runs"
        raise ForecastJobError(
            f"s3://{bucket}/{key} {found if body else 'does not exist'}: run the Spark job first (mlstack spark) "
            "or pass --train-uri",
            ui.EXIT_AWS_ERROR,
        )
    return prefixes.pop()


def metrics_from_archive(archive: bytes) -> dict[str, Any] | None:
    """metrics.json from a job's output.tar.gz or model.tar.gz, or None when it holds none."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and Path(member.name).name == METRICS_FILE and len(Path(member.name).parts) <= 2:
                extracted = tar.extractfile(member)
                if extracted is not None:
                    report: dict[str, Any] = json.loads(extracted.read())
                    return report
    return None


def job_metrics(s3: Any, model_uri: str) -> tuple[dict[str, Any] | None, str]:
    """(metrics.json, where it was read) of a completed job: its output.tar.gz (SM_OUTPUT_DATA_DIR), else its
    model.tar.gz; (None, what was looked at) when neither has it."""
    folder = model_uri.rsplit("/", 1)[0]
    for uri in (f"{folder}/output.tar.gz", model_uri):
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        try:
            archive = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                continue
            raise
        report = metrics_from_archive(archive)
        if report is not None:
            return report, uri
    return None, f"{folder}/output.tar.gz and {model_uri}"


def _number(value: Any, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def metrics_table(report: Mapping[str, Any]) -> str:
    """The backtest as a text table, one row per forecaster (the model first), then what it was scored on."""
    lines = [f"{'forecaster':<26}{'MAE':>8}{'MASE':>8}{'wQL':>9}{'P10-P90':>9}"]
    for name, row in report["metrics"].items():
        lines.append(
            f"{FORECASTER_TITLES.get(name, name):<26}{_number(row['mae'], 3):>8}{_number(row.get('mase'), 3):>8}"
            f"{_number(row['wql'], 4):>9}{_number(row['coverage_p10_p90'], 2):>9}"
        )
    details = [
        f"{report[key]} {label}"
        for key, label in (("series", "series"), ("backtest_points", "backtest points"))
        if key in report
    ]
    if "seconds" in report:
        details.append(f"{report['seconds']} s on {report.get('device', '?')}")
    if details:
        lines.append(f"({', '.join(details)}; P10-P90 is the coverage of the 80 % interval)")
    return "\n".join(lines)


def run_locally(training: TrainingSettings, *, data: Path | None, demo: bool, output: Path) -> dict[str, Any]:
    """train.py here, as the job runs it but with folders for the channels; returns its metrics.json.

    A fresh run each time: the checkpoint folder is emptied first, or a second run would resume the first one's
    finished fit (the resume is for a spot job's restart, which SageMaker makes on the same checkpoints).
    """
    problem = training_job.local_packages_problem(LOCAL_PACKAGES)
    if problem:
        raise ForecastJobError(problem, ui.EXIT_USAGE)
    if demo:
        data = data or output / "demo-series"
    elif data is None:
        raise ForecastJobError(
            "--recipe forecast --local needs --data (CSV or Parquet: item_id, timestamp, target) or --demo",
            ui.EXIT_USAGE,
        )
    elif not data.exists():
        raise ForecastJobError(f"--data={data}: no such file or folder", ui.EXIT_USAGE)
    checkpoints = output / "checkpoints"
    shutil.rmtree(checkpoints, ignore_errors=True)
    arguments = [f"--{name}={value}" for name, value in script_hyperparameters(training).items()]
    argv = [
        sys.executable,
        str(RECIPE_DIR / training_job.ENTRY_POINT),
        "--train",
        str(data),
        "--model-dir",
        str(output / "model"),
        "--output-data-dir",
        str(output / "output"),
        "--checkpoint-dir",
        str(checkpoints),
        *(["--demo"] if demo else []),
        *arguments,
    ]
    if subprocess.run(argv, cwd=ROOT, check=False).returncode != 0:
        raise ForecastJobError(f"the forecast script failed (its output is above): {' '.join(argv[1:3])} ...")
    report: dict[str, Any] = json.loads((output / "output" / METRICS_FILE).read_text())
    return report
