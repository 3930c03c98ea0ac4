"""Fixtures for the forecast recipe's tests: generated series, one real training run, the served model.

The script runs as a subprocess (as a training job runs it): its modules are top-level modules, and the
sentiment recipe's `train` must not meet this one in a test worker. The pure modules (series, baselines,
metrics, demo data, the serving handlers) are imported here directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
RECIPE = ROOT / "training" / "forecast"
SCRIPT = RECIPE / "train.py"
# Last on the path: the sentiment recipe's folder (tests/training/conftest.py) comes first, so its `train` is
# the one a test worker imports; this recipe's in-process modules have names of their own.
if str(RECIPE) not in sys.path:
    sys.path.append(str(RECIPE))

# Enough training for DeepAR to learn the yearly cycle and the noise's persistence on the demo series; about
# a minute of CPU per fit with one thread.
TRAINING = ("--epochs", "10", "--num_batches_per_epoch", "50")
# A run that only has to go through every step (the resume and the serving tests' small model).
QUICK = ("--epochs", "2", "--num_batches_per_epoch", "5", "--max_items", "8", "--num_samples", "50")


def run_script(*arguments: str) -> subprocess.CompletedProcess[str]:
    # One thread per process: the test workers share two cores, and torch's pool spinning for a core another
    # process holds makes an LSTM step thirty times slower.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, str(SCRIPT), *arguments], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False)  # fmt: skip


def paths(out: Path, train: Path) -> list[str]:
    return ["--train", str(train), "--model-dir", str(out / "model"), "--checkpoint-dir", str(out / "checkpoints"),
            "--output-data-dir", str(out / "output")]  # fmt: skip


@pytest.fixture(scope="session")
def demo_series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from demo_data import write_demo

    return write_demo(tmp_path_factory.mktemp("demo") / "series")


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, demo_series: Path) -> dict[str, Any]:
    """The script trained and backtested for real on the demo series."""
    out = tmp_path_factory.mktemp("trained")
    result = run_script(*paths(out, demo_series), *TRAINING)
    assert result.returncode == 0, result.stderr[-3000:]
    model = out / "model"
    return {"out": out, "model": model, "stdout": result.stdout,
            "metrics": json.loads((model / "metrics.json").read_text())}  # fmt: skip
