"""One `mlstack local` run: under the lock and the signal handlers, start the emulator, run the scenario's
phases, stop the emulator whatever happened, print the report (and write the JSON one); the exit code."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from pathlib import Path

from mlstack.local import account
from mlstack.local.emulator_process import Emulator
from mlstack.local.failure import PhaseFailed
from mlstack.local.lock import run_lock
from mlstack.local.plan import phases
from mlstack.local.processes import Interrupted, interruptible
from mlstack.local.report import json_report, report
from mlstack.local.round_trip import FAULT_RESOURCE_TYPE, RoundTrip
from mlstack.ops import ui


def run(
    scenario: str, cdk_args: list[str], *, verbose: bool, app: str | None, keep: bool, json_path: Path | None
) -> int:
    """The round trip of `scenario`: 0 when every phase passed, 1 when one failed, 128 + the signal's number
    when interrupted (130 SIGINT, 143 SIGTERM, as shells report it)."""
    faults = (FAULT_RESOURCE_TYPE,) if scenario == "failed-deploy" else ()
    emulator = Emulator(Path(tempfile.gettempdir()) / f"mlstack-emulator-{os.getpid()}.log", faults)
    trip = RoundTrip("", cdk_args, verbose, app)
    error: str | None = None
    code = ui.EXIT_OK
    with run_lock(), interruptible():
        try:
            trip.phase("start emulator", emulator.start)
            trip.endpoint = emulator.endpoint
            trip.env = account.cli_environment(emulator.endpoint)
            planned = phases(scenario, trip, emulator, keep)
            trip.planned = ["start emulator", *(name for name, _ in planned)]
            for name, step in planned:
                trip.phase(name, step)
        except PhaseFailed as failure:
            error, code = str(failure), ui.EXIT_FAILED
        except (KeyboardInterrupt, Interrupted) as interrupt:
            signum = interrupt.signum if isinstance(interrupt, Interrupted) else signal.SIGINT
            # As shells report a process ended by a signal: 130 for SIGINT, 143 for SIGTERM.
            error, code = f"interrupted by {signal.Signals(signum).name}", 128 + signum
        except Exception as unexpected:
            error, code = f"{type(unexpected).__name__}: {unexpected}", ui.EXIT_FAILED
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut the emulator's stop short
                signal.signal(sig, signal.SIG_IGN)
            emulator.stop()
        report(trip, emulator, error.splitlines()[0] if error else None)
        if json_path is not None:
            json_path.write_text(json.dumps(json_report(trip, emulator, error), indent=2) + "\n")
    if error and "\n" in error:
        print(error.split("\n", 1)[1], file=sys.stderr)  # its first line is the report's result line
    return code
