"""`mlstack train`: fine-tune the sentiment model as a SageMaker training job, or here on CPU (`--local`).

The job runs training/sentiment/train.py, unchanged, on the Hugging Face PyTorch training container with
the Platform stack's training role: the Yelp review polarity corpus from the Registry of Open Data in,
the model (model.tar.gz) out under the data bucket's models/ prefix. Before submitting, the job's
worst-case cost is printed and checked against `training.max_job_usd`.
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import ClientError, NoCredentialsError

from mlstack.ops import settings as ops_settings
from mlstack.ops import training_job, ui
from mlstack.ops.aws import ClientFactory
from mlstack.ops.pricing import PriceTable
from mlstack.ops.settings import settings_options
from mlstack.paths import ROOT
from stacks import outputs
from stacks.config import TRAINING_INPUTS_PREFIX, Settings

LOCAL_OUTPUT = ROOT / "cdk.local.out" / "training"
LOCAL_ROWS = 2000
# A tiny randomly initialised model learns the demo corpus only with a much larger step than a pretrained
# one needs (5e-5 fine-tunes DistilBERT; 3e-3 trains the tiny one in seconds).
DEMO_HYPERPARAMETERS = ("--learning_rate", "0.003", "--warmup_ratio", "0", "--per_device_batch_size", "16",
                        "--max_seq_length", "32")  # fmt: skip
YELP_KEY = training_job.YELP_ARCHIVE.removeprefix("s3://").partition("/")[2]
# What the training script imports that `make test`'s venv does not hold (requirements-ml.txt does).
ML_PACKAGES = ("torch", "transformers")


class TrainError(ui.CommandError):
    """A job that cannot or should not be submitted, or did not complete."""


def check_cost(settings: Settings, prices: PriceTable) -> training_job.WorstCase:
    """The worst case, refused (exit 2) above training.max_job_usd."""
    worst = training_job.worst_case(settings.training, prices)
    cap = settings.training.max_job_usd
    if worst.usd > cap:
        raise TrainError(
            f"training job worst case {worst.explain()} is above training.max_job_usd={cap:g}; raise it "
            f"(-c training.max_job_usd={math.ceil(worst.usd)}) or lower training.max_runtime_minutes, "
            "training.max_wait_minutes or training.instance_count",
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
        if not key.startswith(TRAINING_INPUTS_PREFIX):
            raise TrainError(
                f"--train-uri={train_uri!r}: the training role reads the data bucket's {TRAINING_INPUTS_PREFIX} "
                f"prefix only; put the data under s3://{bucket}/{TRAINING_INPUTS_PREFIX}",
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


def stack_outputs(cloudformation: Any, name: str, layer: str) -> dict[str, str]:
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if error.response["Error"].get("Code") != "ValidationError":
            raise
        raise TrainError(f"stack {name} not found: deploy the {layer} layer first (mlstack cdk deploy)") from None
    return {item["OutputKey"]: item.get("OutputValue", "") for item in stacks[0].get("Outputs", [])}


def deploy_command(settings: Settings, model_uri: str) -> list[str]:
    return [
        "mlstack",
        "cdk",
        "deploy",
        f"{settings.stack_prefix}-Platform",
        "-c",
        f"prefix={settings.prefix}",
        "-c",
        f"platform.model_data_url={model_uri}",
    ]


@dataclass(frozen=True)
class Job:
    """A job ready to submit: its name, its CreateTrainingJob request and the data bucket its source goes to."""

    name: str
    request: dict[str, Any]
    data_bucket: str


def prepare_job(settings: Settings, client: ClientFactory, *, region: str, train_uri: str) -> Job:
    """The job `settings` describe, with the deployed Data and Platform stacks' bucket and training role.

    Reads the stacks only; TrainError when they are missing, lack their outputs, or `train_uri` is not readable.
    """
    cloudformation = client("cloudformation")
    data = stack_outputs(cloudformation, f"{settings.stack_prefix}-Data", "data")
    platform = stack_outputs(cloudformation, f"{settings.stack_prefix}-Platform", "platform")
    bucket, role_arn = data.get(outputs.DATA_BUCKET, ""), platform.get(outputs.TRAINING_ROLE_ARN, "")
    if not bucket or not role_arn:
        raise TrainError(
            f"stacks {settings.stack_prefix}-Data/-Platform lack the outputs {outputs.DATA_BUCKET} and "
            f"{outputs.TRAINING_ROLE_ARN}: redeploy them with this version (mlstack cdk deploy)"
        )
    check_train_uri(settings, region, train_uri, data_bucket=bucket)
    from stacks.constructs.inference_endpoint import dlc_account  # imports aws_cdk: only when submitting

    account = dlc_account(region)
    if account is None:
        raise TrainError(f"region={region}: no Deep Learning Containers are published there", ui.EXIT_USAGE)

    name = training_job.job_name(settings.prefix)
    request = training_job.create_request(
        settings,
        name=name,
        region=region,
        role_arn=role_arn,
        data_bucket=bucket,
        image_account=account,
        train_uri=train_uri,
    )
    return Job(name, request, bucket)


def submit(client: ClientFactory, job: Job) -> None:
    """Upload the script as the job's source archive, then create the job."""
    training_job.upload_source(client("s3"), job.data_bucket, job.name)
    client("sagemaker").create_training_job(**job.request)


