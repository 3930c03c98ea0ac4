"""Train a recipe's model as a SageMaker training job (`mlstack train`), or here on CPU (`--local`).

Two recipes, one command (`training.recipe` or `--recipe`). sentiment: training/sentiment/train.py, unchanged,
on the Hugging Face PyTorch training container, the Yelp review polarity corpus from the Registry of Open Data
in. forecast: training/forecast/train.py on the PyTorch training container, the Spark job's newest series in
(mlstack.ops.forecast_job), its backtest's metrics table printed at the end. Both run with the Platform stack's
training role and write the model (model.tar.gz) under the data bucket's models/ prefix; before submitting,
the job's worst-case cost is printed and checked against `training.max_job_usd`.
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlstack.ops import forecast_job, training_job, ui
from mlstack.ops import settings as ops_settings
from mlstack.ops.aws import ClientFactory
from mlstack.ops.deployment import Deployment
from mlstack.ops.pricing import PriceTable
from mlstack.paths import ROOT
from stacks import outputs
from stacks.config import CURATED_PREFIX, TRAINING_INPUTS_PREFIX, RecipeName, Settings
from stacks.serve_command import serve_model_command

LOCAL_OUTPUT = ROOT / "cdk.local.out" / "training"
LOCAL_ROWS = 2000
# A tiny randomly initialised model learns the demo corpus only with a much larger step than a pretrained
# one needs (5e-5 fine-tunes DistilBERT; 3e-3 trains the tiny one in seconds).
DEMO_HYPERPARAMETERS = ("--learning_rate", "0.003", "--warmup_ratio", "0", "--per_device_batch_size", "16",
                        "--max_seq_length", "32")  # fmt: skip
YELP_KEY = training_job.YELP_ARCHIVE.removeprefix("s3://").partition("/")[2]
# What the training script imports that `make test`'s venv does not hold (requirements-ml.txt does).
ML_PACKAGES = ("torch", "transformers")
# What the training role may read in the data bucket: users' inputs, and the Spark job's output.
READABLE_PREFIXES = (TRAINING_INPUTS_PREFIX, CURATED_PREFIX)


class TrainError(ui.CommandError):
    """A job that cannot or should not be submitted, or did not complete."""


def check_cost(settings: Settings, prices: PriceTable, recipe: RecipeName = "sentiment") -> training_job.WorstCase:
    """The worst case of the recipe's job, refused (exit 2) above training.max_job_usd."""
    worst = training_job.worst_case(settings.training, prices, recipe)
    cap = settings.training.max_job_usd
    if worst.usd > cap:
        size = "training.forecast_instance_type" if recipe == "forecast" else "training.instance_count"
        raise TrainError(
            f"training job worst case {worst.explain()} is above training.max_job_usd={cap:g}; raise it "
            f"(-c training.max_job_usd={math.ceil(worst.usd)}) or lower training.max_runtime_minutes, "
            f"training.max_wait_minutes or {size}",
            ui.EXIT_USAGE,
        )
    return worst


def check_train_uri(settings: Settings, region: str, train_uri: str, data_bucket: str | None = None) -> None:
    """SageMaker reads a channel only from a bucket in the job's region that the training role may read.

    `data_bucket` None: not known yet (before any AWS call), so only the public datasets are checked.
    """
    if not train_uri.startswith("s3://"):
        raise TrainError(f"--train-uri={train_uri!r}: an s3:// URI, e.g. {training_job.YELP_ARCHIVE}", ui.EXIT_USAGE)
    bucket, _, key = train_uri.removeprefix("s3://").partition("/")
    if data_bucket is not None and bucket == data_bucket:
        if not key.startswith(READABLE_PREFIXES):
            raise TrainError(
                f"--train-uri={train_uri!r}: the training role reads the data bucket's {TRAINING_INPUTS_PREFIX} "
                f"and {CURATED_PREFIX} prefixes only; put the data under s3://{bucket}/{TRAINING_INPUTS_PREFIX}",
                ui.EXIT_USAGE,
            )
        return
    datasets = {dataset.bucket: dataset for dataset in settings.public_datasets}
    dataset = datasets.get(bucket)
    if dataset is None and data_bucket is None:
        return  # maybe the data bucket: checked again once its name is read from the Data stack
    if dataset is None:
        raise TrainError(
            f"--train-uri={train_uri!r}: bucket {bucket} is neither a configured public dataset "
            f"({', '.join(sorted(datasets)) or 'none'}) nor the data bucket's {TRAINING_INPUTS_PREFIX} prefix",
            ui.EXIT_USAGE,
        )
    if dataset.region != region:
        raise TrainError(
            f"training reads {train_uri} in place, and SageMaker reads channels only from the job's region: "
            f"the dataset is in {dataset.region}, the job in {region}; train with -c region={dataset.region}, "
            f"or copy it under s3://<data bucket>/{TRAINING_INPUTS_PREFIX} and pass --train-uri",
            ui.EXIT_USAGE,
        )


