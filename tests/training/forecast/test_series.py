"""Reading the training channel: the Spark job's Parquet partitions or a user's CSV, gaps as NaN."""

from __future__ import annotations

from pathlib import Path

import demo_data
import numpy as np
import pandas as pd
import pytest
import series
from series import InputError


def test_parquet_partitions_and_csv_files_are_read_from_a_folder_tree(tmp_path: Path) -> None:
    partition = tmp_path / "series" / "country=US"
    partition.mkdir(parents=True)
    pd.DataFrame({"item_id": ["a", "a"], "timestamp": pd.to_datetime(["2026-01-01", "2026-01-03"]),
                  "target": [1.0, None]}).to_parquet(partition / "part-00000.parquet")  # fmt: skip
    pd.DataFrame({"item_id": ["b"], "timestamp": ["2026-01-02"], "target": [5.0]}).to_csv(
        tmp_path / "series" / "more.csv", index=False
    )
    (tmp_path / "series" / "_SUCCESS").write_text("")
    rows = series.read_rows(tmp_path / "series")
    assert sorted(rows["item_id"]) == ["a", "a", "b"]
    result = series.to_series(rows, "D")
    assert [item.item_id for item in result] == ["a", "b"]
    assert np.array_equal(result[0].values, [1.0, np.nan, np.nan], equal_nan=True)  # a null and a missing day
    assert result[0].start == pd.Timestamp("2026-01-01")


def test_timestamps_fall_on_the_frequency_and_one_row_per_step_is_required() -> None:
    rows = pd.DataFrame({"item_id": ["a", "a"], "timestamp": ["2026-01-01 06:00", "2026-01-01T18:00Z"],
                         "target": [1.0, 2.0]})  # fmt: skip
    with pytest.raises(InputError, match=r"item_id 'a' has more than one row at 2026-01-01 00:00:00 \(freq D\)"):
        series.to_series(rows, "D")
    assert len(series.to_series(rows, "h")[0]) == 13


def test_max_items_keeps_the_first_items() -> None:
    rows = demo_data.demo_rows(items=5)
    assert [item.item_id for item in series.to_series(rows, "D", max_items=2)] == ["station-000", "station-001"]


def test_the_demo_series_have_unequal_lengths_gaps_and_a_yearly_cycle() -> None:
    result = series.to_series(demo_data.demo_rows(items=20), "D")
    lengths = {len(item) for item in result}
    assert len(lengths) == 20 and min(lengths) >= 2 * 365
    assert all(np.isnan(item.values).any() for item in result)
    for item in result:
        daily = pd.Series(item.values, index=item.timestamps("D"))
        by_month = daily.groupby(daily.index.month).mean()
        assert by_month.max() - by_month.min() > 8  # the yearly cycle dominates the noise


def test_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        series.read_rows(tmp_path / "nowhere")
