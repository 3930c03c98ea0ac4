"""Two prefixes in one account (the emulator): `mlstack cdk destroy --all --prefix ana` destroys ana's stacks
only, and the other prefix's stack and its bucket's objects stay whole (issue 21: `--prefix` was dropped)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlstack.local import account
from mlstack.local.emulator_process import Emulator
from mlstack.ops.deployment import Deployment, StackNotDeployed
from stacks import outputs

ROOT = Path(__file__).resolve().parents[2]
OBJECT_KEY = "kept/notes.txt"
OBJECT_BODY = b"bob's data"

pytestmark = pytest.mark.round_trip


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The emulator as `mlstack local` runs it: a child process on a free localhost port."""
    running = Emulator(tmp_path_factory.mktemp("emulator") / "emulator.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def mlstack_cdk(emulator: Emulator, tmp_path: Path, *args: str) -> str:
    """`mlstack cdk ARGS` as a user runs it, aimed at the emulator; its output (asserting exit 0)."""
    result = subprocess.run(
        [sys.executable, "-m", "mlstack", "cdk", *args, "--output", str(tmp_path / "cdk.out")],
        cwd=ROOT,
        env=account.cli_environment(emulator.endpoint),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def deployment(emulator: Emulator, prefix: str) -> Deployment:
    return Deployment.load(["layers=data"], prefix, session=account.session(), endpoint_url=emulator.endpoint)


def test_destroying_one_prefix_leaves_the_others_stacks_and_data_whole(emulator: Emulator, tmp_path: Path) -> None:
    mlstack_cdk(emulator, tmp_path, "bootstrap", f"aws://{account.ACCOUNT}/{account.REGION}", "-c", "layers=data")
    for prefix in ("ana", "bob"):
        mlstack_cdk(emulator, tmp_path, "deploy", "--all", "--require-approval", "never", "-c", "layers=data",
                    "--prefix", prefix)  # fmt: skip
    ana, bob = deployment(emulator, "ana"), deployment(emulator, "bob")
    bucket = bob.output("data", outputs.DATA_BUCKET)
    assert bucket != ana.output("data", outputs.DATA_BUCKET)
    s3 = bob.client("s3")
    s3.put_object(Bucket=bucket, Key=OBJECT_KEY, Body=OBJECT_BODY)

    mlstack_cdk(emulator, tmp_path, "destroy", "--all", "--force", "--prefix", "ana")

    with pytest.raises(StackNotDeployed):
        deployment(emulator, "ana").outputs("data")
    still = deployment(emulator, "bob")
    assert still.output("data", outputs.DATA_BUCKET) == bucket
    assert s3.get_object(Bucket=bucket, Key=OBJECT_KEY)["Body"].read() == OBJECT_BODY

    mlstack_cdk(emulator, tmp_path, "destroy", "--all", "--force", "--prefix", "bob")
    with pytest.raises(StackNotDeployed):
        deployment(emulator, "bob").outputs("data")
