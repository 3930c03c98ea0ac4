"""Train one global DeepAR model on every series, backtest it against three baselines, refit it for serving.

Backtest: the last `backtest_windows` windows of `prediction_length` steps of each series. The model is fitted
once on the data before each series' first window and forecasts every window from the actual history up to that
window's start; the baselines forecast the same windows from the same history. The served model is then fitted
again on all the data. The model directory gets the served model (model.pt, config.json, code/inference.py),
metrics.json and backtest.csv.

    python training/forecast/train.py --demo                       # generated series, ./demo/model
    python training/forecast/train.py --train series/ --model-dir model/ --epochs 20
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

# The recipe's modules import each other as top-level modules, as they do in the training container.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import baselines
import metrics
from command_line import Hyperparameters, Paths, parse_args
from series import STEPS_PER_DAY, InputError, Series, check_lengths, read_rows, to_series

MODEL = "deepar"
FORECASTERS = (MODEL, *baselines.NAMES)
BACKTEST_COLUMNS = ("item_id", "timestamp", "window", "forecaster", "target", "p10", "p50", "p90", "mean")
SEASON_DAYS = 7


def backtest_contexts(series: list[Series], hyper: Hyperparameters) -> list[tuple[Series, int, int]]:
    """(series, window, origin) for every backtest window, the window's first step at `origin`."""
    horizon, windows = hyper.prediction_length, hyper.backtest_windows
    return [(item, window, len(item) - (windows - window) * horizon) for item in series for window in range(windows)]


def baseline_forecasts(
    series: list[Series], contexts: list[tuple[Series, int, int]], hyper: Hyperparameters
) -> dict[str, dict[str, np.ndarray]]:
    """Each baseline's P10/P50/P90/mean for every context, fitted on each series' history before its first window."""
    steps_per_day = STEPS_PER_DAY[hyper.freq]
    horizon, season = hyper.prediction_length, SEASON_DAYS * steps_per_day
    fitted = {}
    keys = {}
    for item in series:
        keys[item.item_id] = baselines.calendar_keys(item.timestamps(hyper.freq), steps_per_day)
        cut = len(item) - hyper.backtest_windows * horizon
        fitted[item.item_id] = baselines.fit_baselines(item.values[:cut], keys[item.item_id][:cut], horizon, season)
    columns: dict[str, dict[str, list[np.ndarray]]] = {
        name: {"p10": [], "p50": [], "p90": [], "mean": []} for name in baselines.NAMES
    }
    for item, _, origin in contexts:
        item_keys = keys[item.item_id]
        points = baselines.point_forecasts(
            item.values[:origin], item_keys[:origin], item_keys[origin : origin + horizon], season
        )
        for name, point in points.items():
            quantiles = fitted[item.item_id][name].forecast(point)
            for column in ("p10", "p50", "p90", "mean"):
                columns[name][column].append(getattr(quantiles, column))
    return {name: {column: np.stack(rows) for column, rows in table.items()} for name, table in columns.items()}


def backtest_frame(
    contexts: list[tuple[Series, int, int]], actual: np.ndarray, forecasts: dict[str, dict[str, np.ndarray]],
    hyper: Hyperparameters,
) -> pd.DataFrame:  # fmt: skip
    horizon = hyper.prediction_length
    base = pd.DataFrame({
        "item_id": np.repeat([item.item_id for item, _, _ in contexts], horizon),
        "timestamp": np.concatenate(
            [item.timestamps(hyper.freq)[origin : origin + horizon] for item, _, origin in contexts]
        ),
        "window": np.repeat([window for _, window, _ in contexts], horizon),
        "target": actual.ravel(),
    })  # fmt: skip
    columns = ("p10", "p50", "p90", "mean")
    frames = [
        base.assign(forecaster=name, **{column: forecasts[name][column].ravel() for column in columns})
        for name in FORECASTERS
    ]
    return pd.concat(frames, ignore_index=True)[list(BACKTEST_COLUMNS)]


