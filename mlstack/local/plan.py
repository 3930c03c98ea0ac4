"""Each scenario's phases in order: `app` (deploy, check, redeploy, destroy), `retain`, `failed-deploy`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from mlstack.local import account
from mlstack.local.emulator_process import Emulator
from mlstack.local.round_trip import RETAIN_LAYERS, RoundTrip
from mlstack.paths import VENV_BIN


def keep_running(endpoint: str) -> None:
    """`--keep`: print how to reach the emulated app, then wait for Enter (or the end of stdin)."""
    print(
        "\nThe emulated app is running. In a second terminal, open the chat page with:\n"
        f"  {account.shell_assignments()} {VENV_BIN / 'mlstack'} chat --web --endpoint-url {endpoint}\n"
        "Press Enter here to destroy it and finish the round trip.",
        flush=True,
    )
    with contextlib.suppress(EOFError):  # stdin closed (e.g. run from a script): finish at once
        input()


Phase = tuple[str, Callable[[], None]]
SCENARIOS = ("app", "retain", "failed-deploy")


def phases(scenario: str, trip: RoundTrip, emulator: Emulator, keep: bool) -> list[Phase]:
    """The phases of a scenario, after the emulator has started, in order."""
    prepare = [("bootstrap", trip.bootstrap), ("clear stuck stacks", trip.clear_stuck_stacks)]
    finish = [("destroy", trip.destroy), ("leftovers", trip.leftovers_check)]
    kept_running = [("kept running", lambda: keep_running(emulator.endpoint))] if keep else []
    if scenario == "retain":
        # Deploy with retain_data, write, destroy (data kept), deploy adopting it, read it back, destroy with
        # retain_data off; what was adopted survives that destroy too and is deleted last, by its owner.
        return [
            ("synth (retain_data)", lambda: trip.synth("-c", "retain_data=true", "-c", f"layers={RETAIN_LAYERS}")),
            *prepare,
            ("deploy", trip.deploy),
            ("write data", trip.write_kept_data),
            ("destroy (retain_data)", trip.destroy),
            ("data kept", trip.check_kept),
            ("synth (adopting)", trip.synth_adopting),
            ("deploy (adopting)", trip.deploy),
            ("read data back", trip.read_kept_data),
            ("checks", trip.check),
            *kept_running,
            ("destroy", trip.destroy),
            ("delete kept data", trip.delete_kept_data),
            ("leftovers", trip.leftovers_check),
        ]
    # failed-deploy: the emulator fails the first Glue table's create; that deploy must roll back cleanly, and
    # the next deploy into the same emulator (after the rolled-back stack is deleted) passes as `app` does.
    retry = (
        [("deploy (fails, rolls back)", trip.deploy_rolled_back), ("clear rolled-back stacks", trip.clear_stuck_stacks)]
        if scenario == "failed-deploy"
        else []
    )
    return [
        ("synth", trip.synth),
        *prepare,
        *retry,
        ("deploy", trip.deploy),
        ("seed data", trip.seed_data),
        ("checks", trip.check),
        *kept_running,
        ("redeploy (no changes)", trip.redeploy),
        *finish,
    ]
