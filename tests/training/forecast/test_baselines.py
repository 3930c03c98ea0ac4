"""The baselines and the scores, as pure functions on hand-made series (no model)."""

from __future__ import annotations

import baselines
import metrics
import numpy as np
import pandas as pd
import pytest

NAN = np.nan


def test_naive_repeats_the_last_observed_value() -> None:
    assert baselines.naive_point(np.array([1.0, 2.0, NAN]), 3).tolist() == [2.0, 2.0, 2.0]


def test_seasonal_naive_repeats_last_week_and_looks_further_back_through_a_gap() -> None:
    week = np.arange(7, dtype=float)
    history = np.concatenate([week, week + 10])
    history[-5] = NAN  # last week's Tuesday is missing: the week before gives it
    point = baselines.seasonal_naive_point(history, 9, season=7)
    assert point.tolist() == [10.0, 11.0, 2.0, 13.0, 14.0, 15.0, 16.0, 10.0, 11.0]


def test_climatology_is_the_mean_of_the_same_calendar_day_in_earlier_years() -> None:
    timestamps = pd.date_range("2023-01-01", "2024-12-31", freq="D")
    history = np.where(timestamps.year == 2023, 1.0, 3.0)
    future = pd.date_range("2025-01-01", periods=3, freq="D")
    keys = baselines.calendar_keys(timestamps, 1)
    point = baselines.climatology_point(history, keys, baselines.calendar_keys(future, 1))
    assert point.tolist() == [2.0, 2.0, 2.0]


def test_climatology_without_an_earlier_year_falls_back_to_the_history_mean() -> None:
    timestamps = pd.date_range("2024-01-01", periods=10, freq="D")
    future = pd.date_range("2024-01-11", periods=2, freq="D")
    history = np.arange(10, dtype=float)
    point = baselines.climatology_point(history, baselines.calendar_keys(timestamps, 1),
                                        baselines.calendar_keys(future, 1))  # fmt: skip
    assert point.tolist() == [4.5, 4.5]


def test_29_february_counts_as_the_28th() -> None:
    keys = baselines.calendar_keys(pd.DatetimeIndex(["2024-02-28", "2024-02-29", "2023-02-28"]), 1)
    assert keys.tolist() == [228, 228, 228]


def test_naive_in_sample_errors_at_each_horizon() -> None:
    history = np.array([1.0, 2.0, NAN, 4.0])
    errors = baselines.naive_errors(history, 2)
    # h=0: y[t] - y[t-1] (the gap: forward-filled base, missing target)
    assert np.array_equal(errors[0], np.array([1.0, NAN, 2.0]), equal_nan=True)
    assert np.array_equal(errors[1], np.array([NAN, 2.0]), equal_nan=True)


def test_climatology_in_sample_errors_use_earlier_years_only() -> None:
    timestamps = pd.date_range("2023-01-01", "2024-12-31", freq="D")
    history = np.where(timestamps.year == 2023, 1.0, 3.0)
    errors = baselines.climatology_errors(history, baselines.calendar_keys(timestamps, 1), 1)[0]
    first_year = timestamps.year == 2023
    assert np.isnan(errors[first_year]).all()
    # 29 February 2024 shares the 28th's key, whose 2024 value is then earlier: (1 + 3) / 2 before it
    assert np.nanmax(np.abs(errors[~first_year] - 2.0)) == 1.0


def test_quantile_offsets_come_from_the_error_distribution() -> None:
    errors = [np.arange(-50, 51, dtype=float), np.array([1.0, 2.0])]
    offsets = baselines.error_offsets(errors)
    assert offsets[:, 0].tolist() == [-40.0, 0.0, 40.0]
    assert offsets[:, 1].tolist() == [0.0, 0.0, 0.0]  # too few errors: no spread


def test_scores_by_hand() -> None:
    actual = np.array([[10.0, 12.0], [NAN, 8.0]])
    p50 = np.array([[11.0, 12.0], [5.0, 6.0]])
    p10, p90 = p50 - 1.5, p50 + 1.5
    scale = np.array([2.0, 1.0])
    result = metrics.score(actual, p10, p50, p90, scale)
    assert result["points"] == 3
    assert result["mae"] == pytest.approx(1.0)  # (1 + 0 + 2) / 3
    assert result["mae_by_horizon"] == [1.0, 1.0]
    assert result["mase"] == pytest.approx((0.5 + 0 + 2) / 3)
    assert result["coverage_p10_p90"] == pytest.approx(2 / 3)
    total = 30.0
    p10_loss = 0.1 * (10 - 9.5) + 0.1 * (12 - 10.5) + 0.1 * (8 - 4.5)  # every actual above its P10
    p50_loss = 0.5 * (1 + 0 + 2)
    p90_loss = 0.1 * (12.5 - 10) + 0.1 * (13.5 - 12) + 0.9 * (8 - 7.5)  # the last one above its P90
    assert result["wql"] == pytest.approx(np.mean([2 * p10_loss / total, 2 * p50_loss / total, 2 * p90_loss / total]))


def test_naive_scale_skips_gaps() -> None:
    assert metrics.naive_scale(np.array([1.0, 3.0, NAN, 10.0, 11.0])) == pytest.approx(1.5)
    assert np.isnan(metrics.naive_scale(np.array([1.0])))


def test_a_forecast_with_no_actual_value_cannot_be_scored() -> None:
    nothing = np.full((1, 2), NAN)
    with pytest.raises(ValueError, match="no actual values"):
        metrics.score(nothing, nothing, nothing, nothing, np.ones(1))
