#!/usr/bin/env python3
"""`mlstack local`: deploy, check, redeploy, destroy the whole app with the real CDK CLI against the local emulator.

Starts the emulator (moto server plus mlstack.emulator's extensions) on a free port of localhost in a
process of its own, stopped on exit whatever fails. Exit code 0 only when every phase passed, every check
passed (or cannot be answered by an emulator), the redeploy changed nothing and no resource is left.
Extra CDK flags: `mlstack local -c layers=data,platform` (or `make local ARGS="..."`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import click
from pydantic import ValidationError

from mlstack.commands import local_scenarios, smoke
from mlstack.commands.cdk import adoption_flags
from mlstack.ops import cdk_cli, checks, inventory, ui
from mlstack.ops import settings as ops_settings
from mlstack.paths import ROOT, VENV_BIN
from stacks import outputs
from stacks.config import FrameworksSettings

ACCOUNT = "123456789012"
REGION = "us-east-1"
OUTDIR = ROOT / "cdk.local.out"
BOOTSTRAP_STACK = "CDKToolkit"
# A stack in one of these states blocks `cdk deploy` (REVIEW_IN_PROGRESS waits forever): delete it first.
STUCK_STATES = {"REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "CREATE_FAILED"}
CDK_QUIET = ["--no-notices", "--no-version-reporting", "--ci"]
# One CLI command against the emulator takes seconds; a hang (a stack waiting on a state moto never
# reaches) must fail the round trip rather than block CI.
CDK_TIMEOUT_SECONDS = int(os.environ.get("MLSTACK_LOCAL_CDK_TIMEOUT", "600"))
# `--scenario retain` keeps data across a destroy: the layers whose data retain_data keeps.
RETAIN_LAYERS = "data,api_services"
# `--scenario failed-deploy` fails the Data stack in its middle: its Glue tables come after its buckets and database.
FAULT_RESOURCE_TYPE = "AWS::Glue::Table"
# Held (flock) for the whole run: a second run in this checkout would share cdk.local.out and race it.
# Beside cdk.local.out, not in it: synth empties that folder. The kernel releases the lock when the holder dies.
LOCK_PATH = ROOT / "cdk.local.lock"


def dlami_parameter_names() -> list[str]:
    """Every DLAMI parameter the Frameworks layer can resolve, asked of its own settings model.

    Each valid framework/OS combination names its parameter (FrameworksSettings.ami_parameter), so a new
    DLAMI version in the app needs no change here. The emulator serves exactly these (it knows no settings).
    """
    names = set()
    for framework in FrameworksSettings.FRAMEWORKS:
        for os_name in get_args(FrameworksSettings.model_fields["os"].annotation):
            try:
                names.add(FrameworksSettings(framework=framework, os=os_name).ami_parameter)
            except ValidationError:  # no DLAMI for that combination: the app refuses it too
                continue
    return sorted(names)


def emulator_command(port: int = 0, fail_next_create: tuple[str, ...] = ()) -> list[str]:
    """The emulator's process: `python -m mlstack.emulator`, told which public parameters to seed (and which
    resource types' next create to fail, for `--scenario failed-deploy`)."""
    seeds = [arg for name in dlami_parameter_names() for arg in ("--dlami-parameter", name)]
    faults = [arg for resource_type in fail_next_create for arg in ("--fail-next-create", resource_type)]
    return [sys.executable, "-m", "mlstack.emulator", "--port", str(port), *seeds, *faults]


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: the run stops, its children are stopped, the report says which signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise Interrupted, so the run's `finally` stops the emulator and the CDK CLI.

    (Python's default for SIGTERM ends the process at once: the emulator would outlive it, holding its port.)
    """

    def handler(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


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


def stop_process_group(process: subprocess.Popen[str], grace: float = 10) -> None:
    """SIGTERM the process group `process` leads, then SIGKILL what is left after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # grandchildren that outlived the leader


class PhaseFailed(Exception):
    """A phase of the round trip failed; the message says which and why."""


def cli_environment(endpoint: str) -> dict[str, str]:
    """The CLI's environment: dummy credentials and every AWS call sent to the emulator."""
    env = cdk_cli.environment({k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))})
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DEFAULT_ACCOUNT=ACCOUNT,
        CDK_DEFAULT_REGION=REGION,
        CDK_DISABLE_CLI_TELEMETRY="true",
    )
    return env


