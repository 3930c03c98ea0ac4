"""A restarted job (a spot interruption) continues from the checkpoints instead of starting over."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from tests.training.forecast.conftest import QUICK, paths, run_script

BATCHES = 5  # QUICK's num_batches_per_epoch


def lightning_state(checkpoints: Path, phase: str) -> tuple[int, int]:
    """(the epoch to run next, optimizer steps so far) in a phase's last.ckpt."""
    state = torch.load(checkpoints / phase / "last.ckpt", map_location="cpu", weights_only=False)
    return int(state["epoch"]), int(state["global_step"])


def test_a_second_run_continues_from_the_first_runs_checkpoints(tmp_path: Path, demo_series: Path) -> None:
    first = run_script(*paths(tmp_path, demo_series), *QUICK)  # 2 epochs, as if stopped there
    assert first.returncode == 0, first.stderr[-2000:]
    checkpoints = tmp_path / "checkpoints"
    assert lightning_state(checkpoints, "backtest") == (2, 2 * BATCHES)

    second = run_script(*paths(tmp_path, demo_series), *QUICK, "--epochs", "3")
    assert second.returncode == 0, second.stderr[-2000:]
    report = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert report["resumed_from_epoch"] == {"backtest": 2, "final": 2}
    assert report["epochs_run"] == {"backtest": 1, "final": 1}
    # the optimizer's step count goes on from the checkpoint's: 2 epochs were not trained again
    assert lightning_state(checkpoints, "backtest") == (3, 3 * BATCHES)
    assert lightning_state(checkpoints, "final") == (3, 3 * BATCHES)


def test_checkpoints_of_another_run_are_refused(tmp_path: Path, demo_series: Path) -> None:
    first = run_script(*paths(tmp_path, demo_series), *QUICK, "--epochs", "1")
    assert first.returncode == 0, first.stderr[-2000:]
    other = run_script(*paths(tmp_path, demo_series), *QUICK, "--epochs", "1", "--hidden_size", "8")
    assert other.returncode == 2
    assert other.stderr.strip().splitlines() == [
        f"forecast: --checkpoint-dir {tmp_path / 'checkpoints'}: its backtest checkpoint is from a run with other "
        "hidden_size; resume with the same data and hyperparameters or use an empty folder"
    ]
