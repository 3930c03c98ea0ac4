"""The same training under `torchrun --nproc_per_node=2` (gloo on CPU): it learns, agrees, writes one model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.training.conftest import TRAIN_SCRIPT, run_arguments


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory: pytest.TempPathFactory, corpus: dict[str, Path], tiny_model: Path) -> Any:
    out = tmp_path_factory.mktemp("two-processes")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        str(TRAIN_SCRIPT), *run_arguments(corpus["archive"], tiny_model, out),
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result


def test_two_processes_train_and_agree_with_one(two_process_run: Any, single_run: dict[str, Any]) -> None:
    out, _ = two_process_run
    two = json.loads((out / "output" / "metrics.json").read_text())
    one = json.loads((single_run["output"] / "metrics.json").read_text())

    assert (two["world_size"], two["gpus"]) == (2, 0)
    # the global batch doubles (16 per process x 2), so the same 4 epochs take half the steps
    assert two["steps"] == one["steps"] // 2
    assert two["accuracy"] >= 0.9
    assert abs(two["accuracy"] - one["accuracy"]) <= 0.05


def test_only_rank_0_writes_the_model(two_process_run: Any) -> None:
    out, result = two_process_run

    assert result.stdout.count("model written to") == 1
    assert result.stdout.count("eval_accuracy=") == 1
    assert sorted(path.name for path in out.iterdir()) == ["checkpoints", "model", "output"] or sorted(
        path.name for path in out.iterdir()
    ) == ["model", "output"]
    assert len(list((out / "model").glob("*.safetensors"))) == 1
