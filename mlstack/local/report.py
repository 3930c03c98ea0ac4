"""What `mlstack local` prints at the end, and what `--json` writes: stacks, checks, phase times, leftovers."""

from __future__ import annotations

from typing import Any

from mlstack.local.emulator_process import Emulator
from mlstack.local.round_trip import RoundTrip
from mlstack.ops import checks


def report(trip: RoundTrip, emulator: Emulator, error: str | None) -> None:
    print("\n=== mlstack local round trip")
    print(f"stacks deployed:   {', '.join(trip.stacks) or 'none'}")
    print(f"resources checked: {len(trip.checks)} ({checks.counts(trip.checks)})")
    for name, seconds in trip.timings:
        print(f"  {name:<26} {seconds:6.1f} s")
    print(f"  {'total':<26} {sum(s for _, s in trip.timings):6.1f} s")
    print(f"leftovers:         {len(trip.leftovers)}" + (f" ({', '.join(trip.leftovers)})" if trip.leftovers else ""))
    if trip.unlistable:
        print(f"not listable:      {', '.join(sorted(trip.unlistable))} (the endpoint has no list API)")
    if emulator.skipped_types:
        skipped = ", ".join(emulator.skipped_types)
        print(f"not emulated:      {skipped} (moto has no model; not created locally)")
    print(f"result:            {'FAILED: ' + error if error else 'passed'}")


def json_report(trip: RoundTrip, emulator: Emulator, error: str | None) -> dict[str, Any]:
    """What `--json` writes: phases with seconds, every check with its status, stacks and leftovers.

    `kept`: what a `--scenario retain` destroy kept (and the run deleted at the end).
    """
    return {
        "passed": error is None,
        "error": error,
        "stacks": trip.stacks,
        "phases": [{"name": name, "seconds": round(seconds, 3)} for name, seconds in trip.timings],
        "checks": [{"name": c.name, "status": c.status.value, "detail": c.detail} for c in trip.checks],
        "leftovers": trip.leftovers,
        "kept": sorted(trip.kept),
        "rolled_back": trip.rolled_back,
        "emulator": {"pid": emulator.pid, "endpoint": emulator.endpoint},
        "unlistable": sorted(trip.unlistable),
        "not_emulated": emulator.skipped_types,
    }