def table(scores: dict[str, dict[str, object]]) -> str:
    """The metrics as a text table, one row per forecaster."""
    lines = [f"{'forecaster':<16}{'MAE':>8}{'MASE':>8}{'wQL':>8}{'P10-P90':>9}"]
    for name, row in scores.items():
        mase = row["mase"]
        lines.append(
            f"{name:<16}{row['mae']:>8.3f}{mase if mase is None else f'{mase:.3f}':>8}"
            f"{row['wql']:>8.4f}{row['coverage_p10_p90']:>9.2f}"
        )
    return "\n".join(lines)


def run(paths: Paths, hyper: Hyperparameters) -> dict[str, object]:
    import model  # GluonTS, Lightning and torch: imported once the input is known to be good

    started = time.perf_counter()
    rows = read_rows(paths.train)
    series = to_series(rows, hyper.freq, hyper.max_items)
    check_lengths(series, hyper.prediction_length, hyper.backtest_windows)
    steps_per_day = STEPS_PER_DAY[hyper.freq]
    horizon = hyper.prediction_length
    cut = {item.item_id: len(item) - hyper.backtest_windows * horizon for item in series}
    contexts = backtest_contexts(series, hyper)
    actual = np.stack([item.values[origin : origin + horizon] for item, _, origin in contexts])
    scale = np.array([metrics.naive_scale(item.values[: cut[item.item_id]]) for item, _, _ in contexts])

    print(f"Backtest fit: {len(series)} series, {len(rows)} rows, data before each series' last "
          f"{hyper.backtest_windows} x {horizon} steps", flush=True)  # fmt: skip
    backtest_fit = model.fit([item.head(cut[item.item_id]) for item in series], hyper, steps_per_day,
                             paths.checkpoint_dir, "backtest")  # fmt: skip
    forecasts = baseline_forecasts(series, contexts, hyper)
    forecasts[MODEL] = model.forecast(backtest_fit, [item.head(origin) for item, _, origin in contexts], hyper)
    scores = {name: metrics.score(actual, forecasts[name]["p10"], forecasts[name]["p50"], forecasts[name]["p90"],
                                  scale) for name in FORECASTERS}  # fmt: skip

    print("Final fit on all the data", flush=True)
    final_fit = model.fit(series, hyper, steps_per_day, paths.checkpoint_dir, "final")
    model.export(final_fit, hyper, steps_per_day, paths.model_dir)
    fits = {"backtest": backtest_fit, "final": final_fit}
    windows = sum(fitted.training_windows(hyper) for fitted in fits.values())
    fit_seconds = sum(fitted.seconds for fitted in fits.values())
    report: dict[str, object] = {
        "metrics": scores,
        "rows": len(rows),
        "series": len(series),
        "seconds": round(time.perf_counter() - started, 1),
        "device": final_fit.device,
        "hyperparameters": hyper.as_dict(),
        "backtest_points": int(np.isfinite(actual).sum()),
        "resumed_from_epoch": {phase: fitted.resumed_from_epoch for phase, fitted in fits.items()},
        "epochs_run": {phase: fitted.epochs_run for phase, fitted in fits.items()},
        "series_windows_per_second": round(windows / fit_seconds, 1) if windows and fit_seconds else None,
    }
    backtest_frame(contexts, actual, forecasts, hyper).to_csv(paths.model_dir / "backtest.csv", index=False)
    text = json.dumps(report, indent=2) + "\n"
    (paths.model_dir / "metrics.json").write_text(text)
    if paths.output_data_dir:
        paths.output_data_dir.mkdir(parents=True, exist_ok=True)
        (paths.output_data_dir / "metrics.json").write_text(text)
    print(table(scores))
    print(f"Model: {paths.model_dir} ({report['seconds']} s on {report['device']})")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    try:
        paths, hyper, demo = parse_args(argv)
        if demo:
            from demo_data import write_demo

            write_demo(paths.train)
        run(paths, hyper)
    except InputError as error:
        print(f"forecast: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
