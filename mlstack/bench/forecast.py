"""Benchmark of the forecast recipe on this machine: training throughput and one forecast's latency.

Training runs training/forecast/train.py on the generated demo series (both fits: backtest and served model)
and reads `series_windows_per_second` from its metrics.json: training windows (context plus horizon) of any
series per second of fitting, one CPU thread. Latency is the serving handler's `predict_fn` for one request of
one series (a year of history) and a 7-day forecast with 100 sample paths, on the model that run exported,
in a fresh process: the median of repeated calls after a first one.
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

SOURCE = ROOT / "training" / "forecast"
ITEMS = int(os.environ.get("BENCH_FORECAST_ITEMS", "60"))
EPOCHS, BATCHES = 3, 50
CALLS = 20

LATENCY_SCRIPT = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1] + "/code")
import inference
model = inference.model_fn(sys.argv[1])
body = json.dumps({"instances": [{"start": "2025-01-01", "target": [float(day % 30) for day in range(365)]}],
                   "configuration": {"num_samples": 100, "output_types": ["mean", "quantiles"]}})
def once():
    started = time.perf_counter()
    inference.output_fn(inference.predict_fn(inference.input_fn(body, "application/json"), model), "application/json")
    return time.perf_counter() - started
first = once()
print(json.dumps({"first": first, "median": statistics.median(once() for _ in range(int(sys.argv[2])))}))
"""


@dataclass(frozen=True)
class ForecastFigures:
    series_windows_per_second: float
    fit_seconds: float
    first_ms: float
    median_ms: float

    def lines(self) -> list[str]:
        return [
            f"forecast training:        {self.series_windows_per_second:8.0f} series-windows/s (DeepAR, {ITEMS} demo "
            f"series, {EPOCHS} epochs x {BATCHES} batches per fit, 1 CPU thread; the run {self.fit_seconds:.0f} s)",
            f"forecast, one 7-day forecast: {self.median_ms:6.0f} ms median (predict_fn, 100 paths; first call "
            f"{self.first_ms:.0f} ms)",
        ]


def forecast_figures() -> ForecastFigures:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    with tempfile.TemporaryDirectory(prefix="mlstack-bench-forecast-") as scratch:
        folder = Path(scratch)
        model = folder / "model"
        subprocess.run(
            [sys.executable, str(SOURCE / "demo_data.py"), "--out", str(folder / "series"), "--items", str(ITEMS)],
            check=True, capture_output=True, cwd=ROOT, env=env,
        )  # fmt: skip
        subprocess.run(
            [sys.executable, str(SOURCE / "train.py"), "--train", str(folder / "series"), "--model-dir", str(model),
             "--checkpoint-dir", str(folder / "checkpoints"), "--epochs", str(EPOCHS),
             "--num_batches_per_epoch", str(BATCHES)],
            check=True, capture_output=True, cwd=ROOT, env=env,
        )  # fmt: skip
        report = json.loads((model / "metrics.json").read_text())
        latency = subprocess.run(
            [sys.executable, "-c", LATENCY_SCRIPT, str(model), str(CALLS)],
            check=True, capture_output=True, text=True, cwd=ROOT, env=env,
        )  # fmt: skip
        timing = json.loads(latency.stdout)
    return ForecastFigures(
        float(report["series_windows_per_second"]), float(report["seconds"]), timing["first"] * 1000,
        timing["median"] * 1000,
    )  # fmt: skip
