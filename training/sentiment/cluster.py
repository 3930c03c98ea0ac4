"""This process's place among the training processes (torchrun's or SageMaker's launcher), and what the
processes do together: join the group, log once, share out a batch, gather RNG states, pick the precision."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Cluster:
    """This process's place among the training processes, from torchrun's or SageMaker's environment."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def join_cluster() -> Cluster:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1): NCCL on GPUs, gloo on CPU."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    if world_size > 1:
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Cluster(rank, world_size, local_rank, device)


def log(cluster: Cluster, message: str) -> None:
    if cluster.is_main:
        print(message, flush=True)


def quiet_progress_bars() -> None:
    """No tqdm bars from transformers and the Hub ("Loading weights", "Writing model shards"): redrawn with
    carriage returns, they are noise in a job's CloudWatch log and in `mlstack train --local`'s output."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # transformers' own bars and huggingface_hub's


def rank_rows(global_batch: Sequence[int], cluster: Cluster) -> Sequence[int]:
    return global_batch[cluster.rank :: cluster.world_size]


def rng_state(cluster: Cluster) -> dict[str, torch.Tensor]:
    state = {"torch": torch.get_rng_state()}
    if cluster.device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(cluster.device)
    return state


def gather_rng_states(cluster: Cluster) -> list[dict[str, torch.Tensor]]:
    """Every rank's RNG (dropout) state, on rank 0 (a collective: every rank calls it)."""
    mine = rng_state(cluster)
    if not cluster.distributed:
        return [mine]
    gathered: list[Any] = [None] * cluster.world_size
    dist.all_gather_object(gathered, mine)
    return gathered


def autocast(cluster: Cluster) -> torch.autocast:
    """bfloat16 autocast on GPUs that have it (A10G, A100, H100: the g5, p4d, p5 instances); fp32 on CPU."""
    enabled = cluster.device.type == "cuda" and torch.cuda.is_bf16_supported()
    return torch.autocast(device_type=cluster.device.type, dtype=torch.bfloat16, enabled=enabled)
