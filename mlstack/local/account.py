"""The emulated account: its id and region, the credentials it accepts, and the CLI's environment aimed at it."""

from __future__ import annotations

import os
from typing import Any

from mlstack.ops import cdk_cli

ACCOUNT = "123456789012"
REGION = "us-east-1"


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


def session() -> Any:
    """A boto3 session with the emulator's dummy credentials (the endpoint goes on each client)."""
    from mlstack.ops.sessions import new_session

    return new_session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
