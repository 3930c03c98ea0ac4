"""A generated GHCN-D-shaped sample in the published layout, for the job's tests, `--demo` runs and the benchmark.

It mirrors the keys of the public bucket (s3://noaa-ghcn-pds/):

    <root>/parquet/by_year/YEAR=<yyyy>/ELEMENT=<code>/part-0.snappy.parquet
        ID (string, 11 characters), DATE (string yyyymmdd), DATA_VALUE (int64, the element's stored unit),
        M_FLAG, Q_FLAG, S_FLAG (string, null when blank), OBS_TIME (string hhmm or null)
    <root>/ghcnd-stations.txt   fixed width: ID 1-11, LATITUDE 13-20, LONGITUDE 22-30, ELEVATION 32-37,
                                STATE 39-40, NAME 42-71 (GHCN-D readme, section IV)

Two kinds, both vectorised (numpy and pyarrow, one table per year):

- the demo (`write_demo`): six stations over the year range, the chosen element beside PRCP (or TMAX) and the
  years just outside the range, with planted faults whose outcome the tests assert (see `DemoPlan`): short gaps
  to interpolate, a long gap and gaps at both ends to leave empty, a quality-flagged row, an empty Q_FLAG that
  is not a flag, the readme's missing value -9999, a station with low coverage, one whose every row is flagged,
  a Canadian station and a station missing from the station list;
- the bulk input (`write_bulk`): about `rows` rows of the element over the years for as many stations as that
  takes (one in ten Canadian, 2 % of days absent, 0.5 % flagged), for the benchmark.

    python spark/ghcn_sample.py --output /tmp/ghcn                 # the demo, TMAX 2019-2020
    python spark/ghcn_sample.py --output /tmp/ghcn-1m --rows 1000000

Values are seeded: the same arguments write the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KNOWN_ELEMENTS = ("TMAX", "TMIN", "TAVG", "PRCP", "SNOW", "SNWD")


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    latitude: float
    longitude: float
    elevation: float
    state: str = ""


# The demo's stations (real ids and places, generated values).
FULL = Station("USW00094728", "NEW YORK CNTRL PK TWR", 40.7789, -73.9692, 39.6, "NY")
SECOND = Station("USW00023174", "LOS ANGELES INTL AP", 33.9381, -118.3889, 29.6, "CA")
LOW_COVERAGE = Station("USC00045721", "MONTEREY", 36.5939, -121.8886, 116.1, "CA")
ALL_FLAGGED = Station("USC00040693", "BERKELEY", 37.8744, -122.2606, 94.5, "CA")
CANADIAN = Station("CA006158355", "TORONTO CITY", 43.6667, -79.4000, 113.0)
UNLISTED = Station("US1NYNY0074", "NEW YORK 0.7 W", 40.7, -74.0, -999.9, "NY")
DEMO_STATIONS = (FULL, SECOND, LOW_COVERAGE, ALL_FLAGGED, CANADIAN, UNLISTED)


@dataclass(frozen=True)
class DemoPlan:
    """What the demo plants in FULL's series (day indexes from the range's first day) and elsewhere."""

    start_gap: tuple[int, ...] = (0, 1)  # touches the start: stays empty
    short_gap: tuple[int, ...] = (100, 101)  # two days between valid values: interpolated
    long_gap: tuple[int, ...] = (200, 201, 202, 203, 204)  # five days: stays empty
    quality_flagged: int = 300  # Q_FLAG "I": dropped, then a one-day gap, interpolated
    empty_flag: int = 301  # Q_FLAG "": no flag, kept
    missing_value: int = 400  # DATA_VALUE -9999: dropped, then a one-day gap, interpolated
    end_gap_days: int = 1  # the range's last day absent: stays empty
    low_coverage: float = 0.6  # LOW_COVERAGE has a value on this share of days
    other_element: str = "PRCP"  # written beside the element (TMAX when the element is PRCP)


@dataclass(frozen=True)
class Sample:
    root: Path
    element: str
    start_year: int
    end_year: int
    rows: int  # rows of the element in the year range (what the job reads)
    stations: tuple[str, ...]
    plan: DemoPlan | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def input(self) -> Path:
        """The job's --input."""
        return self.root / "parquet" / "by_year"

    @property
    def station_list(self) -> Path:
        """The job's --stations."""
        return self.root / "ghcnd-stations.txt"

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 1, 1)

    def job_arguments(self) -> list[str]:
        return ["--input", str(self.input), "--element", self.element, "--start-year", str(self.start_year),
                "--end-year", str(self.end_year), "--stations", str(self.station_list)]  # fmt: skip