@dataclass(frozen=True)
class Job:
    """A job ready to submit: its name, its CreateTrainingJob request, the data bucket its source goes to and
    the recipe whose script folder that source is."""

    name: str
    request: dict[str, Any]
    data_bucket: str
    recipe: training_job.Recipe


def recipe_of(settings: Settings, region: str) -> training_job.Recipe:
    """The job parts of the settings' recipe; SettingsError (exit 2) where the region lacks its image."""
    if settings.training.recipe == "forecast":
        return forecast_job.recipe(settings.training, region)
    return training_job.sentiment_recipe(settings.training, region)


def prepare_job(deployment: Deployment, train_uri: str | None = None) -> Job:
    """The job the settings describe, with the deployed Data and Platform stacks' bucket and training role.

    `train_uri` None: the recipe's default channel (the Yelp archive; the Spark job's newest series, read from
    its latest manifest). Reads the stacks (and that manifest) only: StackNotDeployed or OutputMissing (exit 3)
    when they lack them, TrainError when `train_uri` is not readable by the job.
    """
    settings, region = deployment.settings, deployment.region
    bucket = deployment.output("data", outputs.DATA_BUCKET)
    role_arn = deployment.output("platform", outputs.TRAINING_ROLE_ARN)
    recipe = recipe_of(settings, region)
    if train_uri is None and settings.training.recipe == "forecast":
        train_uri = forecast_job.latest_series_uri(deployment.client("s3"), bucket, settings.spark.element)
    train_uri = train_uri or training_job.train_data_uri(settings)
    check_train_uri(settings, region, train_uri, data_bucket=bucket)
    name = training_job.job_name(settings.prefix, kind=recipe.kind)
    request = training_job.create_request(
        settings,
        name=name,
        region=region,
        role_arn=role_arn,
        data_bucket=bucket,
        train_uri=train_uri,
        recipe=recipe,
    )
    return Job(name, request, bucket, recipe)


def submit(client: ClientFactory, job: Job) -> None:
    """Upload the recipe's script folder as the job's source archive, then create the job."""
    training_job.upload_source(client("s3"), job.data_bucket, job.name, job.recipe)
    client("sagemaker").create_training_job(**job.request)


def run_on_sagemaker(
    deployment: Deployment, *, train_uri: str | None, wait: bool, deploy: bool, poll_seconds: float
) -> int:
    settings = deployment.settings
    recipe_name = settings.training.recipe
    worst = check_cost(settings, PriceTable.load(), recipe_name)
    deployment.require_credentials()
    client = deployment.client
    job = prepare_job(deployment, train_uri)
    name = job.name
    print(f"Worst case: {worst.explain()} (cap training.max_job_usd={settings.training.max_job_usd:g})")
    submit(client, job)
    channel = job.request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
    print(f"Submitted {name}: {job.recipe.instance_count} x {job.recipe.instance_type}, recipe {recipe_name}, "
          f"train channel {channel}")  # fmt: skip
    if not wait:
        print(f"Follow it with: aws sagemaker describe-training-job --training-job-name {name}")
        return ui.EXIT_OK

    progress = None
    for progress in training_job.follow(client("sagemaker"), name, poll_seconds=poll_seconds):
        print(f"  {progress.line()}", flush=True)
    assert progress is not None  # follow yields at least once
    if progress.status != "Completed":
        raise TrainError(f"job {name} {progress.status}: {progress.failure or 'see its CloudWatch logs'}")
    model_uri = progress.model_artifacts
    print(f"Model: {model_uri}")
    if recipe_name == "forecast":
        report, source = forecast_job.job_metrics(client("s3"), model_uri)
        print(f"Backtest ({source}, metrics.json):" if report else f"No metrics.json in {source}")
        if report:
            print(forecast_job.metrics_table(report))
    else:
        print(f"Metrics: {model_uri.rsplit('/', 1)[0]}/output.tar.gz (metrics.json)")
    command = serve_model_command(settings.prefix, model_uri, recipe=recipe_name)
    print(f"Serve it behind the endpoint and the bot: {' '.join(command)}")
    if deploy:
        from mlstack.ops import cdk_cli

        return cdk_cli.run(command[2:]).code
    return ui.EXIT_OK


