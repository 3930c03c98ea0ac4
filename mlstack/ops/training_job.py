"""A SageMaker training job of a recipe's train.py, built from the `training` settings.

Everything here is pure (no AWS calls) except `upload_source` and `follow`, so that `mlstack train`, its
tests and a reader can see the exact CreateTrainingJob request before anything is submitted. The request is
what the SageMaker Python SDK's framework estimators send for script mode: the source archive and entry
point as `sagemaker_*` hyperparameters, every hyperparameter JSON-encoded. A `Recipe` holds what differs
between the recipes (script folder, image, instances, the script's hyperparameters): the sentiment recipe's
is built here (training/sentiment on the Hugging Face training container, with
`sagemaker_torch_distributed_enabled` so that the container's torchrun launcher spans every GPU of every
instance), the forecast recipe's in mlstack.ops.forecast_job.
"""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlstack.ops.pricing import PriceTable
from mlstack.paths import ROOT
from stacks.config import (
    CHECKPOINTS_PREFIX,
    MODELS_PREFIX,
    TRAINING_INPUTS_PREFIX,
    RecipeName,
    Settings,
    SettingsError,
    TrainingSettings,
    yelp_archive_uri,
)

SOURCE_DIR = ROOT / "training" / "sentiment"
ENTRY_POINT = "train.py"
# The Yelp review polarity corpus where the default settings place it (the fast.ai NLP dataset entry);
# `train_data_uri(settings)` follows the configured entry.
YELP_ARCHIVE = yelp_archive_uri()
# What SageMaker mounts as /opt/ml/checkpoints and syncs with CheckpointConfig.S3Uri.
CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"
TERMINAL_STATES = frozenset({"Completed", "Failed", "Stopped"})
VOLUME_GB = 30  # the model, checkpoints and the 166 MB archive fit with room to spare


@dataclass(frozen=True)
class Recipe:
    """What one recipe's job runs; everything else in the request (role, spot, checkpoints, stopping condition,
    output, tags) is the same for every recipe."""

    kind: str  # the job name's middle part: <prefix>-<kind>-<UTC time>
    source_dir: Path
    image: str
    instance_type: str
    instance_count: int
    # The script's own `--name value` hyperparameters.
    script_hyperparameters: Mapping[str, Any]
    # torchrun across every GPU of every instance (SageMaker's launcher).
    distributed: bool = False
    # Files added to the source archive's root next to the script folder's (e.g. a generated requirements.txt).
    extra_files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class WorstCase:
    """The most a job can cost: every instance billed for the longest the job may run, at the on-demand price."""

    usd: float
    hourly_usd: float
    hours: float
    instances: int
    instance_type: str

    def explain(self) -> str:
        return (
            f"{self.instances} x {self.instance_type} x {self.hours:g} h at ${self.hourly_usd:.3f}/h = ${self.usd:.2f}"
        )


def worst_case(training: TrainingSettings, prices: PriceTable, recipe: RecipeName = "sentiment") -> WorstCase:
    """A spot job may bill up to MaxWaitTimeInSeconds; price it on demand, since spot is at most that."""
    instance_type, count = training.instances(recipe)
    hourly = prices.by_type("sagemaker_training_hour", instance_type)
    if hourly is None:  # the setting's validator only admits priced types; a stale price table is a bug
        raise LookupError(f"no training price for {instance_type} in mlstack/ops/prices.json")
    minutes = training.effective_max_wait_minutes or training.max_runtime_minutes
    hours = minutes / 60
    return WorstCase(hourly * hours * count, hourly, hours, count, instance_type)


