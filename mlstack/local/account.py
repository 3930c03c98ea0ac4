"""The emulated account: its id and region, the credentials its emulator accepts, and the CLI's environment.

The credentials are issued once per run (per `mlstack local` process) at random: the emulator accepts only
them (mlstack/emulator/front.py), so neither another local user nor a web page can drive the emulated app.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from mlstack.emulator.front import Credentials
from mlstack.ops import cdk_cli

ACCOUNT = "123456789012"
REGION = "us-east-1"


@functools.cache
def run_credentials() -> Credentials:
    """This run's credentials, issued on first use; the emulator process gets them in its environment."""
    return Credentials.issue()


def cli_environment(endpoint: str) -> dict[str, str]:
    """The CLI's environment: the run's credentials and every AWS call sent to the emulator."""
    env = cdk_cli.environment({k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))})
    env.update(
        **run_credentials().environment(),
        AWS_ENDPOINT_URL=endpoint,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DEFAULT_ACCOUNT=ACCOUNT,
        CDK_DEFAULT_REGION=REGION,
        CDK_DISABLE_CLI_TELEMETRY="true",
    )
    return env


def shell_assignments() -> str:
    """`AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... AWS_REGION=...`: what a second terminal sets to reach
    the emulated app (`mlstack local --keep` prints it)."""
    variables = {**run_credentials().environment(), "AWS_REGION": REGION}
    return " ".join(f"{name}={value}" for name, value in variables.items())


def session() -> Any:
    """A boto3 session with the run's credentials (the endpoint goes on each client)."""
    from mlstack.ops.sessions import new_session

    credentials = run_credentials()
    return new_session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        region_name=REGION,
    )
