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
        print(f"  {name:<26} {seconds:6.1f} s" + ("  failed" if name == trip.failed_phase else ""))
    for name in trip.not_run():
        print(f"  {name:<26} not run")
    print(f"  {'total':<26} {sum(s for _, s in trip.timings):6.1f} s")
    if trip.leftovers_checked:
        print(
            f"leftovers:         {len(trip.leftovers)}" + (f" ({', '.join(trip.leftovers)})" if trip.leftovers else "")
        )
    else:
        print("leftovers:         not run (the run stopped before its leftovers check)")
    if trip.unlistable:
        print(f"not listable:      {', '.join(sorted(trip.unlistable))} (the endpoint has no list API)")
    if emulator.skipped_types:
        skipped = ", ".join(emulator.skipped_types)
        print(f"not emulated:      {skipped} (moto has no model; not created locally)")
    print(f"result:            {'FAILED: ' + error if error else 'passed'}")


def json_report(trip: RoundTrip, emulator: Emulator, error: str | None) -> dict[str, Any]:
    """What `--json` writes: phases with seconds, every check with its status, stacks and leftovers.

    `kept`: what a `--scenario retain` destroy kept (and the run deleted at the end). `leftovers` is null when
    the leftovers check did not run; `not_run` names the planned phases that never started.
    """
    return {
        "passed": error is None,
        "error": error,
        "stacks": trip.stacks,
        "phases": [{"name": name, "seconds": round(seconds, 3)} for name, seconds in trip.timings],
        "checks": [{"name": c.name, "status": c.status.value, "detail": c.detail} for c in trip.checks],
        "not_run": trip.not_run(),
        "leftovers": trip.leftovers if trip.leftovers_checked else None,
        "kept": sorted(trip.kept),
        "rolled_back": trip.rolled_back,
        "emulator": {"pid": emulator.pid, "endpoint": emulator.endpoint},
        "unlistable": sorted(trip.unlistable),
        "not_emulated": emulator.skipped_types,
    }
