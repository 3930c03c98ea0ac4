"""Resumable training state: one file per checkpoint, written atomically, the newest complete one wins.

SageMaker copies `/opt/ml/checkpoints` to S3 while the job runs and back onto every instance when a spot
job restarts, so a file there must never be half-written under its final name: each checkpoint goes to a
`.tmp` name and is renamed when complete. Only rank 0 writes; every rank reads the same file on resume.
"""

from __future__ import annotations

import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

NAME = re.compile(r"^checkpoint-(\d+)\.pt$")
# The newest checkpoint plus the one before it, in case the newest is unreadable (a copy cut short).
KEEP = 2


class CheckpointMismatchError(ValueError):
    """The checkpoint directory holds state from a run with a different shape (batch, rows, epochs)."""


@dataclass(frozen=True)
class RunShape:
    """What must match for a checkpoint's step counter to mean the same place in the data."""

    global_batch_size: int
    steps_per_epoch: int
    total_steps: int

    def as_dict(self) -> dict[str, int]:
        return {
            "global_batch_size": self.global_batch_size,
            "steps_per_epoch": self.steps_per_epoch,
            "total_steps": self.total_steps,
        }


def checkpoint_path(directory: Path, step: int) -> Path:
    return directory / f"checkpoint-{step:09d}.pt"


def saved_steps(directory: Path) -> list[int]:
    """Steps of the complete checkpoints in `directory`, newest first."""
    if not directory.is_dir():
        return []
    matches = (NAME.match(path.name) for path in directory.iterdir())
    return sorted((int(match.group(1)) for match in matches if match), reverse=True)


def save(directory: Path, step: int, state: dict[str, Any]) -> Path:
    """Write `state` as the checkpoint of `step`, then drop all but the newest KEEP."""
    directory.mkdir(parents=True, exist_ok=True)
    final = checkpoint_path(directory, step)
    partial = final.with_suffix(".pt.tmp")
    torch.save(state, partial)
    os.replace(partial, final)
    for old in saved_steps(directory)[KEEP:]:
        checkpoint_path(directory, old).unlink(missing_ok=True)
    return final


def load_latest(directory: Path, shape: RunShape) -> dict[str, Any] | None:
    """The newest readable checkpoint's state, or None when there is none; refuses another run's state."""
    for step in saved_steps(directory):
        path = checkpoint_path(directory, step)
        try:
            # weights_only: tensors, numbers and dicts only; a checkpoint copied from S3 runs no code.
            state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as error:
            print(f"skipping unreadable checkpoint {path}: {error}", flush=True)
            continue
        if state.get("shape") != shape.as_dict():
            raise CheckpointMismatchError(
                f"--checkpoint-dir {directory}: {path.name} was written by a run with {state.get('shape')},"
                f" this run has {shape.as_dict()}; resume with the same world size, batch size, rows and"
                " epochs, or use an empty checkpoint directory"
            )
        return state
    return None
