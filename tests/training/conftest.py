"""Fixtures for the training script's tests: an offline tiny model, a learnable corpus, one trained model.

Nothing here reaches a model hub: the model is tiny_model.write_tiny_model's random DistilBERT with a
tokenizer built from the corpus, and HF_HUB_OFFLINE makes any attempt to download an error.
"""

from __future__ import annotations

import os
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_DIR = ROOT / "training" / "sentiment"
TRAIN_SCRIPT = SCRIPT_DIR / "train.py"
# The script's modules import each other as top-level modules, as they do in the training container.
if str(SCRIPT_DIR) not in sys.path:
    sys.path.insert(0, str(SCRIPT_DIR))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# One CPU thread per training process (torchrun's own default for its workers): the test workers already
# keep every core busy, and torch's thread pool spinning for a core another worker holds burns CPU for nothing.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from tiny_model import write_synthetic_dataset, write_tiny_model  # noqa: E402

TRAIN_ROWS, TEST_ROWS = 800, 200
ARCHIVE = "yelp_review_polarity_csv.tgz"
# Enough steps for the tiny model to get past its flat start (loss ln 2) in one process and in two;
# a few seconds of CPU each.
HYPERPARAMETERS = [
    "--epochs", "4",
    "--learning_rate", "0.005",
    "--per_device_batch_size", "16",
    "--max_seq_length", "64",
    "--seed", "7",
    "--logging_steps", "50",
]  # fmt: skip


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same generated reviews as extracted CSVs (`csv`) and as the published archive (`archive`)."""
    root = tmp_path_factory.mktemp("corpus")
    folder = write_synthetic_dataset(root / "csv", TRAIN_ROWS, TEST_ROWS)
    (folder / "readme.txt").write_text("Yelp review polarity (generated for tests)\n")
    archive_dir = root / "archive"
    archive_dir.mkdir()
    with tarfile.open(archive_dir / ARCHIVE, "w:gz") as archive:
        # Published order: readme, test, train; a channel reader must not depend on it.
        for name in ("readme.txt", "test.csv", "train.csv"):
            archive.add(folder / name, arcname=f"{folder.name}/{name}")
    return {"csv": root / "csv", "archive": archive_dir}


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, corpus: dict[str, Path]) -> Path:
    import reviews

    splits = reviews.read_channel(corpus["csv"])
    return write_tiny_model(tmp_path_factory.mktemp("tiny-model"), splits.train_texts + splits.test_texts)


def run_arguments(train: Path, tiny_model: Path, out: Path, *extra: str) -> list[str]:
    """The command line of one run, every output under `out`."""
    return [
        "--train", str(train),
        "--model-dir", str(out / "model"),
        "--output-data-dir", str(out / "output"),
        "--checkpoint-dir", str(out / "checkpoints"),
        "--model_name_or_path", str(tiny_model),
        *HYPERPARAMETERS,
        *extra,
    ]  # fmt: skip


@pytest.fixture(scope="session")
def single_run(tmp_path_factory: pytest.TempPathFactory, corpus: dict[str, Path], tiny_model: Path) -> dict[str, Any]:
    """One process on CPU, in this interpreter (transformers is imported once for the whole session)."""
    import train

    out = tmp_path_factory.mktemp("single-run")
    assert train.main(run_arguments(corpus["archive"], tiny_model, out)) == 0
    return {"out": out, "model": out / "model", "output": out / "output"}