class Emulator:
    """The emulator in a child process; `endpoint` once started. Always stopped by `stop()`."""

    def __init__(self, log_path: Path, fail_next_create: tuple[str, ...] = ()):
        self.log_path = log_path
        self.fail_next_create = fail_next_create
        self.process: subprocess.Popen[str] | None = None
        self.endpoint = ""
        self.pid: int | None = None
        self.skipped_types: list[str] = []

    def start(self, timeout: float = 60) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        # A process group of its own: a Ctrl-C in the terminal reaches only this command, which stops it.
        self.process = subprocess.Popen(
            emulator_command(fail_next_create=self.fail_next_create),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            process_group=0,
        )
        self.pid = self.process.pid
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY ") or time.monotonic() > deadline:
            self.stop()
            raise PhaseFailed(f"emulator did not start (log: {self.log_path})")
        self.endpoint = line.split()[1]

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                out, _ = self.process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                stop_process_group(self.process, grace=5)
                out, _ = self.process.communicate()
            for line in (out or "").splitlines():
                if line.startswith("SKIPPED "):
                    self.skipped_types = json.loads(line.removeprefix("SKIPPED "))
        self.process = None
        self._log.close()


class RoundTrip:
    """Runs the phases in order, timing each, and collects what the report prints."""

    def __init__(self, endpoint: str, cdk_args: list[str], verbose: bool, app: str | None = None):
        self.endpoint = endpoint
        self.env = cli_environment(endpoint)
        self.cdk_args = cdk_args
        self.app = app
        self.verbose = verbose
        self.timings: list[tuple[str, float]] = []
        self.stacks: list[str] = []
        self.checks: list[checks.CheckResult] = []
        self.leftovers: list[str] = []
        self.baseline: set[str] = set()
        self.unlistable: set[str] = set()
        self.synth_args: list[str] = []
        # --scenario retain: what was written before the destroy, what the destroy kept, the flags to adopt it.
        self.kept_data: local_scenarios.KeptData | None = None
        self.kept: set[str] = set()
        self.adoption_args: list[str] = []
        # --scenario failed-deploy: the stacks the failed deploy rolled back.
        self.rolled_back: list[str] = []

    def phase(self, name: str, step: Callable[[], None]) -> None:
        print(f"--- {name}", flush=True)
        start = time.perf_counter()
        try:
            step()
        finally:
            self.timings.append((name, time.perf_counter() - start))

    def cdk(self, *args: str) -> str:
        """Run `cdk ARGS`; its output, or PhaseFailed when it exits non-zero."""
        code, output = self.cdk_exit(*args)
        if code != 0:
            raise PhaseFailed(f"`cdk {' '.join(args)}` exited {code}:\n{_tail(output)}")
        return output

    def cdk_exit(self, *args: str) -> tuple[int, str]:
        """Run `cdk ARGS` in a process group of its own, stopped whole on a timeout or an interrupt."""
        process = subprocess.Popen(
            cdk_cli.command(*args, *CDK_QUIET),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
        )
        try:
            output, _ = process.communicate(timeout=CDK_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            stop_process_group(process)
            output, _ = process.communicate()
            raise PhaseFailed(
                f"`cdk {' '.join(args)}` timed out after {CDK_TIMEOUT_SECONDS} s:\n{_tail(output or '')}"
            ) from None
        except BaseException:  # Interrupted, or anything else: the CLI must not outlive this run
            stop_process_group(process)
            raise
        if self.verbose:
            print(output)
        return process.returncode, output

    def session(self) -> Any:
        import boto3

        return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.endpoint)

    # ---- phases
    def synth(self, *scenario_args: str) -> None:
        """`cdk synth` with the scenario's `-c` flags first, so the user's own flags (later) win."""
        shutil.rmtree(OUTDIR, ignore_errors=True)
        app = ["--app", self.app] if self.app else []
        context_file = ROOT / "cdk.context.json"
        existed = context_file.exists()
        self.synth_args = [*scenario_args, *self.cdk_args]
        self.cdk("synth", "--quiet", "--output", str(OUTDIR), *app, *self.synth_args)
        if context_file.exists() and not existed:
            # With the emulator's account in the environment a look-up succeeds here but needs AWS elsewhere.
            looked_up = ", ".join(json.loads(context_file.read_text()))
            context_file.unlink()
            raise PhaseFailed(f"synth looked up context ({looked_up}); stacks must synthesize without look-ups")
        manifest = json.loads((OUTDIR / "manifest.json").read_text())
        self.stacks = sorted(
            name for name, artifact in manifest["artifacts"].items() if artifact["type"] == "aws:cloudformation:stack"
        )

    def bootstrap(self) -> None:
        self.cdk("bootstrap", f"aws://{ACCOUNT}/{REGION}", "--app", str(OUTDIR))
        self.baseline = inventory.snapshot(self.client, unlistable=self.unlistable)

    def clear_stuck_stacks(self) -> None:
        cloudformation = self.client("cloudformation")
        for stack in cloudformation.describe_stacks()["Stacks"]:
            if stack["StackName"] in self.stacks and stack["StackStatus"] in STUCK_STATES:
                print(f"    deleting {stack['StackName']} left in {stack['StackStatus']}")
                cloudformation.delete_stack(StackName=stack["StackId"])

    def deploy(self) -> None:
        self.cdk("deploy", "--all", "--require-approval", "never", "--method=change-set", "--app", str(OUTDIR))
        cloudformation = self.client("cloudformation")
        statuses = {s["StackName"]: s["StackStatus"] for s in cloudformation.describe_stacks()["Stacks"]}
        bad = {name: statuses.get(name, "missing") for name in self.stacks if statuses.get(name) != "CREATE_COMPLETE"}
        if bad:
            raise PhaseFailed(f"stacks not created: {bad}")

    def seed_data(self) -> None:
        """Write objects (two versions of one) into every bucket the app made, as a user would.

        Destroy must then empty them (autoDeleteObjects), versions included, or the leftovers check fails.
        """
        s3 = self.client("s3")
        cloudformation = self.client("cloudformation")
        for name in self.stacks:
            for resource in cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]:
                if resource["ResourceType"] == "AWS::S3::Bucket":
                    for body in (b"first", b"second"):
                        s3.put_object(
                            Bucket=resource["PhysicalResourceId"], Key="local-round-trip/sample.txt", Body=body
                        )

    def check(self) -> None:
        self.checks = smoke.run_checks(self.session(), endpoint_url=self.endpoint, emulator=True, stacks=self.stacks)
        failed = checks.failed(self.checks)
        for result in self.checks:
            print(f"    {result.line()}")
        if failed:
            raise PhaseFailed(f"{len(failed)} check(s) failed: {', '.join(c.name for c in failed)}")

    def redeploy(self) -> None:
        output = self.cdk("deploy", "--all", "--require-approval", "never", "--method=change-set", "--app", str(OUTDIR))
        changed = [name for name in self.stacks if not re.search(rf"{re.escape(name)}.*\(no changes\)", output)]
        if changed:
            raise PhaseFailed(f"a second deploy without changes changed {changed}:\n{_tail(output)}")

    def destroy(self) -> None:
        self.cdk("destroy", "--all", "--force", "--app", str(OUTDIR))

    # ---- phases of --scenario failed-deploy
    def deploy_rolled_back(self) -> None:
        """The deploy with the injected failure must fail, naming it, and leave only rolled-back stacks behind."""
        code, output = self.cdk_exit(
            "deploy", "--all", "--require-approval", "never", "--method=change-set", "--app", str(OUTDIR)
        )
        if code == 0 or "injected failure" not in output:
            raise PhaseFailed(
                f"the deploy with an injected {FAULT_RESOURCE_TYPE} failure did not fail by it:\n{_tail(output)}"
            )
        statuses = {s["StackName"]: s["StackStatus"] for s in self.client("cloudformation").describe_stacks()["Stacks"]}
        self.rolled_back = sorted(name for name in self.stacks if statuses.get(name) == "ROLLBACK_COMPLETE")
        if not self.rolled_back:
            raise PhaseFailed(f"no stack rolled back after the injected failure: {statuses}")
        left = (
            inventory.snapshot(self.client, unlistable=self.unlistable)
            - self.baseline
            - {f"stack:{name}" for name in self.rolled_back}
        )
        if left:
            raise PhaseFailed(f"the rollback left {', '.join(sorted(left))}")
        print(f"    rolled back: {', '.join(self.rolled_back)}")

    # ---- phases of --scenario retain
    def stack_outputs(self, layer: str) -> dict[str, str]:
        """The outputs of this layer's deployed stack (`<prefix>-<layer>`); {} when the layer is not deployed."""
        name = next((stack for stack in self.stacks if stack.endswith(f"-{layer}")), None)
        return local_scenarios.stack_outputs(self.client("cloudformation"), name) if name else {}

    def write_kept_data(self) -> None:
        """Write the samples into the data bucket and results table, and read the flags that adopt them,
        as `mlstack cdk destroy` does (from the stacks' outputs, before they are gone)."""
        bucket = self.stack_outputs("Data")[outputs.DATA_BUCKET]
        table = self.stack_outputs("ApiServices").get(outputs.RESULTS_TABLE)
        self.kept_data = local_scenarios.write_samples(self.client("s3"), self.client("dynamodb"), bucket, table)
        settings = ops_settings.load(ops_settings.parse_overrides(ops_settings.context_pairs(self.synth_args)))
        flags = adoption_flags(settings, cloudformation=self.client("cloudformation"))
        self.adoption_args = [part for flag in flags for part in flag.split(" ", 1)]
        print(
            f"    wrote {len(self.kept_data.objects)} object(s) to {bucket}"
            + (f" and an item to {table}" if table else "")
        )
        print(f"    adopt with: {' '.join(flags)}")

    def check_kept(self) -> None:
        """After the retain_data destroy: the bucket and table are still there, and nothing else is."""
        assert self.kept_data is not None
        self.kept = inventory.snapshot(self.client, unlistable=self.unlistable) - self.baseline
        expected = {f"bucket:{self.kept_data.bucket}"} | (
            {f"table:{self.kept_data.table}"} if self.kept_data.table else set()
        )
        if expected - self.kept:
            raise PhaseFailed(f"the retain_data destroy deleted {', '.join(sorted(expected - self.kept))}")
        leaked = local_scenarios.unexpectedly_kept(self.kept)
        if leaked:
            raise PhaseFailed(f"the retain_data destroy left more than data: {', '.join(leaked)}")
        print(f"    kept: {', '.join(sorted(self.kept))}")

    def synth_adopting(self) -> None:
        """Synth again, adopting the kept bucket and table, and with retain_data off (the app's default)."""
        self.synth("-c", f"layers={RETAIN_LAYERS}", *self.adoption_args)

    def read_kept_data(self) -> None:
        """Read the samples back through the adopting stacks' outputs: the same bucket, objects and item."""
        assert self.kept_data is not None
        bucket = self.stack_outputs("Data").get(outputs.DATA_BUCKET, "")
        table = self.stack_outputs("ApiServices").get(outputs.RESULTS_TABLE)
        problems = local_scenarios.read_back(self.client("s3"), self.client("dynamodb"), self.kept_data, bucket, table)
        if problems:
            raise PhaseFailed("the kept data did not come back: " + "; ".join(problems))

    def delete_kept_data(self) -> None:
        """Destroying the adopting stacks leaves exactly what was adopted (imported resources are never the
        stack's to delete); then it is deleted here, as its owner would, so the leftovers check sees zero."""
        after = inventory.snapshot(self.client, unlistable=self.unlistable) - self.baseline
        if after - self.kept:
            raise PhaseFailed(f"the adopting stacks left {', '.join(sorted(after - self.kept))}")
        if self.kept - after:
            raise PhaseFailed(f"destroying the adopting stacks deleted adopted {', '.join(sorted(self.kept - after))}")
        local_scenarios.delete_kept(self.client("s3"), self.client("dynamodb"), self.kept)

    def leftovers_check(self) -> None:
        self.leftovers = sorted(inventory.snapshot(self.client, unlistable=self.unlistable) - self.baseline)
        if self.leftovers:
            raise PhaseFailed(f"{len(self.leftovers)} resource(s) left after destroy: {', '.join(self.leftovers)}")


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


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


