"""`python -m mlstack.emulator [--port N] [--dlami-parameter NAME ...]`: serve until SIGTERM or SIGINT.

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
    args = parser.parse_args(argv)
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
