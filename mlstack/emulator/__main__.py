"""`python -m mlstack.emulator [--port N] [--dlami-parameter NAME] [--fail-next-create TYPE]`: serve until stopped.

It answers only requests signed with the access key id in `MLSTACK_EMULATOR_ACCESS_KEY_ID` (how `mlstack
local` hands over the credentials it issued for its run: the environment, which other users cannot read,
unlike the command line). Without it, the emulator issues random credentials and prints them.

Prints `READY <endpoint>` once serving (what `mlstack local` waits for), then `CREDENTIALS AWS_ACCESS_KEY_ID=...
AWS_SECRET_ACCESS_KEY=...` when it issued them, and, on exit, `SKIPPED <json list>` of the resource types moto
skipped.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

# moto reads this once, when it is first imported (moto/settings.py), and any non-empty value turns off the
# CORS headers it would add to every answer: set before the emulator's modules below import moto.
os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

from mlstack.emulator import faults
from mlstack.emulator.front import handed_over
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
    given = handed_over(os.environ)
    emulator = Emulator(args.port, dlami_parameters=args.dlami_parameter, credentials=given).start()
    print(f"READY {emulator.endpoint}", flush=True)
    if given is None:
        assignments = " ".join(f"{name}={value}" for name, value in emulator.credentials.environment().items())
        print(f"CREDENTIALS {assignments}", flush=True)
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
