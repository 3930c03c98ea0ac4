"""The baselines a forecaster must beat, as pure functions of one series' history (NaN for a gap).

Each baseline gives a point forecast from the history up to a window's start, and its P10/P50/P90 from its own
in-sample error distribution: the errors it made, at each horizon, forecasting the fit history (the data before
the first backtest window) from every earlier origin. No window's data is used for a window's forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

QUANTILES = (0.1, 0.5, 0.9)
NAMES = ("naive", "seasonal_naive", "climatology")
# Fewer in-sample errors than this at a horizon give no spread (the quantile offsets stay 0).
MIN_ERRORS = 10


@dataclass(frozen=True)
class Quantiles:
    """P10, P50, P90 and the mean over a horizon, each of shape (horizon,)."""

    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    mean: np.ndarray


def forward_fill(values: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last observed value before it (leading NaNs stay)."""
    index = np.where(np.isfinite(values), np.arange(len(values)), -1)
    np.maximum.accumulate(index, out=index)
    filled = np.where(index >= 0, values[np.maximum(index, 0)], np.nan)
    return filled


def seasonal_fill(values: np.ndarray, season: int) -> np.ndarray:
    """Each NaN replaced by the value one season earlier (itself filled), so gaps take last week's value."""
    filled = values.copy()
    for start in range(season):
        filled[start::season] = forward_fill(filled[start::season])
    return filled


def calendar_keys(timestamps: pd.DatetimeIndex, steps_per_day: int) -> np.ndarray:
    """Month, day (29 February as the 28th) and, below daily, hour: the same key means the same calendar time."""
    day = np.where((timestamps.month == 2) & (timestamps.day == 29), 28, timestamps.day)
    keys = np.asarray(timestamps.month * 100 + day, dtype=np.int64)
    return keys * 100 + np.asarray(timestamps.hour) if steps_per_day > 1 else keys


def naive_point(history: np.ndarray, horizon: int) -> np.ndarray:
    observed = history[np.isfinite(history)]
    return np.full(horizon, observed[-1] if len(observed) else np.nan)


def seasonal_naive_point(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """The value one season before each step (further back through gaps); the naive value where there is none."""
    filled = seasonal_fill(history, season)
    n = len(history)
    steps = np.arange(horizon)
    lookback = n + steps - season * (steps // season + 1)
    point = np.where(lookback >= 0, filled[np.maximum(lookback, 0)], np.nan)
    return np.where(np.isfinite(point), point, naive_point(history, horizon))


def climatology_point(history: np.ndarray, history_keys: np.ndarray, future_keys: np.ndarray) -> np.ndarray:
    """The mean of the history at the same calendar day in earlier years; the history's mean where there is none."""
    frame = pd.DataFrame({"key": history_keys, "value": history}).dropna()
    means = frame.groupby("key")["value"].mean()
    point = pd.Series(future_keys).map(means).to_numpy(dtype="float64")
    fallback = frame["value"].mean() if len(frame) else np.nan
    return np.where(np.isfinite(point), point, fallback)


def naive_errors(history: np.ndarray, horizon: int) -> list[np.ndarray]:
    """In-sample errors at each horizon h (0-based): y[t + h] - last observed value before t."""
    filled = forward_fill(history)
    n = len(history)
    return [history[h + 1 :] - filled[: n - 1 - h] for h in range(horizon)]


def seasonal_naive_errors(history: np.ndarray, horizon: int, season: int) -> list[np.ndarray]:
    filled = seasonal_fill(history, season)
    n = len(history)
    errors = []
    for h in range(horizon):
        lag = season * (h // season + 1)
        errors.append(history[lag:] - filled[: n - lag] if n > lag else np.array([]))
    return errors


def climatology_errors(history: np.ndarray, history_keys: np.ndarray, horizon: int) -> list[np.ndarray]:
    """y[t] minus the mean of the same calendar day before t (earlier years only); the same at every horizon."""
    frame = pd.DataFrame({"key": history_keys, "value": history})
    observed = frame["value"].notna()
    frame["count"] = observed.astype(float)
    frame["total"] = frame["value"].fillna(0.0)
    grouped = frame.groupby("key")
    earlier_count = grouped["count"].cumsum() - frame["count"]
    earlier_total = grouped["total"].cumsum() - frame["total"]
    with np.errstate(invalid="ignore", divide="ignore"):
        earlier_mean = (earlier_total / earlier_count).where(earlier_count > 0)
    errors = (frame["value"] - earlier_mean).to_numpy(dtype="float64")
    return [errors] * horizon


def error_offsets(errors: list[np.ndarray]) -> np.ndarray:
    """Shape (3, horizon): the P10, P50 and P90 of the finite errors at each horizon (0 with too few)."""
    offsets = np.zeros((len(QUANTILES), len(errors)))
    for h, values in enumerate(errors):
        finite = values[np.isfinite(values)]
        if len(finite) >= MIN_ERRORS:
            offsets[:, h] = np.quantile(finite, QUANTILES)
    return offsets


@dataclass(frozen=True)
class Baseline:
    """One baseline fitted to one series' fit history: its in-sample error quantiles per horizon."""

    name: str
    offsets: np.ndarray

    def forecast(self, point: np.ndarray) -> Quantiles:
        return Quantiles(point + self.offsets[0], point + self.offsets[1], point + self.offsets[2], point)


def fit_baselines(fit_history: np.ndarray, fit_keys: np.ndarray, horizon: int, season: int) -> dict[str, Baseline]:
    errors = {
        "naive": naive_errors(fit_history, horizon),
        "seasonal_naive": seasonal_naive_errors(fit_history, horizon, season),
        "climatology": climatology_errors(fit_history, fit_keys, horizon),
    }
    return {name: Baseline(name, error_offsets(errors[name])) for name in NAMES}


def point_forecasts(
    history: np.ndarray, history_keys: np.ndarray, future_keys: np.ndarray, season: int
) -> dict[str, np.ndarray]:
    horizon = len(future_keys)
    return {
        "naive": naive_point(history, horizon),
        "seasonal_naive": seasonal_naive_point(history, horizon, season),
        "climatology": climatology_point(history, history_keys, future_keys),
    }
