"""The app deployed into the emulator by `mlstack local --keep`, held while the notebooks run, then finished.

Everything about the emulated account (its endpoint, credentials and region) is read from what `mlstack local
--keep` prints when it waits, never assumed: the emulator may hand out new credentials on every run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mlstack.ops import settings as ops_settings
from mlstack.paths import ROOT, VENV_BIN
from stacks import outputs
from stacks.constructs.sample_notebooks import SETTINGS_FILE
from stacks.naming import Layer, stack_name
from stacks.platform_stack import SAMPLES_PREFIX

# The layers the samples read (Data: bucket, Glue, Athena; Platform: endpoint, roles, the settings file).
LAYERS = "data,platform"
# The settings `mlstack local` deploys with: cdk.json's, and the layers above.
SETTINGS = ops_settings.load(ops_settings.parse_overrides([f"layers={LAYERS}"]))
# `mlstack local` waits for Enter after this line.
WAITING = "Press Enter"
# The destroy and the leftovers check after Enter take a minute or two; a hang must not block CI.
FINISH_TIMEOUT_SECONDS = 900
_ASSIGNMENT = re.compile(r"\b(AWS_[A-Z_]+)=(\S+)")
_ENDPOINT_FLAG = re.compile(r"--endpoint-url[ =](\S+)")


def client_environment(printed: str) -> dict[str, str]:
    """The AWS_* variables `mlstack local --keep` tells a second terminal to use, with the endpoint as
    AWS_ENDPOINT_URL and the region also as AWS_DEFAULT_REGION. ValueError when it names no endpoint or keys."""
    env = dict(_ASSIGNMENT.findall(printed))
    endpoint = _ENDPOINT_FLAG.search(printed)
    if endpoint and "AWS_ENDPOINT_URL" not in env:
        env["AWS_ENDPOINT_URL"] = endpoint.group(1)
    missing = {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} - set(env)
    if missing:
        raise ValueError(f"`mlstack local --keep` printed no {', '.join(sorted(missing))}:\n{printed}")
    if "AWS_REGION" in env:
        env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
    return env


@dataclass
class EmulatedApp:
    """The kept app: the environment its clients need, and helpers to reach it as the notebooks would."""

    env: dict[str, str]
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.env["AWS_ENDPOINT_URL"]

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.session.Session(
                aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
                aws_session_token=self.env.get("AWS_SESSION_TOKEN"),
                region_name=self.env.get("AWS_DEFAULT_REGION", "us-east-1"),
            ).client(service, endpoint_url=self.endpoint)
        return self._clients[service]

    def moto_api(self, path: str, payload: dict[str, Any]) -> None:
        """POST to moto's own API (`/moto-api/...`): what the emulator cannot know, such as Athena results.
        Signed with the run's credentials like any SDK call, since the emulator may refuse unsigned requests."""
        body = json.dumps(payload).encode()
        request = AWSRequest(
            method="POST", url=self.endpoint + path, data=body, headers={"Content-Type": "application/json"}
        )
        credentials = Credentials(
            self.env["AWS_ACCESS_KEY_ID"], self.env["AWS_SECRET_ACCESS_KEY"], self.env.get("AWS_SESSION_TOKEN")
        )
        SigV4Auth(credentials, "moto", self.env.get("AWS_DEFAULT_REGION", "us-east-1")).add_auth(request)
        signed = urllib.request.Request(request.url, data=body, headers=dict(request.headers.items()), method="POST")
        with urllib.request.urlopen(signed, timeout=30) as response:
            response.read()

    def stack_output(self, layer: Layer, key: str) -> str:
        name = stack_name(SETTINGS.prefix, layer)
        [stack] = self.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
        return next(o["OutputValue"] for o in stack.get("Outputs", []) if o["OutputKey"] == key)

    def download_samples(self, target: Path) -> dict[str, Any]:
        """The deployed `notebooks/` prefix of the data bucket into `target`, as the notebook instance gets it;
        the settings file as the stack wrote it."""
        bucket = self.stack_output("data", outputs.DATA_BUCKET)
        s3 = self.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=SAMPLES_PREFIX):
            for item in page.get("Contents", []):
                path = target / item["Key"][len(SAMPLES_PREFIX) :]
                path.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, item["Key"], str(path))
        settings: dict[str, Any] = json.loads((target / SETTINGS_FILE).read_text())
        return settings


def kept_app(log: Path) -> Iterator[EmulatedApp]:
    """Deploy with `mlstack local --keep`, yield the app while it waits, then let it finish: redeploy, destroy
    and the leftovers check. AssertionError when any phase fails (its output is in `log`)."""
    command = [str(VENV_BIN / "mlstack"), "local", "--keep", "-c", f"layers={LAYERS}"]
    with log.open("w") as transcript:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert process.stdin is not None and process.stdout is not None
        printed = []
        try:
            for line in process.stdout:
                transcript.write(line)
                transcript.flush()
                printed.append(line)
                if WAITING in line:
                    break
            else:
                process.wait()
                raise AssertionError(
                    f"`mlstack local --keep` exited {process.returncode} before keeping the app:\n"
                    + "".join(printed[-30:])
                )
            # What it printed since the phase that keeps the app running: the way to reach it.
            waiting = "".join(printed[max(i for i, text in enumerate(printed) if text.startswith("---")) :])
            yield EmulatedApp(client_environment(waiting))
        finally:
            if process.poll() is None:
                try:
                    rest, _ = process.communicate("\n", timeout=FINISH_TIMEOUT_SECONDS)  # Enter: finish the run
                except subprocess.TimeoutExpired:
                    process.terminate()  # SIGTERM: it stops its emulator and reports, as on a Ctrl-C
                    rest, _ = process.communicate(timeout=60)
                transcript.write(rest)
                printed.append(rest)
    if process.returncode != 0:
        raise AssertionError(
            f"`mlstack local --keep` exited {process.returncode} after the notebooks ran (destroy or leftovers):\n"
            + "".join(printed)[-3000:]
        )
