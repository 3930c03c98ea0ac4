"""One `mlstack local` at a time per checkout: a lock held for the whole run."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from mlstack.ops import ui
from mlstack.paths import ROOT

# Held (flock) for the whole run: a second run in this checkout would share cdk.local.out and race it.
# Beside cdk.local.out, not in it: synth empties that folder. The kernel releases the lock when the holder dies.
LOCK_PATH = ROOT / "cdk.local.lock"


@contextlib.contextmanager
def run_lock(path: Path = LOCK_PATH) -> Iterator[None]:
    """Hold the lock of this checkout's `mlstack local` for the block; refuse (exit 1) if another run holds it."""
    with path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise ui.CommandError(
                f"another `mlstack local` is running in this checkout (pid {holder}, lock {path.name}); "
                "wait for it to finish or stop it",
                ui.EXIT_FAILED,
            ) from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        yield
