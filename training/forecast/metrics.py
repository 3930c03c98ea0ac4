"""Backtest scores, as pure functions of arrays of shape (forecasts, horizon): the actuals (NaN where missing)
and one forecaster's P10, P50 and P90, plus each forecast's series scale for MASE.

- MAE of the P50; MASE: each absolute error divided by its series' in-sample one-step naive MAE (Hyndman and
  Koehler 2006), then averaged; below 1 beats a one-step naive forecast made with the actual last value.
- wQL: the weighted quantile loss 2 * sum(pinball_q) / sum(|y|), averaged over q = 0.1, 0.5, 0.9 (GluonTS's
  "mean_wQuantileLoss").
- Coverage: the share of actuals within [P10, P90]; 0.8 for a calibrated forecaster.
"""

from __future__ import annotations

import numpy as np

QUANTILE_LEVELS = (0.1, 0.5, 0.9)
NOMINAL_COVERAGE = 0.8


def naive_scale(history: np.ndarray) -> float:
    """Mean absolute one-step change over the observed pairs of the history (NaN when there is none)."""
    changes = np.abs(np.diff(history))
    changes = changes[np.isfinite(changes)]
    return float(changes.mean()) if len(changes) else float("nan")


def pinball(actual: np.ndarray, forecast: np.ndarray, level: float) -> np.ndarray:
    error = actual - forecast
    return np.maximum(level * error, (level - 1) * error)


def score(
    actual: np.ndarray, p10: np.ndarray, p50: np.ndarray, p90: np.ndarray, scale: np.ndarray
) -> dict[str, object]:
    """MAE, MASE, wQL, coverage and the MAE at each horizon, over the points with an actual value."""
    observed = np.isfinite(actual)
    if not observed.any():
        raise ValueError("no actual values to score")
    absolute = np.abs(actual - p50)
    per_horizon = [float(absolute[:, h][observed[:, h]].mean()) if observed[:, h].any() else None
                   for h in range(actual.shape[1])]  # fmt: skip
    scales = np.broadcast_to(scale[:, None], actual.shape)
    scaled = observed & np.isfinite(scales) & (scales > 0)
    denominator = float(np.abs(actual[observed]).sum())
    losses = [
        2 * float(pinball(actual[observed], forecast[observed], level).sum()) / denominator
        for level, forecast in zip(QUANTILE_LEVELS, (p10, p50, p90), strict=True)
    ]
    inside = (p10[observed] <= actual[observed]) & (actual[observed] <= p90[observed])
    return {
        "mae": float(absolute[observed].mean()),
        "mase": float((absolute[scaled] / scales[scaled]).mean()) if scaled.any() else None,
        "wql": float(np.mean(losses)),
        "coverage_p10_p90": float(inside.mean()),
        "mae_by_horizon": per_horizon,
        "points": int(observed.sum()),
    }
