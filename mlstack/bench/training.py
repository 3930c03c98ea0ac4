"""Benchmark of the training script on this machine: samples per second, one process against two (torchrun).

Both runs train the tiny offline model (training/sentiment/tiny_model.py) on the same generated corpus, on
CPU with gloo for two processes, and read `samples_per_second` from the metrics.json train.py writes. The
figure is for this machine's CPU and the tiny model only: it shows the distributed path works and what it
adds here, not what a GPU job does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlstack.paths import ROOT

SOURCE = ROOT / "training" / "sentiment"
ROWS = int(os.environ.get("BENCH_TRAINING_ROWS", "800"))


@dataclass(frozen=True)
class TrainingFigures:
    one_process: float
    two_processes: float

    def lines(self) -> list[str]:
        return [
            f"training, 1 process:      {self.one_process:8.0f} samples/s (tiny model, {ROWS} rows, CPU)",
            f"training, 2 processes:    {self.two_processes:8.0f} samples/s (torchrun, gloo)",
        ]


def _train(folder: Path, model: Path, data: Path, processes: int) -> float:
    out = folder / f"out-{processes}"
    launcher = [sys.executable] if processes == 1 else [sys.executable, "-m", "torch.distributed.run",
                                                          f"--nproc_per_node={processes}", "--standalone"]  # fmt: skip
    command = [*launcher, str(SOURCE / "train.py"), "--train", str(data), "--model-dir", str(out / "model"),
               "--output-data-dir", str(out), "--checkpoint-dir", str(out / "checkpoints"),
               "--model_name_or_path", str(model), "--max_rows", str(ROWS), "--epochs", "1",
               "--per_device_batch_size", "16", "--max_seq_length", "32", "--checkpoint_steps", "100000"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    return float(json.loads((out / "metrics.json").read_text())["samples_per_second"])


def training_figures() -> TrainingFigures:
    with tempfile.TemporaryDirectory(prefix="mlstack-bench-training-") as scratch:
        folder = Path(scratch)
        model, data = folder / "tiny-model", folder / "data"
        subprocess.run(
            [sys.executable, str(SOURCE / "tiny_model.py"), "--model-dir", str(model), "--data-dir", str(data),
             "--rows", str(ROWS)],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        return TrainingFigures(_train(folder, model, data, 1), _train(folder, model, data, 2))