def station_line(station: Station) -> str:
    """One ghcnd-stations.txt line, the readme's columns (GSN, HCN/CRN and WMO ID blank)."""
    return (
        f"{station.id:<11} {station.latitude:8.4f} {station.longitude:9.4f} {station.elevation:6.1f} "
        f"{station.state:<2} {station.name:<30} {'':<3} {'':<3} {'':<5}"
    ).rstrip()


def stored_values(element: str, stations: int, days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Plausible stored integers (stations x days): tenths of a degree with a season, tenths of a mm of rain,
    whole mm of snow."""
    if element in ("TMAX", "TMIN", "TAVG"):
        base = {"TMAX": 180, "TMIN": 60, "TAVG": 120}[element]
        season = 120 * np.sin(2 * np.pi * (days - 105) / 365.25)
        offsets = rng.integers(-60, 60, size=(stations, 1))
        noise = rng.integers(-30, 31, size=(stations, days.size))
        return (base + season + offsets + noise).astype(np.int64)
    wet = rng.random((stations, days.size)) < 0.3
    amounts = rng.gamma(0.8, 60 if element == "PRCP" else 20, size=(stations, days.size))
    return np.where(wet, np.round(amounts), 0).astype(np.int64)


_FLAGS = pa.array([None, "I", "D", ""], pa.string())  # codes 0..3 of the Q_FLAG column: null, two flags, empty


def year_table(
    ids: Sequence[str], values: np.ndarray, present: np.ndarray, flags: np.ndarray, first_day: dt.date
) -> pa.Table:
    """The rows of one year in GHCN-D's columns: stations x days matrices, `present` where a row exists,
    `flags` the Q_FLAG codes (see _FLAGS)."""
    station_index, day_index = np.nonzero(present)
    dates = pa.array([first_day + dt.timedelta(days=int(d)) for d in range(values.shape[1])], pa.date32())
    date_text = pc.strftime(dates, format="%Y%m%d")
    count = station_index.size
    return pa.table(
        {
            "ID": pa.array(ids, pa.string()).take(pa.array(station_index)),
            "DATE": date_text.take(pa.array(day_index)),
            "DATA_VALUE": pa.array(values[station_index, day_index], pa.int64()),
            "M_FLAG": pa.nulls(count, pa.string()),
            "Q_FLAG": _FLAGS.take(pa.array(flags[station_index, day_index].astype(np.int8))),
            "S_FLAG": pa.array(["7"], pa.string()).take(pa.array(np.zeros(count, np.int8))),
            "OBS_TIME": pa.array([None, "0700"], pa.string()).take(pa.array((station_index % 2).astype(np.int8))),
        }
    )


def _write_year(root: Path, year: int, element: str, table: pa.Table) -> Path:
    folder = root / "parquet" / "by_year" / f"YEAR={year}" / f"ELEMENT={element}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "part-0.snappy.parquet"
    pq.write_table(table, path, compression="snappy")
    return path


def _year_days(year: int) -> np.ndarray:
    return np.arange((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)


def _check(element: str, start_year: int, end_year: int) -> None:
    if element not in KNOWN_ELEMENTS:
        raise ValueError(f"element={element!r}: allowed {', '.join(KNOWN_ELEMENTS)}")
    if not 1800 <= start_year <= end_year <= 2100:
        raise ValueError(f"years {start_year}-{end_year}: allowed 1800 <= start <= end <= 2100")


def write_demo(root: Path, element: str = "TMAX", start_year: int = 2019, end_year: int = 2020) -> Sample:
    """The demo sample with the faults DemoPlan lists; the element also in the year before and after the range."""
    _check(element, start_year, end_year)
    plan = DemoPlan(other_element="TMAX" if element == "PRCP" else "PRCP")
    rng = np.random.default_rng(2026)
    ids = [station.id for station in DEMO_STATIONS]
    files: list[Path] = []
    rows = 0
    range_start = dt.date(start_year, 1, 1)
    range_days = (dt.date(end_year, 12, 31) - range_start).days + 1
    for year in range(start_year - 1, end_year + 2):
        days = _year_days(year)
        first_day = dt.date(year, 1, 1)
        offset = (first_day - range_start).days  # index of this year's 1 January in the range
        for code in (element, plan.other_element):
            values = stored_values(code, len(ids), days, rng)
            present = np.ones(values.shape, bool)
            flags = np.zeros(values.shape, np.int8)
            if code == element and start_year <= year <= end_year:
                _plant(plan, ids, values=values, present=present, flags=flags, rng=rng, range_index=days + offset,
                       range_days=range_days)  # fmt: skip
                rows += int(present.sum())
            files.append(_write_year(root, year, code, year_table(ids, values, present, flags, first_day)))
    listed = [station for station in DEMO_STATIONS if station is not UNLISTED]
    (root / "ghcnd-stations.txt").write_text("".join(station_line(station) + "\n" for station in listed))
    return Sample(root, element, start_year, end_year, rows, tuple(ids), plan, files)


def _plant(
    plan: DemoPlan,
    ids: Sequence[str],
    *,
    values: np.ndarray,
    present: np.ndarray,
    flags: np.ndarray,
    rng: np.random.Generator,
    range_index: np.ndarray,
    range_days: int,
) -> None:
    """Apply the plan to one year's matrices; `range_index` is each column's day index in the range."""
    full = ids.index(FULL.id)
    absent = set(plan.start_gap) | set(plan.short_gap) | set(plan.long_gap)
    absent |= set(range(range_days - plan.end_gap_days, range_days))
    for column, day in enumerate(range_index):
        if day in absent:
            present[full, column] = False
        elif day == plan.quality_flagged:
            flags[full, column] = 1
        elif day == plan.empty_flag:
            flags[full, column] = 3
        elif day == plan.missing_value:
            values[full, column] = -9999
    low = ids.index(LOW_COVERAGE.id)
    present[low] = rng.random(values.shape[1]) < plan.low_coverage
    flags[ids.index(ALL_FLAGGED.id)] = 2


def write_bulk(
    root: Path, rows: int, element: str = "TMAX", start_year: int = 2011, end_year: int = 2020, *, seed: int = 7
) -> Sample:
    """About `rows` rows of the element over the years (stations = rows / days), one file per year."""
    _check(element, start_year, end_year)
    if rows < 1:
        raise ValueError(f"rows={rows}: allowed 1 or more")
    days_total = (dt.date(end_year, 12, 31) - dt.date(start_year, 1, 1)).days + 1
    stations = max(1, round(rows / (days_total * 0.98)))
    ids = [f"{'CA' if index % 10 == 9 else 'US'}C{index:08d}" for index in range(stations)]
    rng = np.random.default_rng(seed)
    files: list[Path] = []
    written = 0
    for year in range(start_year, end_year + 1):
        days = _year_days(year)
        values = stored_values(element, stations, days, rng)
        present = rng.random(values.shape) >= 0.02
        flags = np.where(rng.random(values.shape) < 0.005, 1, 0).astype(np.int8)
        table = year_table(ids, values, present, flags, dt.date(year, 1, 1))
        written += table.num_rows
        files.append(_write_year(root, year, element, table))
    lines = [
        station_line(Station(station, f"BULK STATION {index}", 30 + index % 40, -120 + index % 50, 100.0, "TX"))
        for index, station in enumerate(ids)
    ]
    (root / "ghcnd-stations.txt").write_text("\n".join(lines) + "\n")
    return Sample(root, element, start_year, end_year, written, tuple(ids), None, files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ghcn_sample.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", required=True, type=Path, help="the sample's root (parquet/by_year below it)")
    parser.add_argument("--element", default="TMAX", help=f"one of {', '.join(KNOWN_ELEMENTS)} (default TMAX)")
    parser.add_argument("--start-year", type=int, help="default 2019 for the demo, 2011 with --rows")
    parser.add_argument("--end-year", type=int, help="default 2020")
    parser.add_argument("--rows", type=int, help="write bulk input of about this many rows instead of the demo")
    args = parser.parse_args(argv)
    start_year = args.start_year or (2011 if args.rows else 2019)
    end_year = args.end_year or 2020
    try:
        if args.rows is None:
            sample = write_demo(args.output, args.element.upper(), start_year, end_year)
        else:
            sample = write_bulk(args.output, args.rows, args.element.upper(), start_year, end_year)
    except ValueError as error:
        print(f"ghcn_sample: {error}", file=sys.stderr)
        return 2
    print(f"ghcn_sample: {sample.rows:,} {sample.element} rows of {len(sample.stations)} stations in {sample.input}")
    print("job arguments: " + " ".join(sample.job_arguments()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
