"""`mlstack bench --only spark` on a small size: the generator's bulk input, the job, and DuckDB on the same files
selecting and converting the same rows (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from mlstack.bench import spark as bench


def test_duckdb_selects_the_rows_the_job_keeps_and_the_figures_print(tmp_path: Path) -> None:
    rows = bench._generate(tmp_path, 20_000)
    assert abs(rows - 20_000) < 2_000  # whole stations of ten years, 2 % of days absent
    bench._duckdb(tmp_path)
    job_s, wall_s = bench._spark_job(tmp_path)
    summary = json.loads((tmp_path / "out-spark" / "summary.json").read_text())
    with duckdb.connect() as connection:
        query = f"SELECT count(*), min(value), max(value) FROM '{tmp_path / 'out-duckdb.parquet'}'"
        count, low, high = connection.execute(query).fetchone() or (0, 0, 0)
    assert count == summary["rows_valid"] > 0
    assert -30 < low < high < 50  # tenths converted to degrees C
    assert 0 < job_s < wall_s
    lines = bench.SparkFigures([bench.SizeFigures(rows, job_s, wall_s, 1.0)]).lines()
    assert lines[0].startswith("spark job, 0.0 M rows:") and "rows/s" in lines[0]
