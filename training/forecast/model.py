"""DeepAR (Salinas et al.) as GluonTS implements it on PyTorch: fit with Lightning, resumable, and exported for
serving as TorchScript so the endpoint needs torch and numpy only (inference.py rebuilds the inputs).

A fit writes Lightning's full state (weights, optimizer, epoch) to `<checkpoint dir>/<phase>/last.ckpt` after
every epoch; a restarted job (a spot interruption) continues from it instead of starting over.
"""

from __future__ import annotations

import json
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch
from command_line import Hyperparameters
from gluonts.dataset.common import ListDataset
from gluonts.time_feature import get_lags_for_frequency
from gluonts.torch.model.deepar import DeepAREstimator
from series import InputError, Series

# DeepAR's default lags for daily data reach three years back; one year of lags is enough for a yearly cycle
# and keeps the past window (context + largest lag) at about 400 days instead of 1,100.
MAX_LAG_DAYS = 365
LAST = "last.ckpt"
RUN_FILE = "run.json"
SERVED_MODEL = "model.pt"
SERVED_CONFIG = "config.json"
INFERENCE_CODE = Path(__file__).with_name("inference.py")

warnings.filterwarnings("ignore", message=".*(does not have many workers|predict_dataloader|lightning_logs).*")


def lags(freq: str, steps_per_day: int) -> list[int]:
    return [lag for lag in get_lags_for_frequency(freq) if lag <= MAX_LAG_DAYS * steps_per_day]


def dataset(series: list[Series], freq: str) -> ListDataset:
    entries = [
        {"start": pd.Period(item.start, freq=freq), "target": item.values.astype("float32"), "item_id": item.item_id}
        for item in series
    ]
    return ListDataset(entries, freq=freq)


@dataclass(frozen=True)
class Fit:
    predictor: Any
    estimator: DeepAREstimator
    resumed_from_epoch: int
    epochs_run: int
    seconds: float
    device: str  # where Lightning trained: cpu, cuda, mps

    def training_windows(self, hyper: Hyperparameters) -> int:
        """Series windows (context plus horizon) the fit trained on in this run."""
        return self.epochs_run * hyper.num_batches_per_epoch * hyper.batch_size


def _checkpoint_epoch(path: Path) -> int:
    """Completed epochs recorded in a Lightning checkpoint saved at an epoch's end (the epoch to start next)."""
    # weights_only=False: Lightning's checkpoint holds the module's hyperparameters (GluonTS objects); it is
    # this job's own file, which Lightning itself loads the same way to resume.
    state = torch.load(path, map_location="cpu", weights_only=False)
    return int(state["epoch"])


def _check_run(folder: Path, identity: dict[str, object]) -> None:
    """A checkpoint folder belongs to one run shape: refuse another's state rather than load the wrong weights."""
    run_file = folder / RUN_FILE
    if run_file.exists():
        saved = json.loads(run_file.read_text())
        if saved != identity:
            changed = sorted(key for key in identity.keys() | saved.keys() if saved.get(key) != identity.get(key))
            raise InputError(
                f"--checkpoint-dir {folder.parent}: its {folder.name} checkpoint is from a run with other "
                f"{', '.join(changed)}; resume with the same data and hyperparameters or use an empty folder"
            )
    folder.mkdir(parents=True, exist_ok=True)
    run_file.write_text(json.dumps(identity, sort_keys=True))


def fit(series: list[Series], hyper: Hyperparameters, steps_per_day: int, checkpoints: Path, phase: str) -> Fit:
    """Train on `series` (resuming from `checkpoints/phase` when it holds a checkpoint of the same run)."""
    folder = checkpoints / phase
    identity = {
        **{key: value for key, value in hyper.as_dict().items() if key != "epochs"},
        "series": len(series),
        "steps": int(sum(len(item) for item in series)),
    }
    _check_run(folder, identity)
    last = folder / LAST
    resumed = _checkpoint_epoch(last) if last.exists() else 0
    pl.seed_everything(hyper.seed, workers=True, verbose=False)
    save_every_epoch = pl.callbacks.ModelCheckpoint(dirpath=folder, save_last=True, save_top_k=0)
    estimator = DeepAREstimator(
        freq=hyper.freq,
        prediction_length=hyper.prediction_length,
        context_length=hyper.context,
        num_layers=hyper.num_layers,
        hidden_size=hyper.hidden_size,
        lr=hyper.learning_rate,
        lags_seq=lags(hyper.freq, steps_per_day),
        num_parallel_samples=hyper.num_samples,
        batch_size=hyper.batch_size,
        num_batches_per_epoch=hyper.num_batches_per_epoch,
        trainer_kwargs={
            "max_epochs": hyper.epochs,
            "callbacks": [save_every_epoch],
            "default_root_dir": str(folder / "best"),
            "logger": False,
            "enable_progress_bar": False,
            "enable_model_summary": False,
        },
    )
    started = time.perf_counter()
    output = estimator.train_model(
        dataset(series, hyper.freq), cache_data=True, ckpt_path=str(last) if resumed else None
    )
    seconds = time.perf_counter() - started
    trainer = output.trainer
    return Fit(output.predictor, estimator, resumed, trainer.current_epoch - resumed, seconds,
               trainer.strategy.root_device.type)  # fmt: skip


def forecast(fitted: Fit, contexts: list[Series], hyper: Hyperparameters) -> dict[str, np.ndarray]:
    """P10, P50, P90 and mean of each context's next prediction_length steps, each of shape (contexts, horizon)."""
    pl.seed_everything(hyper.seed, verbose=False)
    forecasts = list(fitted.predictor.predict(dataset(contexts, hyper.freq), num_samples=hyper.num_samples))
    return {
        "p10": np.stack([item.quantile(0.1) for item in forecasts]),
        "p50": np.stack([item.quantile(0.5) for item in forecasts]),
        "p90": np.stack([item.quantile(0.9) for item in forecasts]),
        "mean": np.stack([item.mean for item in forecasts]),
    }


def export(fitted: Fit, hyper: Hyperparameters, steps_per_day: int, model_dir: Path) -> None:
    """The served model: TorchScript of the network, its input contract, and the handler code under code/."""
    network = fitted.predictor.prediction_net.model.to("cpu").eval()
    estimator = fitted.estimator
    past = network._past_length
    features = len(estimator.time_features) + 1  # the time features, then the age feature
    example = (
        torch.zeros(1, 1, dtype=torch.long),
        torch.zeros(1, 1),
        torch.zeros(1, past, features),
        torch.ones(1, past),
        torch.ones(1, past),
        torch.zeros(1, hyper.prediction_length, features),
    )
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python ints: the shapes they fix are fixed here
        traced = torch.jit.trace(network, example, check_trace=False)
    model_dir.mkdir(parents=True, exist_ok=True)
    traced.save(str(model_dir / SERVED_MODEL))
    config = {
        "freq": hyper.freq,
        "prediction_length": hyper.prediction_length,
        "context_length": hyper.context,
        "past_length": past,
        "time_features": [feature.__name__ for feature in estimator.time_features],
        "num_samples": hyper.num_samples,
        "model": "DeepAR (GluonTS, PyTorch), TorchScript",
    }
    (model_dir / SERVED_CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    code = model_dir / "code"
    code.mkdir(exist_ok=True)
    shutil.copy2(INFERENCE_CODE, code / "inference.py")
