"""The forecast script trained for real on generated series: it beats the naive baseline, is calibrated, and
writes the documented metrics.json, backtest.csv and served model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

FORECASTERS = ["deepar", "naive", "seasonal_naive", "climatology"]
METRIC_KEYS = {"mae", "mase", "wql", "coverage_p10_p90", "mae_by_horizon", "points"}
WINDOWS, HORIZON = 4, 7


def test_the_model_beats_the_naive_baseline_at_horizons_2_to_7(trained: dict[str, Any]) -> None:
    scores = trained["metrics"]["metrics"]
    model, naive = scores["deepar"]["mae_by_horizon"], scores["naive"]["mae_by_horizon"]
    for horizon in range(2, HORIZON + 1):
        assert model[horizon - 1] < naive[horizon - 1], (horizon, model, naive)
    assert scores["deepar"]["mae"] < scores["naive"]["mae"]
    assert scores["deepar"]["mase"] < scores["naive"]["mase"]


def test_the_model_p10_p90_interval_is_calibrated(trained: dict[str, Any]) -> None:
    assert 0.6 <= trained["metrics"]["metrics"]["deepar"]["coverage_p10_p90"] <= 0.95


def test_metrics_json_has_the_table_and_the_run(trained: dict[str, Any]) -> None:
    report = trained["metrics"]
    assert list(report["metrics"]) == FORECASTERS
    for row in report["metrics"].values():
        assert set(row) == METRIC_KEYS
        assert len(row["mae_by_horizon"]) == HORIZON
    assert report["series"] == 60
    assert report["rows"] > 60 * 2 * 365
    assert report["device"] == "cpu"
    assert report["seconds"] > 0
    assert report["series_windows_per_second"] > 0
    assert report["resumed_from_epoch"] == {"backtest": 0, "final": 0}
    assert json.loads((trained["out"] / "output" / "metrics.json").read_text()) == report


def test_backtest_csv_holds_every_forecast_and_recomputes_the_scores(trained: dict[str, Any]) -> None:
    backtest = pd.read_csv(trained["model"] / "backtest.csv", parse_dates=["timestamp"])
    assert list(backtest.columns) == ["item_id", "timestamp", "window", "forecaster", "target", "p10", "p50", "p90",
                                      "mean"]  # fmt: skip
    assert len(backtest) == len(FORECASTERS) * 60 * WINDOWS * HORIZON
    model = backtest[backtest["forecaster"] == "deepar"]
    assert (model["p10"] <= model["p50"]).all() and (model["p50"] <= model["p90"]).all()
    observed = model.dropna(subset=["target"])
    assert np.abs(observed["target"] - observed["p50"]).mean() == pytest.approx(
        trained["metrics"]["metrics"]["deepar"]["mae"]
    )
    inside = (observed["p10"] <= observed["target"]) & (observed["target"] <= observed["p90"])
    assert inside.mean() == pytest.approx(trained["metrics"]["metrics"]["deepar"]["coverage_p10_p90"])


def test_the_windows_are_each_series_last_days(trained: dict[str, Any], demo_series: Path) -> None:
    rows = pd.read_parquet(demo_series)
    last_day = rows.groupby("item_id")["timestamp"].max()
    backtest = pd.read_csv(trained["model"] / "backtest.csv", parse_dates=["timestamp"])
    model = backtest[backtest["forecaster"] == "deepar"]
    span = model.groupby("item_id")["timestamp"].agg(["min", "max"])
    assert (span["max"] == last_day).all()
    assert (span["max"] - span["min"] == pd.Timedelta(days=WINDOWS * HORIZON - 1)).all()
    window_starts = model.groupby(["item_id", "window"])["timestamp"].min().unstack()
    assert (window_starts.diff(axis=1).iloc[:, 1:] == pd.Timedelta(days=HORIZON)).all().all()


def test_the_backtest_model_was_fitted_without_any_window(trained: dict[str, Any], demo_series: Path) -> None:
    """The fit's recorded data is every series less its windows; the served model's is all of it."""
    rows = pd.read_parquet(demo_series)
    steps = int(rows.groupby("item_id")["timestamp"].agg(lambda days: (days.max() - days.min()).days + 1).sum())
    checkpoints = trained["out"] / "checkpoints"
    assert json.loads((checkpoints / "backtest" / "run.json").read_text())["steps"] == steps - 60 * WINDOWS * HORIZON
    assert json.loads((checkpoints / "final" / "run.json").read_text())["steps"] == steps


def test_the_model_directory_is_what_the_serving_code_loads(trained: dict[str, Any]) -> None:
    model = trained["model"]
    assert {path.name for path in model.iterdir()} == {"model.pt", "config.json", "code", "metrics.json",
                                                       "backtest.csv"}  # fmt: skip
    # no requirements.txt: the serving container would try to pip install it, and may have no network
    assert [path.name for path in (model / "code").iterdir()] == ["inference.py"]
    config = json.loads((model / "config.json").read_text())
    assert config["prediction_length"] == HORIZON
    assert config["time_features"] == ["day_of_week", "day_of_month", "day_of_year"]


def test_the_metrics_table_is_printed(trained: dict[str, Any]) -> None:
    lines = trained["stdout"].splitlines()
    header = next(index for index, line in enumerate(lines) if line.startswith("forecaster"))
    assert [line.split()[0] for line in lines[header + 1 : header + 5]] == FORECASTERS
