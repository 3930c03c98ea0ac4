"""`mlstack train --recipe forecast --local --demo` for real: the CLI runs the forecast script on the generated
series and prints the metrics table read back from its metrics.json; a second run starts afresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.training.forecast.conftest import ROOT

# Tiny: the run only has to go through every step (the model's quality is test_train.py's).
SETTINGS = ("-c", "training.forecast_epochs=2", "-c", "training.forecast_max_items=8")
TITLES = ["DeepAR", "naive (last value)", "seasonal naive (7 days)", "climatology"]


def launch(output: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "mlstack", "train", "--recipe", "forecast", "--local", "--demo", *SETTINGS,
               "--output", str(output)]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("forecast-launch")
    result = launch(output)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    report = json.loads((output / "output" / "metrics.json").read_text())
    return {"output": output, "stdout": result.stdout, "report": report}


def test_it_trains_on_the_demo_series_and_prints_the_table_of_its_metrics(launched: dict[str, Any]) -> None:
    report, lines = launched["report"], launched["stdout"].splitlines()
    assert report["series"] == 8 and report["hyperparameters"]["epochs"] == 2
    assert (launched["output"] / "demo-series").is_dir()
    assert (launched["output"] / "model" / "model.pt").is_file()
    header = lines.index("forecaster                     MAE    MASE      wQL  P10-P90")
    rows = lines[header + 1 : header + 5]
    assert [row[:26].strip() for row in rows] == TITLES
    for row, name in zip(rows, ["deepar", "naive", "seasonal_naive", "climatology"], strict=True):
        scores = report["metrics"][name]
        assert row.split()[-4:] == [f"{scores['mae']:.3f}", f"{scores['mase']:.3f}", f"{scores['wql']:.4f}",
                                    f"{scores['coverage_p10_p90']:.2f}"]  # fmt: skip
    assert lines[header + 5].startswith(f"(8 series, {report['backtest_points']} backtest points")


def test_a_second_run_in_the_same_folder_trains_again_instead_of_resuming(launched: dict[str, Any]) -> None:
    result = launch(launched["output"])
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    report = json.loads((launched["output"] / "output" / "metrics.json").read_text())
    assert report["resumed_from_epoch"] == {"backtest": 0, "final": 0}
    assert report["epochs_run"] == {"backtest": 2, "final": 2}
