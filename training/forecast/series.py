"""The training channel as series: long-format rows (`item_id, timestamp, target`) in, one array per item out.

Reads what the Spark job writes (Parquet partitions such as `series/country=US/part-*.parquet`) and any user's
CSV or Parquet files with the same three columns. Each item becomes a regular calendar from its first to its
last timestamp at `freq`, a missing row or a null target becoming NaN (a gap the model and the metrics skip).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ("item_id", "timestamp", "target")
SUFFIXES = (".csv", ".parquet")
# The frequencies the recipe knows end to end: the model's time features, the serving code's copy of them,
# and the calendar baselines (a week and a calendar day in steps).
STEPS_PER_DAY = {"D": 1, "h": 24}


class InputError(ValueError):
    """Data or settings the recipe cannot train on; the script prints it as one line and exits 2."""


@dataclass(frozen=True)
class Series:
    item_id: str
    start: pd.Timestamp
    values: np.ndarray  # float64, NaN where the target is missing

    def __len__(self) -> int:
        return len(self.values)

    def timestamps(self, freq: str) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=len(self.values), freq=freq)

    def head(self, length: int) -> Series:
        return Series(self.item_id, self.start, self.values[:length])


def data_files(channel: Path) -> list[Path]:
    """The CSV and Parquet files of a file or a folder (searched recursively, hidden and `_` files skipped)."""
    if channel.is_file():
        return [channel]
    if not channel.is_dir():
        raise InputError(f"--train {channel}: no such file or folder")
    return sorted(
        path
        for path in channel.rglob("*")
        if path.is_file() and path.suffix in SUFFIXES and not path.name.startswith((".", "_"))
    )


def read_rows(channel: Path) -> pd.DataFrame:
    """All rows of the channel's files, with the three columns only."""
    frames = []
    for path in data_files(channel):
        frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
        missing = [column for column in COLUMNS if column not in frame.columns]
        if missing:
            raise InputError(
                f"{path}: no column {', '.join(missing)} (has {', '.join(map(str, frame.columns))}); "
                f"expected {', '.join(COLUMNS)}"
            )
        frames.append(frame[list(COLUMNS)])
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))
    if rows.empty:
        raise InputError(f"--train {channel}: no rows; expected CSV or Parquet files with columns {', '.join(COLUMNS)}")
    return rows


def to_series(rows: pd.DataFrame, freq: str, max_items: int = 0) -> list[Series]:
    """One regular series per item (sorted by item_id; the first `max_items` when above 0)."""
    if freq not in STEPS_PER_DAY:
        raise InputError(f"--freq {freq!r}: not supported; use one of {', '.join(STEPS_PER_DAY)}")
    try:
        # Zone-less timestamps are taken as UTC; zoned ones are converted to it.
        timestamps = pd.to_datetime(rows["timestamp"], utc=True, format="ISO8601")
    except (ValueError, TypeError) as error:
        raise InputError(f"column timestamp: {str(error).splitlines()[0]}; expected ISO 8601 dates or times") from None
    rows = rows.assign(
        item_id=rows["item_id"].astype(str),
        timestamp=timestamps.dt.tz_localize(None).dt.floor(freq),
        target=pd.to_numeric(rows["target"], errors="coerce").astype("float64"),
    )
    duplicated = rows.duplicated(["item_id", "timestamp"])
    if duplicated.any():
        first = rows[duplicated].iloc[0]
        raise InputError(
            f"item_id {first['item_id']!r} has more than one row at {first['timestamp']} (freq {freq}); "
            "expected one row per item and time step"
        )
    items = sorted(rows["item_id"].unique())
    if max_items:
        items = items[:max_items]
        rows = rows[rows["item_id"].isin(items)]
    series = []
    for item_id, group in rows.groupby("item_id", sort=True):
        observed = group.set_index("timestamp")["target"].sort_index()
        calendar = pd.date_range(observed.index[0], observed.index[-1], freq=freq)
        series.append(Series(str(item_id), calendar[0], observed.reindex(calendar).to_numpy(dtype="float64")))
    return series


def check_lengths(series: list[Series], prediction_length: int, backtest_windows: int) -> None:
    """Every series needs `prediction_length` steps of history before its first backtest window."""
    needed = (backtest_windows + 1) * prediction_length
    short = [item for item in series if len(item) < needed]
    if short:
        first = short[0]
        raise InputError(
            f"series {first.item_id!r} has {len(first)} time steps ({len(short)} of {len(series)} series are"
            f" that short); each needs at least {needed}: prediction_length {prediction_length} of history plus"
            f" backtest_windows {backtest_windows} x prediction_length; drop them or lower backtest_windows"
        )
