"""`python -m mlstack.emulator [--port N] [--dlami-parameter NAME] [--fail-next-create TYPE]`: serve until stopped.

Prints `READY <endpoint>` once serving (what `mlstack local` waits for) and, on exit, `SKIPPED <json list>`
of the resource types moto skipped.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from mlstack.emulator import faults
from mlstack.emulator.resources import SKIPPED_TYPES
from mlstack.emulator.server import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlstack.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on localhost (default: a free one)")
    parser.add_argument(
        "--dlami-parameter",
        action="append",
        default=[],
        metavar="NAME",
        help="a public DLAMI SSM parameter path to serve (repeatable)",
    )
    parser.add_argument(
        "--fail-next-create",
        action="append",
        default=[],
        metavar="TYPE",
        help="make the next CloudFormation create of this resource type fail, to test rollback (repeatable)",
    )
    args = parser.parse_args(argv)
    faults.arm(args.fail_next_create)
    logging.basicConfig(level=logging.WARNING, format="emulator: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    emulator = Emulator(args.port, dlami_parameters=args.dlami_parameter).start()
    print(f"READY {emulator.endpoint}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    if SKIPPED_TYPES:
        print(f"SKIPPED {json.dumps(sorted(SKIPPED_TYPES))}", flush=True)
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
