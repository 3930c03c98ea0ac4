"""The forecast script's command line: SageMaker's script-mode contract, each path with a flag fallback.

SageMaker passes the channel and output folders as SM_* environment variables and the hyperparameters as
`--name value` arguments (its dict keys' underscores; the dashed spelling works too). Bad values exit 2 with
one line naming them
(InputError, which the script prints).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from series import STEPS_PER_DAY, InputError

DESCRIPTION = "Train DeepAR on long-format series, backtest it against baselines, refit it on all data for serving."
# Where SageMaker syncs checkpoints to S3 (and back after a spot interruption) when the job sets a checkpoint
# location; SM_TRAINING_ENV is set in every SageMaker training container.
DEFAULT_CHECKPOINT_DIR = "/opt/ml/checkpoints"
DEMO_FOLDER = "forecast-demo"
FREQS = tuple(STEPS_PER_DAY)


@dataclass(frozen=True)
class Hyperparameters:
    prediction_length: int = 7
    context_length: int = 0  # 0: 4 x prediction_length
    epochs: int = 20
    num_batches_per_epoch: int = 50
    batch_size: int = 32
    learning_rate: float = 1e-3
    hidden_size: int = 40
    num_layers: int = 2
    backtest_windows: int = 4
    num_samples: int = 100
    seed: int = 42
    max_items: int = 0  # 0: every series
    freq: str = "D"

    @property
    def context(self) -> int:
        return self.context_length or 4 * self.prediction_length

    def as_dict(self) -> dict[str, object]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True)
class Paths:
    train: Path
    model_dir: Path
    output_data_dir: Path | None
    checkpoint_dir: Path


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def parse_args(argv: Sequence[str] | None = None) -> tuple[Paths, Hyperparameters, bool]:
    """(paths, hyperparameters, demo): `--demo` writes generated series to the train path first."""
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    paths = parser.add_argument_group("data and outputs (default: the SageMaker environment variables)")
    paths.add_argument("--train", type=Path, default=_env_path("SM_CHANNEL_TRAIN"))
    paths.add_argument("--model-dir", "--model_dir", dest="model_dir", type=Path, default=_env_path("SM_MODEL_DIR"))
    paths.add_argument(
        "--output-data-dir", "--output_data_dir", dest="output_data_dir", type=Path,
        default=_env_path("SM_OUTPUT_DATA_DIR"),
    )  # fmt: skip
    paths.add_argument(
        "--checkpoint-dir", "--checkpoint_dir", dest="checkpoint_dir", type=Path,
        help=f"default: {DEFAULT_CHECKPOINT_DIR} in a SageMaker job, else `checkpoints` beside the model directory",
    )  # fmt: skip
    parser.add_argument(
        "--demo", action="store_true",
        help=f"generate series with known seasonality into --train (default ./{DEMO_FOLDER}/series)",
    )  # fmt: skip
    hyper = parser.add_argument_group("hyperparameters")
    defaults = Hyperparameters()
    for field in fields(Hyperparameters):
        names = [f"--{field.name}"] + ([f"--{field.name.replace('_', '-')}"] if "_" in field.name else [])
        hyper.add_argument(*names, dest=field.name, type=type(getattr(defaults, field.name)),
                           default=getattr(defaults, field.name))  # fmt: skip
    args = parser.parse_args(argv)
    if args.demo and args.train is None:
        args.train = Path(DEMO_FOLDER) / "series"
    if args.demo and args.model_dir is None:
        args.model_dir = Path(DEMO_FOLDER) / "model"
    for name, env in (("train", "SM_CHANNEL_TRAIN"), ("model_dir", "SM_MODEL_DIR")):
        if getattr(args, name) is None:
            raise InputError(f"--{name.replace('_', '-')} is not set: pass a directory or set {env}")
    if args.checkpoint_dir is None:
        in_sagemaker = "SM_TRAINING_ENV" in os.environ
        args.checkpoint_dir = Path(DEFAULT_CHECKPOINT_DIR) if in_sagemaker else args.model_dir.parent / "checkpoints"
    hyperparameters = Hyperparameters(**{field.name: getattr(args, field.name) for field in fields(Hyperparameters)})
    problem = check(hyperparameters)
    if problem:
        raise InputError(problem)
    return Paths(args.train, args.model_dir, args.output_data_dir, args.checkpoint_dir), hyperparameters, args.demo


def check(hyper: Hyperparameters) -> str | None:
    """One line naming the first bad hyperparameter, its value and what is allowed; None when all are good."""
    at_least_one = ("prediction_length", "epochs", "num_batches_per_epoch", "batch_size", "hidden_size",
                    "num_layers", "backtest_windows", "num_samples")  # fmt: skip
    for name in at_least_one:
        if getattr(hyper, name) < 1:
            return f"--{name} {getattr(hyper, name)}: must be 1 or more"
    for name in ("context_length", "max_items"):
        if getattr(hyper, name) < 0:
            return f"--{name} {getattr(hyper, name)}: must be 0 (the default) or more"
    if hyper.learning_rate <= 0:
        return f"--learning_rate {hyper.learning_rate}: must be above 0"
    if hyper.freq not in FREQS:
        close = [freq for freq in FREQS if freq.lower() == hyper.freq.lower()[:1]]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"--freq {hyper.freq!r}: not supported; use one of {', '.join(FREQS)}{hint}"
    return None
