"""A run stopped after some steps continues from its checkpoint, not from zero, and ends where one run would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import checkpoints
import pytest
import train

from tests.training.conftest import run_arguments

STOP_AT, INTERVAL = 60, 25


def metrics_of(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "output" / "metrics.json").read_text()))


def test_a_stopped_run_resumes_from_its_checkpoint(
    corpus: dict[str, Path], tiny_model: Path, tmp_path: Path, single_run: dict[str, Any]
) -> None:
    # given a run stopped at step 60 (checkpoints every 25 steps, and one where it stopped)
    first = run_arguments(corpus["archive"], tiny_model, tmp_path, "--checkpoint_steps", str(INTERVAL))
    assert train.main([*first, "--max_steps", str(STOP_AT)]) == 0
    stopped = metrics_of(tmp_path)
    assert (stopped["steps"], stopped["resumed_from_step"]) == (STOP_AT, 0)
    # the newest two are kept; each is a whole file under its final name
    assert checkpoints.saved_steps(tmp_path / "checkpoints") == [STOP_AT, 50]
    assert not list((tmp_path / "checkpoints").glob("*.tmp"))

    # when it is started again with the same checkpoint directory
    assert train.main(first) == 0

    # then it continues from step 60 to the end, and lands where the uninterrupted run did: the same data
    # order, optimizer, schedule and dropout RNG
    resumed = metrics_of(tmp_path)
    assert (resumed["resumed_from_step"], resumed["steps_this_run"], resumed["steps"]) == (STOP_AT, 140, 200)
    uninterrupted = metrics_of(single_run["out"])
    assert resumed["loss"] == pytest.approx(uninterrupted["loss"], rel=1e-3, abs=1e-5)
    assert resumed["accuracy"] == uninterrupted["accuracy"]


def test_a_checkpoint_from_a_differently_shaped_run_is_refused(
    corpus: dict[str, Path], tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = run_arguments(corpus["archive"], tiny_model, tmp_path, "--max_steps", "5")
    assert train.main(arguments) == 0

    # a different batch size means step 5 is another place in the data: one line, exit 2
    assert train.main([*arguments, "--per_device_batch_size", "8"]) == 2

    error = capsys.readouterr().err
    assert "checkpoint-000000005.pt was written by a run with" in error
    assert "resume with the same world size, batch size, rows and epochs, or use an empty checkpoint directory" in error


def test_an_unreadable_newest_checkpoint_falls_back_to_the_one_before(tmp_path: Path) -> None:
    shape = checkpoints.RunShape(global_batch_size=4, steps_per_epoch=10, total_steps=20)
    checkpoints.save(tmp_path, 5, {"step": 5, "shape": shape.as_dict()})
    checkpoints.checkpoint_path(tmp_path, 10).write_bytes(b"cut short by an interruption")

    state = checkpoints.load_latest(tmp_path, shape)

    assert state is not None
    assert state["step"] == 5