def run_locally(
    settings: Settings, *, data: Path | None, model: str | None, rows: int, demo: bool, output: Path
) -> int:
    """train.py here on CPU, exactly as a job runs it but with paths for the channels and a row limit."""
    problem = training_job.local_packages_problem(ML_PACKAGES)
    if problem:
        raise TrainError(problem, ui.EXIT_USAGE)
    script = training_job.SOURCE_DIR / training_job.ENTRY_POINT
    if demo:
        model = model or str(output / "tiny-model")
        data = data or output / "demo-data"
        _run([sys.executable, str(training_job.SOURCE_DIR / "tiny_model.py"), "--model-dir", model, "--data-dir",
              str(data), "--rows", str(rows)], "writing the demo model and data")  # fmt: skip
    if data is None:
        data = download_yelp(output / "data")
    if not data.exists():
        raise TrainError(f"--data={data}: no such file or folder", ui.EXIT_USAGE)
    model_dir = output / "model"
    _run(
        [
            sys.executable,
            str(script),
            "--train",
            str(data),
            "--model-dir",
            str(model_dir),
            "--output-data-dir",
            str(output / "output"),
            "--checkpoint-dir",
            str(output / "checkpoints"),
            "--model_name_or_path",
            model or settings.training.base_model,
            "--max_rows",
            str(rows),
            "--epochs",
            str(max(settings.training.epochs, 8) if demo else settings.training.epochs),
            *(DEMO_HYPERPARAMETERS if demo else ()),
        ],
        "training",
    )
    print(f"Model: {model_dir} (metrics in {output / 'output' / 'metrics.json'})")
    return ui.EXIT_OK


def download_yelp(folder: Path) -> Path:
    """The public archive, once, without credentials (the Registry of Open Data allows unsigned reads)."""
    target = folder / Path(YELP_KEY).name
    if target.exists():
        return target
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    folder.mkdir(parents=True, exist_ok=True)
    print(f"Downloading {training_job.YELP_ARCHIVE} (about 160 MB) to {target}...", flush=True)
    bucket = training_job.YELP_ARCHIVE.removeprefix("s3://").partition("/")[0]
    s3 = boto3.client("s3", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    partial = target.with_suffix(".part")
    s3.download_file(bucket, YELP_KEY, str(partial))
    partial.rename(target)
    return target


def _run(argv: list[str], what: str) -> None:
    if subprocess.run(argv, cwd=ROOT, check=False).returncode != 0:
        raise TrainError(f"{what} failed (its output is above): {' '.join(argv[1:3])} ...")


def run_forecast_locally(settings: Settings, *, data: Path | None, demo: bool, output: Path) -> int:
    """training/forecast/train.py here, then the same metrics table a job ends with."""
    report = forecast_job.run_locally(settings.training, data=data, demo=demo, output=output)
    print(f"\nBacktest ({output / 'output' / forecast_job.METRICS_FILE}):")
    print(forecast_job.metrics_table(report))
    print(f"Model: {output / 'model'}")
    return ui.EXIT_OK


def train(
    context: tuple[str, ...],
    prefix: str | None,
    *,
    recipe: RecipeName | None = None,
    local: bool,
    demo: bool,
    data: Path | None,
    model: str | None,
    rows: int,
    output: Path | None,
    train_uri: str | None,
    wait: bool,
    deploy: bool,
    endpoint_url: str | None,
    poll_seconds: float,
) -> int:
    """`mlstack train`: here on CPU with `local`, else the SageMaker job (worst case checked before any AWS call).

    `recipe` (the --recipe flag) overrides the training.recipe setting, validated like any `-c` pair.
    """
    overrides = ops_settings.parse_overrides(context, prefix)
    if recipe:
        overrides["training.recipe"] = recipe
    settings = ops_settings.load(overrides)
    forecast = settings.training.recipe == "forecast"
    if forecast and (model or rows != LOCAL_ROWS):
        raise TrainError("--model and --rows go with the sentiment recipe (--recipe sentiment)", ui.EXIT_USAGE)
    if local:
        if forecast:
            return run_forecast_locally(settings, data=data, demo=demo, output=output or forecast_job.LOCAL_OUTPUT)
        return run_locally(settings, data=data, model=model, rows=rows, demo=demo, output=output or LOCAL_OUTPUT)
    if demo or data or model:
        raise TrainError("--demo, --data and --model go with --local", ui.EXIT_USAGE)
    deployment = Deployment.of(settings, endpoint_url=endpoint_url)  # the region, resolved once
    recipe_of(settings, deployment.region)  # no image there: one line, exit 2
    if train_uri is not None or not forecast:
        check_train_uri(settings, deployment.region, train_uri or training_job.train_data_uri(settings))
    return run_on_sagemaker(deployment, train_uri=train_uri, wait=wait, deploy=deploy, poll_seconds=poll_seconds)
