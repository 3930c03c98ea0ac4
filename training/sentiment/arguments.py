"""The training script's command line: SageMaker's script-mode contract, each path with a flag fallback.

SageMaker passes the channels and output folders as SM_* environment variables and the hyperparameters as
`--name value` arguments; torchrun and a laptop pass flags. Bad values exit 2 with one line naming them.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

DESCRIPTION = "Fine-tune a pretrained transformer for binary sentiment (Yelp review polarity), in any of three places."
DEFAULT_MODEL = "distilbert-base-uncased"
DEFAULT_CHECKPOINT_DIR = "/opt/ml/checkpoints"


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    # Both spellings of every option: SageMaker passes hyperparameters with the dict key's underscores.
    paths = parser.add_argument_group("data and outputs (default: the SageMaker environment variables)")
    paths.add_argument("--train", type=Path, default=_env_path("SM_CHANNEL_TRAIN"))
    paths.add_argument("--test", type=Path, default=_env_path("SM_CHANNEL_TEST"))
    paths.add_argument("--model-dir", "--model_dir", dest="model_dir", type=Path, default=_env_path("SM_MODEL_DIR"))
    paths.add_argument(
        "--output-data-dir", "--output_data_dir", dest="output_data_dir", type=Path,
        default=_env_path("SM_OUTPUT_DATA_DIR"),
    )  # fmt: skip
    paths.add_argument(
        "--checkpoint-dir", "--checkpoint_dir", dest="checkpoint_dir", type=Path, default=Path(DEFAULT_CHECKPOINT_DIR)
    )
    hyper = parser.add_argument_group("hyperparameters")
    hyper.add_argument("--model_name_or_path", "--model-name-or-path", default=DEFAULT_MODEL)
    hyper.add_argument("--epochs", type=int, default=1)
    hyper.add_argument("--learning_rate", "--learning-rate", type=float, default=5e-5)
    hyper.add_argument("--per_device_batch_size", "--per-device-batch-size", type=int, default=32)
    hyper.add_argument("--max_rows", "--max-rows", type=int, default=0, help="training rows to read (0: all)")
    hyper.add_argument(
        "--max_eval_rows", "--max-eval-rows", type=int, default=-1, help="held-out rows (0: all; default: max_rows)"
    )
    hyper.add_argument("--max_seq_length", "--max-seq-length", type=int, default=256)
    hyper.add_argument("--seed", type=int, default=42)
    hyper.add_argument("--warmup_ratio", "--warmup-ratio", type=float, default=0.06)
    hyper.add_argument("--weight_decay", "--weight-decay", type=float, default=0.01)
    hyper.add_argument("--validation_fraction", "--validation-fraction", type=float, default=0.1)
    hyper.add_argument(
        "--max_steps", "--max-steps", type=int, default=0, help="stop at this global step, resumable (0: all epochs)"
    )
    hyper.add_argument("--logging_steps", "--logging-steps", type=int, default=50)
    hyper.add_argument("--checkpoint_steps", "--checkpoint-steps", type=int, default=500)
    args = parser.parse_args(argv)
    _validate(parser, args)
    return args


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """parser.error exits 2 with one line naming the option, its value and what is allowed."""
    for name in ("train", "model_dir"):
        if getattr(args, name) is None:
            env = {"train": "SM_CHANNEL_TRAIN", "model_dir": "SM_MODEL_DIR"}[name]
            parser.error(f"--{name.replace('_', '-')} is not set: pass a directory or set {env}")
    at_least_one = ("epochs", "per_device_batch_size", "max_seq_length", "logging_steps", "checkpoint_steps")
    for name in at_least_one:
        if getattr(args, name) < 1:
            parser.error(f"--{name} {getattr(args, name)}: must be 1 or more")
    for name in ("max_rows", "max_steps"):
        if getattr(args, name) < 0:
            parser.error(f"--{name} {getattr(args, name)}: must be 0 (no limit) or more")
    if args.learning_rate <= 0:
        parser.error(f"--learning_rate {args.learning_rate}: must be above 0")
    if not 0 < args.validation_fraction < 1:
        parser.error(f"--validation_fraction {args.validation_fraction}: must be between 0 and 1")
    if not 0 <= args.warmup_ratio < 1:
        parser.error(f"--warmup_ratio {args.warmup_ratio}: must be from 0 up to (not including) 1")
    if args.max_eval_rows < 0:
        args.max_eval_rows = args.max_rows