def keep_running(endpoint: str) -> None:
    """`--keep`: print how to reach the emulated app, then wait for Enter (or the end of stdin)."""
    print(
        "\nThe emulated app is running. In a second terminal, open the chat page with:\n"
        f"  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION={REGION} "
        f"{VENV_BIN / 'mlstack'} chat --web --endpoint-url {endpoint}\n"
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


@click.command(
    "local",
    context_settings={"ignore_unknown_options": True},
    epilog="Examples: mlstack local    mlstack local -c layers=data,platform    mlstack local --json report.json    "
    "mlstack local --keep    mlstack local --scenario retain",
)
@click.option("-v", "--verbose", is_flag=True, help="Print the CDK CLI's output.")
@click.option("--app", help="Another CDK app command than cdk.json's.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Also write the report as JSON here.")
@click.option(
    "--keep",
    is_flag=True,
    help="After the checks, keep the emulated app running (to chat with it) until Enter; then finish the run.",
)
@click.option(
    "--scenario",
    type=click.Choice(SCENARIOS),
    default="app",
    show_default=True,
    help="app: deploy, check, redeploy, destroy. retain: deploy the data and api_services layers with "
    "retain_data, write data, destroy, deploy adopting the kept bucket and table, read the data back, destroy. "
    f"failed-deploy: the emulator fails the first {FAULT_RESOURCE_TYPE}; that deploy must roll back, then as app.",
)
@click.argument("cdk_args", nargs=-1, type=click.UNPROCESSED)
def command(
    *, verbose: bool, app: str | None, json_path: Path | None, keep: bool, scenario: str, cdk_args: tuple[str, ...]
) -> int:
    """No AWS account needed: deploy, check, redeploy and destroy the app against a local emulator.

    Starts the emulator (moto plus mlstack.emulator's extensions) on a free localhost port, runs the real
    pinned CDK CLI against it, and stops it whatever fails. Exit 0 only when every phase and check passed,
    the redeploy changed nothing and no resource is left. Extra arguments (`-c key=value`) go to the CDK CLI.
    """
    if not cdk_cli.installed():
        raise ui.CommandError(cdk_cli.INSTALL_HINT, ui.EXIT_USAGE)
    ops_settings.load(ops_settings.parse_overrides(ops_settings.context_pairs(cdk_args)))  # bad settings: exit 2 first
    faults = (FAULT_RESOURCE_TYPE,) if scenario == "failed-deploy" else ()
    emulator = Emulator(Path(tempfile.gettempdir()) / f"mlstack-emulator-{os.getpid()}.log", faults)
    trip = RoundTrip("", list(cdk_args), verbose, app)
    error: str | None = None
    code = ui.EXIT_OK
    with run_lock(), interruptible():
        try:
            trip.phase("start emulator", emulator.start)
            trip.endpoint = emulator.endpoint
            trip.env = cli_environment(emulator.endpoint)
            for name, step in phases(scenario, trip, emulator, keep):
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
        print(error, file=sys.stderr)
    return code
