"""The phases of the round trip, each a method of RoundTrip: synth, bootstrap, deploy, checks, redeploy,
destroy and the leftovers check, and those of `--scenario retain` and `--scenario failed-deploy`."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from typing import Any

from mlstack.local import account, cdk, kept_data, spark_check, training_check
from mlstack.local.failure import PhaseFailed, tail
from mlstack.ops import aws, checks, inventory, smoke
from mlstack.ops import settings as ops_settings
from mlstack.ops.cdk_cli import adoption_flags
from mlstack.ops.checks import CheckResult
from mlstack.ops.deployment import Deployment
from mlstack.paths import ROOT
from stacks import outputs
from stacks.config import Settings
from stacks.naming import Layer

OUTDIR = ROOT / "cdk.local.out"
# A stack in one of these states blocks `cdk deploy` (REVIEW_IN_PROGRESS waits forever): delete it first.
STUCK_STATES = {"REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "CREATE_FAILED"}
# `--scenario retain` keeps data across a destroy: the layers whose data retain_data keeps.
RETAIN_LAYERS = "data,api_services"
# `--scenario failed-deploy` fails the Data stack in its middle: its Glue tables come after its buckets and database.
FAULT_RESOURCE_TYPE = "AWS::Glue::Table"


class RoundTrip:
    """Runs the phases in order, timing each, and collects what the report prints."""

    def __init__(self, endpoint: str, cdk_args: list[str], verbose: bool, app: str | None = None):
        self.endpoint = endpoint
        self.env = account.cli_environment(endpoint)
        self.cdk_args = cdk_args
        self.app = app
        self.verbose = verbose
        self.timings: list[tuple[str, float]] = []
        self.stacks: list[str] = []
        self.checks: list[CheckResult] = []
        self.leftovers: list[str] = []
        self.leftovers_checked = False  # the leftovers phase ran to its verdict: `leftovers` means something
        self.planned: list[str] = []  # every phase of the scenario, in order: the report names those not run
        self.failed_phase: str | None = None
        self.baseline: set[str] = set()
        self.unlistable: set[str] = set()
        self.synth_args: list[str] = []
        # --scenario retain: what was written before the destroy, what the destroy kept, the flags to adopt it.
        self.kept_data: kept_data.KeptData | None = None
        self.kept: set[str] = set()
        self.adoption_args: list[str] = []
        # --scenario failed-deploy: the stacks the failed deploy rolled back.
        self.rolled_back: list[str] = []
        self._session: Any = None
        self._clients: aws.ClientFactory | None = None

    def phase(self, name: str, step: Callable[[], None]) -> None:
        print(f"--- {name}", flush=True)
        start = time.perf_counter()
        try:
            step()
        except BaseException:
            self.failed_phase = name
            raise
        finally:
            self.timings.append((name, time.perf_counter() - start))

    def not_run(self) -> list[str]:
        """The planned phases that never started (the run stopped at a failure or an interrupt)."""
        started = {name for name, _ in self.timings}
        return [name for name in self.planned if name not in started]

    def cdk(self, *args: str) -> str:
        """Run `cdk ARGS`; its output, or PhaseFailed when it exits non-zero."""
        code, output = self.cdk_exit(*args)
        if code != 0:
            raise PhaseFailed(f"`cdk {' '.join(args)}` exited {code}:\n{tail(output)}")
        return output

    def cdk_exit(self, *args: str) -> tuple[int, str]:
        """Run `cdk ARGS` in a process group of its own, stopped whole on a timeout or an interrupt."""
        return cdk.run(args, self.env, verbose=self.verbose)

    def session(self) -> Any:
        """One boto3 session for the run: each new one reads botocore's data files again."""
        if self._session is None:
            self._session = account.session()
        return self._session

    def client(self, service: str) -> Any:
        """The emulator's client of `service` (one per service for the run, once the endpoint is known)."""
        if self._clients is None:
            self._clients = aws.cached_clients(self.session(), self.endpoint)
        return self._clients(service)

    def settings(self) -> Settings:
        """The app's settings as the last synth read them (cdk.json and the `-c` flags)."""
        return ops_settings.load(ops_settings.parse_overrides(ops_settings.context_pairs(self.synth_args)))

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
        self.cdk("bootstrap", f"aws://{account.ACCOUNT}/{account.REGION}", "--app", str(OUTDIR))
        self.baseline = inventory.snapshot(self.client, unlistable=self.unlistable)

    def clear_stuck_stacks(self) -> None:
        for stack in aws.all_stacks(self.client):
            if stack["StackName"] in self.stacks and stack["StackStatus"] in STUCK_STATES:
                print(f"    deleting {stack['StackName']} left in {stack['StackStatus']}")
                self.client("cloudformation").delete_stack(StackName=stack["StackId"])

    def deploy(self) -> None:
        self.cdk("deploy", "--all", "--require-approval", "never", "--method=change-set", "--app", str(OUTDIR))
        statuses = aws.stack_statuses(self.client)
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
        """The smoke checks of every layer, the job run `mlstack spark` submits, and with the Platform layer
        deployed, the job `mlstack train` submits."""
        self.checks = smoke.run_checks(self.session(), endpoint_url=self.endpoint, emulator=True, stacks=self.stacks)
        settings = self.settings()
        if settings.spark.enabled:
            self.checks.append(spark_check.check(self.session(), self.endpoint, settings))
        if settings.stack_name("platform") in self.stacks:
            self.checks.append(training_check.check(self.session(), self.endpoint, settings, account.REGION))
        failed = checks.failed(self.checks)
        for result in self.checks:
            print(f"    {result.line()}")
        if failed:
            raise PhaseFailed(f"{len(failed)} check(s) failed: {', '.join(c.name for c in failed)}")

    def redeploy(self) -> None:
        output = self.cdk("deploy", "--all", "--require-approval", "never", "--method=change-set", "--app", str(OUTDIR))
        changed = [name for name in self.stacks if not re.search(rf"{re.escape(name)}.*\(no changes\)", output)]
        if changed:
            raise PhaseFailed(f"a second deploy without changes changed {changed}:\n{tail(output)}")

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
                f"the deploy with an injected {FAULT_RESOURCE_TYPE} failure did not fail by it:\n{tail(output)}"
            )
        statuses = aws.stack_statuses(self.client)
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
    def deployment(self) -> Deployment:
        """The deployment the last synth describes, in the emulator (a new one each time: outputs change)."""
        return Deployment.of(self.settings(), session=self.session(), endpoint_url=self.endpoint)

    def stack_outputs(self, layer: Layer) -> dict[str, str]:
        """The outputs of this layer's deployed stack; {} when the synth did not include the layer."""
        deployment = self.deployment()
        return deployment.outputs(layer) if deployment.stack_name(layer) in self.stacks else {}

    def write_kept_data(self) -> None:
        """Write the samples into the data bucket and results table, and read the flags that adopt them,
        as `mlstack cdk destroy` does (from the stacks' outputs, before they are gone)."""
        bucket = self.stack_outputs("data")[outputs.DATA_BUCKET]
        table = self.stack_outputs("api_services").get(outputs.RESULTS_TABLE)
        self.kept_data = kept_data.write_samples(self.client("s3"), self.client("dynamodb"), bucket, table)
        flags = adoption_flags(self.deployment())
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
        leaked = kept_data.unexpectedly_kept(self.kept)
        if leaked:
            raise PhaseFailed(f"the retain_data destroy left more than data: {', '.join(leaked)}")
        print(f"    kept: {', '.join(sorted(self.kept))}")

    def synth_adopting(self) -> None:
        """Synth again, adopting the kept bucket and table, and with retain_data off (the app's default)."""
        self.synth("-c", f"layers={RETAIN_LAYERS}", *self.adoption_args)

    def read_kept_data(self) -> None:
        """Read the samples back through the adopting stacks' outputs: the same bucket, objects and item."""
        assert self.kept_data is not None
        bucket = self.stack_outputs("data").get(outputs.DATA_BUCKET, "")
        table = self.stack_outputs("api_services").get(outputs.RESULTS_TABLE)
        problems = kept_data.read_back(self.client("s3"), self.client("dynamodb"), self.kept_data, bucket, table)
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
        kept_data.delete_kept(self.client("s3"), self.client("dynamodb"), self.kept)

    def leftovers_check(self) -> None:
        self.leftovers = sorted(inventory.snapshot(self.client, unlistable=self.unlistable) - self.baseline)
        self.leftovers_checked = True
        if self.leftovers:
            raise PhaseFailed(f"{len(self.leftovers)} resource(s) left after destroy: {', '.join(self.leftovers)}")
