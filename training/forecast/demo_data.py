"""Generated daily series with known structure, for the demo and the tests (nothing downloads).

Each item looks like a weather station's daily high: its own level, a yearly cycle of its own amplitude and
phase, a small weekly cycle, and AR(1) weather noise (persistent for a few days, so the last value says less
about day 7 than about day 1). The series have unequal lengths (2 to 4 years, ending on different days),
scattered missing days and one longer gap each: the shapes the Spark job's output has.

    python training/forecast/demo_data.py --out /tmp/series --items 60
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

END = pd.Timestamp("2026-11-30")
NOISE_PERSISTENCE = 0.7
NOISE_SCALE = 2.0


def demo_rows(items: int = 60, seed: int = 0) -> pd.DataFrame:
    """Long-format rows `item_id, timestamp, target`, a null target for each missing day."""
    rng = np.random.default_rng(seed)
    frames = []
    for number in range(items):
        length = int(rng.integers(2 * 365, 4 * 365))
        end = END - pd.Timedelta(days=int(rng.integers(0, 30)))
        timestamps = pd.date_range(end=end, periods=length, freq="D")
        day_of_year = timestamps.dayofyear.to_numpy()
        level = rng.uniform(5, 25)
        amplitude = rng.uniform(6, 14)
        phase = rng.uniform(-0.3, 0.3)
        weekly = rng.uniform(0.5, 1.5) * np.sin(2 * np.pi * timestamps.dayofweek.to_numpy() / 7)
        shocks = rng.normal(0, NOISE_SCALE, length)
        noise = np.empty(length)
        noise[0] = shocks[0]
        for day in range(1, length):
            noise[day] = NOISE_PERSISTENCE * noise[day - 1] + shocks[day]
        target = level + amplitude * np.sin(2 * np.pi * (day_of_year / 365.25 - 0.3) + phase) + weekly + noise
        missing = rng.random(length) < 0.02
        gap = int(rng.integers(30, length - 30))
        missing[gap : gap + int(rng.integers(5, 15))] = True
        target = np.where(missing, np.nan, np.round(target, 1))
        frames.append(pd.DataFrame({"item_id": f"station-{number:03d}", "timestamp": timestamps, "target": target}))
    return pd.concat(frames, ignore_index=True)


def write_demo(folder: Path, items: int = 60, seed: int = 0) -> Path:
    """The rows as Parquet partitions like the Spark job's (`series/part-0000N.parquet`, a few items each)."""
    rows = demo_rows(items, seed)
    folder.mkdir(parents=True, exist_ok=True)
    item_ids = sorted(rows["item_id"].unique())
    for part, start in enumerate(range(0, len(item_ids), 10)):
        chunk = rows[rows["item_id"].isin(item_ids[start : start + 10])]
        chunk.to_parquet(folder / f"part-{part:05d}.parquet", index=False)
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write generated daily series as Parquet (item_id, timestamp, target)."
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(write_demo(args.out, args.items, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
