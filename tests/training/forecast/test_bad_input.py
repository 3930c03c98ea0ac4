"""Bad input: one line naming the problem on stderr, exit 2, no traceback, before any training."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.training.forecast.conftest import paths, run_script


def assert_one_line(result: object, expected: str) -> None:
    assert result.returncode == 2, result.stderr  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert lines == [expected]


def write(folder: Path, rows: pd.DataFrame) -> Path:
    folder.mkdir()
    rows.to_csv(folder / "series.csv", index=False)
    return folder


def test_no_rows(tmp_path: Path) -> None:
    train = write(tmp_path / "train", pd.DataFrame(columns=["item_id", "timestamp", "target"]))
    result = run_script(*paths(tmp_path, train))
    assert_one_line(result, f"forecast: --train {train}: no rows; expected CSV or Parquet files with columns item_id, "
                            "timestamp, target")  # fmt: skip


def test_a_series_shorter_than_the_prediction_length(tmp_path: Path) -> None:
    long = pd.DataFrame({"item_id": "a", "timestamp": pd.date_range("2026-01-01", periods=60), "target": 1.0})
    short = pd.DataFrame({"item_id": "b", "timestamp": pd.date_range("2026-01-01", periods=5), "target": 1.0})
    train = write(tmp_path / "train", pd.concat([long, short]))
    result = run_script(*paths(tmp_path, train))
    assert_one_line(result, "forecast: series 'b' has 5 time steps (1 of 2 series are that short); each needs at "
                            "least 35: prediction_length 7 of history plus backtest_windows 4 x prediction_length; "
                            "drop them or lower backtest_windows")  # fmt: skip


@pytest.mark.parametrize(
    ("freq", "hint"), [("W", ""), ("daily", " (did you mean 'D'?)"), ("H", " (did you mean 'h'?)")]
)
def test_an_unknown_freq(tmp_path: Path, freq: str, hint: str) -> None:
    result = run_script(*paths(tmp_path, tmp_path), "--freq", freq)
    assert_one_line(result, f"forecast: --freq {freq!r}: not supported; use one of D, h{hint}")


def test_a_missing_column(tmp_path: Path) -> None:
    train = write(tmp_path / "train", pd.DataFrame({"station": ["a"], "date": ["2026-01-01"], "tmax": [1.0]}))
    result = run_script(*paths(tmp_path, train))
    assert_one_line(result, f"forecast: {train / 'series.csv'}: no column item_id, timestamp, target (has station, "
                            "date, tmax); expected item_id, timestamp, target")  # fmt: skip


def test_a_bad_hyperparameter(tmp_path: Path) -> None:
    result = run_script(*paths(tmp_path, tmp_path), "--backtest_windows", "0")
    assert_one_line(result, "forecast: --backtest_windows 0: must be 1 or more")


def test_no_train_channel(tmp_path: Path) -> None:
    result = run_script("--model-dir", str(tmp_path))
    assert_one_line(result, "forecast: --train is not set: pass a directory or set SM_CHANNEL_TRAIN")
