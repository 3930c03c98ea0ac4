"""Fine-tune a pretrained transformer for binary sentiment (Yelp review polarity), in any of three places.

One script, unchanged, for: a laptop or notebook on CPU with a row limit; every GPU of a workstation under
`torchrun --nproc_per_node=gpu`; a SageMaker training job on the Hugging Face PyTorch container, one or
more instances, under SageMaker's torchrun launcher. The places differ only in environment (SageMaker's
script-mode contract), each with a command-line fallback:

    SM_CHANNEL_TRAIN    --train            the Yelp archive `yelp_review_polarity_csv.tgz`, or its CSV files
    SM_CHANNEL_TEST     --test             optional: held-out rows (else the train channel's `test.csv`,
                                           else --validation_fraction of the training rows)
    SM_MODEL_DIR        --model-dir        the model, as the Hugging Face inference container loads it
    SM_OUTPUT_DATA_DIR  --output-data-dir  metrics.json (also written into the model directory)
    RANK, WORLD_SIZE, LOCAL_RANK           set by torchrun or SageMaker's launcher; absent: one process

Hyperparameters arrive as `--name value` (SageMaker passes them that way): model_name_or_path (a Hub id or
a local directory), epochs, learning_rate, per_device_batch_size, max_rows, max_eval_rows, max_seq_length,
seed, warmup_ratio, weight_decay, validation_fraction, max_steps, logging_steps, checkpoint_steps.

Smoke run on CPU, offline, from the tiny model `tiny_model.py` writes (what `mlstack train --local` runs):

    python training/sentiment/tiny_model.py --model-dir /tmp/tiny-model --data-dir /tmp/tiny-data --rows 400
    python training/sentiment/train.py --train /tmp/tiny-data --model-dir /tmp/sentiment-model \
        --output-data-dir /tmp/sentiment-output --checkpoint-dir /tmp/sentiment-checkpoints \
        --model_name_or_path /tmp/tiny-model --max_rows 400 --epochs 3 --learning_rate 0.001

With Hub access, drop --model_name_or_path (default distilbert-base-uncased) and point --train at the
downloaded archive's folder. Two processes: `python -m torch.distributed.run --nproc_per_node=2 train.py ...`.

Resume: checkpoints go to --checkpoint-dir (default /opt/ml/checkpoints, which SageMaker syncs to S3 for
spot jobs) every --checkpoint_steps optimizer steps; a run that finds one there continues from it (model,
optimizer, scheduler, step, every rank's RNG), so an interruption loses at most one interval.

Why a plain PyTorch loop with DistributedDataParallel and not the Trainer: the Trainer needs `accelerate`,
which is one more package to pin against each container's transformers; and a loop this size makes the
resume point exact (the data order is a function of seed and epoch, so a step counter names a batch).

The folder is the job's source: arguments.py (the command line), cluster.py (the processes), reviews.py
(the data), checkpoints.py (resume), this file (the loop); tiny_model.py writes the offline test model.

Log lines SageMaker metric definitions can match: `step=N loss=X lr=Y samples_per_second=Z` while
training, `eval_accuracy=A eval_f1=F eval_loss=L` at the end. Exit 2 on bad input (one line naming it).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import checkpoints
import reviews
import torch
import torch.distributed as dist
from arguments import parse_args
from cluster import Cluster, autocast, gather_rng_states, join_cluster, log, quiet_progress_bars, rank_rows
from torch.nn.parallel import DistributedDataParallel

# The bot's AnalyzeSentiment reads the label of `[{"label": ..., "score": ...}]` and replies "That sounds
# positive/negative": the names of the SST-2 model the endpoint serves by default.
ID2LABEL = {0: "NEGATIVE", 1: "POSITIVE"}
LABEL2ID = {label: index for index, label in ID2LABEL.items()}
METRICS_FILE = "metrics.json"


@dataclass
class Data:
    train_texts: list[str]
    train_labels: list[int]
    eval_texts: list[str]
    eval_labels: list[int]
    eval_source: str


def load_data(args: argparse.Namespace) -> Data:
    """Training rows from the train channel; held-out rows from the test channel, `test.csv`, or a split."""
    splits = reviews.read_channel(args.train, args.max_rows, args.max_eval_rows)
    if not splits.train_texts:
        raise reviews.ReviewDataError(f"--train {args.train}: no training rows (only {reviews.TEST_FILE}?)")
    if args.test is not None:
        eval_texts, eval_labels = reviews.read_test_channel(args.test, args.max_eval_rows)
        return Data(splits.train_texts, splits.train_labels, eval_texts, eval_labels, f"test channel {args.test}")
    if splits.test_texts:
        return Data(splits.train_texts, splits.train_labels, splits.test_texts, splits.test_labels, "test.csv")
    # No held-out file: the same seeded split on every rank, so the ranks agree on which rows are held out.
    order = list(range(len(splits.train_texts)))
    random.Random(args.seed).shuffle(order)
    held = max(1, int(len(order) * args.validation_fraction))
    eval_rows, train_rows = order[:held], order[held:]
    if args.max_eval_rows:
        eval_rows = eval_rows[: args.max_eval_rows]
    return Data(
        [splits.train_texts[i] for i in train_rows],
        [splits.train_labels[i] for i in train_rows],
        [splits.train_texts[i] for i in eval_rows],
        [splits.train_labels[i] for i in eval_rows],
        f"held out {args.validation_fraction:g} of the training rows",
    )


def batches(
    token_ids: list[list[int]], labels: list[int], order: Sequence[int], batch_size: int, pad_id: int
) -> Iterator[dict[str, torch.Tensor]]:
    """Batches in `order`, padded to their longest row (dynamic padding: short reviews cost short steps)."""
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        width = max(len(token_ids[i]) for i in rows)
        input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for line, i in enumerate(rows):
            input_ids[line, : len(token_ids[i])] = torch.tensor(token_ids[i])
            attention_mask[line, : len(token_ids[i])] = 1
        yield {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "labels": torch.tensor([labels[i] for i in rows], dtype=torch.long),
        }


def epoch_order(rows: int, seed: int, epoch: int) -> list[int]:
    """The same permutation on every rank and every restart: the step counter alone names the next batch."""
    generator = torch.Generator().manual_seed(seed * 1000 + epoch)
    return torch.randperm(rows, generator=generator).tolist()


def linear_schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up then linear decay to 0, as BERT fine-tuning does (and transformers' default)."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


@dataclass
class Encoded:
    """Token ids per split, unpadded (batches pad to their longest row)."""

    train_ids: list[list[int]]
    train_labels: list[int]
    eval_ids: list[list[int]]
    eval_labels: list[int]
    pad_id: int


@dataclass
class Run:
    """The model and its optimisation state: what a checkpoint holds, plus where the run is."""

    model: Any
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    shape: checkpoints.RunShape
    step: int = 0


def evaluate(model: torch.nn.Module, encoded: Encoded, batch_size: int, cluster: Cluster) -> dict[str, float]:
    """Accuracy, positive-class F1 and mean loss over all held-out rows, each rank scoring its share."""
    model.eval()
    # loss sum, rows, correct, true positives, false positives, false negatives
    totals = torch.zeros(6, dtype=torch.float64, device=cluster.device)
    mine = list(range(cluster.rank, len(encoded.eval_ids), cluster.world_size))
    with torch.no_grad(), autocast(cluster):
        for cpu_batch in batches(encoded.eval_ids, encoded.eval_labels, mine, batch_size, encoded.pad_id):
            batch = {key: value.to(cluster.device) for key, value in cpu_batch.items()}
            output = model(**batch)
            predicted = output.logits.argmax(dim=-1)
            truth = batch["labels"]
            totals += torch.stack(
                [
                    output.loss.double() * len(truth),
                    torch.tensor(len(truth), device=cluster.device, dtype=torch.float64),
                    (predicted == truth).sum().double(),
                    ((predicted == 1) & (truth == 1)).sum().double(),
                    ((predicted == 1) & (truth == 0)).sum().double(),
                    ((predicted == 0) & (truth == 1)).sum().double(),
                ]
            )
    if cluster.distributed:
        dist.all_reduce(totals)
    loss_sum, rows, correct, tp, fp, fn = totals.tolist()
    model.train()
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"accuracy": correct / rows, "f1": f1, "loss": loss_sum / rows, "eval_rows": int(rows)}


def encode(args: argparse.Namespace, data: Data, tokenizer: Any) -> Encoded:
    max_length = min(args.max_seq_length, tokenizer.model_max_length)

    def ids(texts: list[str]) -> list[list[int]]:
        return list(tokenizer(texts, truncation=True, max_length=max_length)["input_ids"])

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return Encoded(ids(data.train_texts), data.train_labels, ids(data.eval_texts), data.eval_labels, pad_id)


def run_shape(args: argparse.Namespace, train_rows: int, cluster: Cluster) -> checkpoints.RunShape:
    global_batch_size = args.per_device_batch_size * cluster.world_size
    # Whole global batches only: every rank takes the same number of steps, as DDP's all-reduce needs.
    steps_per_epoch = train_rows // global_batch_size
    if steps_per_epoch == 0:
        raise reviews.ReviewDataError(
            f"--train {args.train}: {train_rows} training rows are fewer than one global batch"
            f" ({args.per_device_batch_size} per device x {cluster.world_size} processes); lower"
            " --per_device_batch_size or add rows"
        )
    return checkpoints.RunShape(global_batch_size, steps_per_epoch, steps_per_epoch * args.epochs)


def start_run(args: argparse.Namespace, shape: checkpoints.RunShape, cluster: Cluster) -> Run:
    """The pretrained model with a fresh two-class head, AdamW and the schedule; then the checkpoint, if any."""
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(args.seed)  # the same classification head on every rank (DDP also broadcasts rank 0's)
    model = AutoModelForSequenceClassification.from_pretrained(
        args.model_name_or_path, num_labels=len(ID2LABEL), id2label=ID2LABEL, label2id=LABEL2ID
    ).to(cluster.device)
    # Weight decay on the weight matrices only, as in BERT's recipe: not on biases and LayerNorm scales.
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    named = list(model.named_parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for n, p in named if not n.endswith(no_decay)], "weight_decay": args.weight_decay},
            {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
        ],
        lr=args.learning_rate,
    )
    scheduler = linear_schedule(optimizer, int(shape.total_steps * args.warmup_ratio), shape.total_steps)
    torch.manual_seed(args.seed + cluster.rank)  # dropout differs per rank, as with independent workers
    run = Run(model, optimizer, scheduler, shape)
    state = checkpoints.load_latest(args.checkpoint_dir, shape)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        run.step = int(state["step"])
        rng = state["rng"][cluster.rank]
        torch.set_rng_state(rng["torch"])
        if "cuda" in rng and cluster.device.type == "cuda":
            torch.cuda.set_rng_state(rng["cuda"], cluster.device)
        log(cluster, f"resuming from {checkpoints.checkpoint_path(args.checkpoint_dir, run.step)} at step {run.step}")
    return run


def save_checkpoint(args: argparse.Namespace, run: Run, cluster: Cluster) -> None:
    rng_states = gather_rng_states(cluster)  # every rank takes part; rank 0 writes
    if cluster.is_main:
        state = {
            "step": run.step,
            "shape": run.shape.as_dict(),
            "model": run.model.state_dict(),
            "optimizer": run.optimizer.state_dict(),
            "scheduler": run.scheduler.state_dict(),
            "rng": rng_states,
        }
        checkpoints.save(args.checkpoint_dir, run.step, state)


def train_steps(args: argparse.Namespace, run: Run, encoded: Encoded, cluster: Cluster) -> float:
    """Optimizer steps from run.step to the end (or --max_steps); returns the seconds they took."""
    shape = run.shape
    wrapped: torch.nn.Module = run.model
    if cluster.distributed:
        device_ids = [cluster.local_rank] if cluster.device.type == "cuda" else None
        wrapped = DistributedDataParallel(run.model, device_ids=device_ids)
    stop_at = min(shape.total_steps, args.max_steps) if args.max_steps else shape.total_steps
    first_step = run.step
    wrapped.train()
    started = time.perf_counter()
    running_loss, running_steps = 0.0, 0
    while run.step < stop_at:
        epoch, offset = divmod(run.step, shape.steps_per_epoch)
        order = epoch_order(len(encoded.train_ids), args.seed, epoch)
        global_batch = order[offset * shape.global_batch_size : (offset + 1) * shape.global_batch_size]
        rows = rank_rows(global_batch, cluster)
        cpu_batch = next(batches(encoded.train_ids, encoded.train_labels, rows, len(rows), encoded.pad_id))
        batch = {key: value.to(cluster.device, non_blocking=True) for key, value in cpu_batch.items()}
        with autocast(cluster):
            loss = wrapped(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(wrapped.parameters(), 1.0)
        run.optimizer.step()
        run.scheduler.step()
        run.optimizer.zero_grad(set_to_none=True)
        run.step += 1
        running_loss, running_steps = running_loss + loss.item(), running_steps + 1
        if run.step % args.logging_steps == 0 or run.step == stop_at:
            rate = (run.step - first_step) * shape.global_batch_size / (time.perf_counter() - started)
            learning_rate = run.scheduler.get_last_lr()[0]
            log(
                cluster,
                f"step={run.step} loss={running_loss / running_steps:.4f} lr={learning_rate:.3g}"
                f" samples_per_second={rate:.1f}",
            )
            running_loss, running_steps = 0.0, 0
        # Every interval, and when --max_steps stops the run early, so that it can be resumed.
        if run.step % args.checkpoint_steps == 0 or run.step == stop_at < shape.total_steps:
            save_checkpoint(args, run, cluster)
    return time.perf_counter() - started


def train(args: argparse.Namespace, cluster: Cluster) -> dict[str, Any]:
    """Read, tokenize, train (resuming if a checkpoint exists), evaluate; rank 0 writes model and metrics."""
    from transformers import AutoTokenizer

    data = load_data(args)
    shape = run_shape(args, len(data.train_texts), cluster)
    log(
        cluster,
        f"{len(data.train_texts)} training rows, {len(data.eval_texts)} held-out rows ({data.eval_source});"
        f" {cluster.world_size} process(es) on {cluster.device.type},"
        f" {shape.total_steps} steps of {shape.global_batch_size}",
    )
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path)
    encoded = encode(args, data, tokenizer)
    run = start_run(args, shape, cluster)
    resumed_from = run.step
    train_seconds = train_steps(args, run, encoded, cluster)
    samples = (run.step - resumed_from) * shape.global_batch_size

    scores = evaluate(run.model, encoded, args.per_device_batch_size * 2, cluster)
    log(cluster, f"eval_accuracy={scores['accuracy']:.4f} eval_f1={scores['f1']:.4f} eval_loss={scores['loss']:.4f}")
    metrics: dict[str, Any] = {
        **scores,
        "samples_per_second": samples / train_seconds if samples else 0.0,
        "train_seconds": train_seconds,
        "gpus": cluster.world_size if cluster.device.type == "cuda" else 0,
        "world_size": cluster.world_size,
        "device": cluster.device.type,
        "steps": run.step,
        "total_steps": shape.total_steps,
        "resumed_from_step": resumed_from,
        "steps_this_run": run.step - resumed_from,
        "train_rows": len(encoded.train_ids),
        "eval_source": data.eval_source,
        "model_name_or_path": args.model_name_or_path,
    }
    if cluster.is_main:
        write_outputs(args, run.model, tokenizer, metrics)
    return metrics


def write_outputs(args: argparse.Namespace, model: Any, tokenizer: Any, metrics: dict[str, Any]) -> None:
    """The layout the Hugging Face inference container loads: config.json, model.safetensors, tokenizer."""
    args.model_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.model_dir)  # safetensors is the default format (transformers 4.35 and later)
    tokenizer.save_pretrained(args.model_dir)
    text = json.dumps(metrics, indent=2) + "\n"
    (args.model_dir / METRICS_FILE).write_text(text)
    if args.output_data_dir is not None:
        args.output_data_dir.mkdir(parents=True, exist_ok=True)
        (args.output_data_dir / METRICS_FILE).write_text(text)
    print(f"model written to {args.model_dir}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_progress_bars()
    cluster = join_cluster()
    try:
        train(args, cluster)
    except (reviews.ReviewDataError, checkpoints.CheckpointMismatchError) as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 2
    finally:
        if cluster.distributed:
            dist.barrier()  # rank 0 is still writing the model; the others wait so the job ends together
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