def job_name(prefix: str, now: datetime | None = None, kind: str = "train") -> str:
    """`<prefix>-<kind>-<UTC time>`: the prefix is what the notebook role and the spending stop match on."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{prefix}-{kind}-{stamp}"[:63]


def train_data_uri(settings: Settings) -> str:
    """The Yelp archive of the settings' fast.ai NLP dataset entry (the default job's train channel)."""
    return yelp_archive_uri(settings.public_datasets)


def image_uri(training: TrainingSettings, region: str) -> str:
    """The training image in `region`; SettingsError (one line, exit 2) where AWS does not publish it."""
    problem = training.region_problem(region)
    if problem:
        raise SettingsError([problem])
    return training.image_uri(region)


def source_key(name: str) -> str:
    return f"{TRAINING_INPUTS_PREFIX}code/{name}/sourcedir.tar.gz"


def sentiment_recipe(training: TrainingSettings, region: str) -> Recipe:
    """training/sentiment on the Hugging Face training container, data-parallel over every GPU and instance."""
    return Recipe(
        kind="train",
        source_dir=SOURCE_DIR,
        image=image_uri(training, region),
        instance_type=training.instance_type,
        instance_count=training.instance_count,
        script_hyperparameters={
            "model_name_or_path": training.base_model,
            "epochs": training.epochs,
            "max_rows": training.max_rows,
        },
        distributed=True,
    )


def source_archive(source_dir: Path = SOURCE_DIR, extra_files: Mapping[str, bytes] | None = None) -> bytes:
    """sourcedir.tar.gz as the SDK builds it: the script folder's files at the archive's root, plus
    `extra_files` (name: content) there too, in place of a folder file of the same name."""
    extra = dict(extra_files or {})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(source_dir.rglob("*")):
            name = str(path.relative_to(source_dir))
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and path.suffix in (".py", ".txt")
                and name not in extra
            ):
                archive.add(path, arcname=name)
        for name, content in sorted(extra.items()):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def hyperparameters(recipe: Recipe, *, name: str, region: str, source_uri: str) -> dict[str, str]:
    """The script's `--name value` arguments plus the toolkit's `sagemaker_*` keys, each JSON-encoded."""
    values: dict[str, Any] = {
        **recipe.script_hyperparameters,
        "sagemaker_program": ENTRY_POINT,
        "sagemaker_submit_directory": source_uri,
        "sagemaker_region": region,
        "sagemaker_job_name": name,
        "sagemaker_container_log_level": 20,
        "sagemaker_instance_type": recipe.instance_type,
    }
    if recipe.distributed:
        # torchrun on every instance, one process per GPU (SageMaker's launcher sets RANK, WORLD_SIZE...).
        values["sagemaker_torch_distributed_enabled"] = True
    return {key: json.dumps(value) for key, value in values.items()}


def create_request(
    settings: Settings,
    *,
    name: str,
    region: str,
    role_arn: str,
    data_bucket: str,
    train_uri: str | None = None,
    recipe: Recipe | None = None,
) -> dict[str, Any]:
    """The CreateTrainingJob parameters (botocore's shape names) for `settings.training`; SettingsError where
    the region has no training image. `recipe` defaults to the sentiment recipe, `train_uri` to the settings'
    Yelp archive."""
    training = settings.training
    recipe = recipe or sentiment_recipe(training, region)
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": training.max_runtime_minutes * 60}
    if training.spot:
        stopping["MaxWaitTimeInSeconds"] = int(training.effective_max_wait_minutes or 0) * 60
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "RoleArn": role_arn,
        "AlgorithmSpecification": {
            "TrainingImage": recipe.image,
            "TrainingInputMode": "File",
        },
        "HyperParameters": hyperparameters(
            recipe, name=name, region=region, source_uri=f"s3://{data_bucket}/{source_key(name)}"
        ),
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": train_uri or train_data_uri(settings),
                        # Several instances each read the whole corpus; the script shards it by rank.
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{data_bucket}/{MODELS_PREFIX}"},
        "ResourceConfig": {
            "InstanceType": recipe.instance_type,
            "InstanceCount": recipe.instance_count,
            "VolumeSizeInGB": VOLUME_GB,
        },
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": training.spot,
        "CheckpointConfig": {
            "S3Uri": f"s3://{data_bucket}/{CHECKPOINTS_PREFIX}{name}/",
            "LocalPath": CHECKPOINT_LOCAL_PATH,
        },
        "Tags": [
            {"Key": key.replace("_", "-"), "Value": value}
            for key, value in {**settings.tags.model_dump(), "mlstack:prefix": settings.prefix}.items()
        ],
    }
    return request


def upload_source(s3: Any, bucket: str, name: str, recipe: Recipe | None = None) -> str:
    """Upload the recipe's script folder (default: the sentiment one) as the job's sourcedir.tar.gz; returns its
    s3:// URI."""
    key = source_key(name)
    body = source_archive(recipe.source_dir, recipe.extra_files) if recipe else source_archive()
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return f"s3://{bucket}/{key}"


@dataclass(frozen=True)
class Progress:
    """One look at a running job, as `mlstack train` shows it."""

    status: str
    secondary: str
    billable_seconds: int
    spot_savings_percent: float | None
    model_artifacts: str
    failure: str

    @classmethod
    def of(cls, described: dict[str, Any]) -> Progress:
        billable = int(described.get("BillableTimeInSeconds") or 0)
        trained = int(described.get("TrainingTimeInSeconds") or 0)
        savings = (1 - billable / trained) * 100 if described.get("EnableManagedSpotTraining") and trained else None
        return cls(
            status=str(described.get("TrainingJobStatus", "")),
            secondary=str(described.get("SecondaryStatus", "")),
            billable_seconds=billable,
            spot_savings_percent=savings,
            model_artifacts=str(described.get("ModelArtifacts", {}).get("S3ModelArtifacts", "")),
            failure=str(described.get("FailureReason", "")),
        )

    def line(self) -> str:
        savings = "" if self.spot_savings_percent is None else f", spot saved {self.spot_savings_percent:.0f} %"
        return f"{self.status} / {self.secondary}: {self.billable_seconds} billable s{savings}"


def follow(
    sagemaker: Any, name: str, *, poll_seconds: float = 30.0, sleep: Callable[[float], None] = time.sleep
) -> Iterator[Progress]:
    """Each change of the job's status until it ends (Completed, Failed or Stopped)."""
    last: Progress | None = None
    while True:
        progress = Progress.of(sagemaker.describe_training_job(TrainingJobName=name))
        if progress != last:
            yield progress
            last = progress
        if progress.status in TERMINAL_STATES:
            return
        sleep(poll_seconds)


def local_packages_problem(packages: Sequence[str]) -> str | None:
    """What `--local` of a recipe says when this Python lacks some of `packages` (the ML stack, which `make test`'s
    venv does not hold); None when all are importable."""
    missing = [name for name in packages if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (
        f"--local needs {', '.join(missing)} in this Python: `make test-ml` installs the ML packages"
        ' into .venv (or pip install -r requirements-ml.txt; README "Testing": the CPU build of torch)'
    )