def run_on_sagemaker(
    settings: Settings, *, endpoint_url: str | None, train_uri: str, wait: bool, deploy: bool, poll_seconds: float
) -> int:
    region = ops_settings.region_of(settings)
    worst = check_cost(settings, PriceTable.load())
    session = ops_settings.session_for(settings)
    if not endpoint_url and session.get_credentials() is None:
        raise NoCredentialsError()

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)

    job = prepare_job(settings, client, region=region, train_uri=train_uri)
    name = job.name
    print(f"Worst case: {worst.explain()} (cap training.max_job_usd={settings.training.max_job_usd:g})")
    submit(client, job)
    print(f"Submitted {name}: {settings.training.instance_count} x {settings.training.instance_type}")
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
    print(f"Metrics: {model_uri.rsplit('/', 1)[0]}/output.tar.gz (metrics.json)")
    command = deploy_command(settings, model_uri)
    print(f"Serve it behind the endpoint and the bot: {' '.join(command)}")
    if deploy:
        from mlstack.ops import cdk_cli

        argv, env = cdk_cli.command(*command[2:]), cdk_cli.environment()
        return subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode
    return ui.EXIT_OK


def run_locally(
    settings: Settings, *, data: Path | None, model: str | None, rows: int, demo: bool, output: Path
) -> int:
    """train.py here on CPU, exactly as a job runs it but with paths for the channels and a row limit."""
    missing = [name for name in ML_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise TrainError(
            f"--local needs {', '.join(missing)} in this Python: `make test-ml` installs the ML packages"
            ' into .venv (or pip install -r requirements-ml.txt; README "Testing": the CPU build of torch)',
            ui.EXIT_USAGE,
        )
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


@click.command(
    "train",
    epilog="Examples: mlstack train    mlstack train -c training.instance_count=2 --deploy    "
    "mlstack train --local --demo",
)
@settings_options
@click.option("--local", is_flag=True, help="Run the training script here on CPU with a row limit.")
@click.option("--demo", is_flag=True, help="With --local: generate a small corpus and a tiny model (no downloads).")
@click.option("--data", type=click.Path(path_type=Path), help="With --local: Yelp-layout CSVs or the archive.")
@click.option("--model", help="With --local: model_name_or_path, a folder or Hub id (default training.base_model).")
@click.option("--rows", type=click.IntRange(min=10), default=LOCAL_ROWS, show_default=True, help="With --local.")
@click.option(
    "--output", type=click.Path(path_type=Path), default=LOCAL_OUTPUT, help="With --local: where the model goes."
)
@click.option("--train-uri", default=training_job.YELP_ARCHIVE, show_default=True, help="The job's train channel.")
@click.option("--wait/--no-wait", default=True, help="Follow the job until it ends (default) or return at once.")
@click.option("--deploy", is_flag=True, help="After the job, deploy the Platform stack serving the new model.")
@click.option("--endpoint-url", help="An emulator's endpoint (default: the real AWS endpoints).")
@click.option("--poll-seconds", type=click.FloatRange(min=0), default=30.0, hidden=True)
def command(  # noqa: PLR0917 - click passes every option by keyword; the signature mirrors them
    prefix: str | None,
    context: tuple[str, ...],
    local: bool,
    demo: bool,
    data: Path | None,
    model: str | None,
    rows: int,
    output: Path,
    train_uri: str,
    wait: bool,
    deploy: bool,
    endpoint_url: str | None,
    poll_seconds: float,
) -> int:
    """Fine-tune the sentiment model on the Yelp reviews of the Registry of Open Data.

    On SageMaker (default): prints the worst-case cost, refuses a job above training.max_job_usd, submits
    the job with the Platform stack's training role, follows it and prints the deploy command that makes
    the endpoint (and the bot) serve the new model. With --local: the same script here on CPU.
    """
    settings = ops_settings.load(ops_settings.parse_overrides(context, prefix))
    if local:
        return run_locally(settings, data=data, model=model, rows=rows, demo=demo, output=output)
    if demo or data or model:
        raise TrainError("--demo, --data and --model go with --local", ui.EXIT_USAGE)
    check_train_uri(settings, ops_settings.region_of(settings), train_uri)
    return run_on_sagemaker(
        settings, endpoint_url=endpoint_url, train_uri=train_uri, wait=wait, deploy=deploy, poll_seconds=poll_seconds
    )
