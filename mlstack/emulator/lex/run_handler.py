"""Runs one Lambda handler on one event, as the Lambda runtime would, in a process of its own.

Started by code_hook.py as `python -P run_handler.py HANDLER RESULT_FILE` with the event on stdin, the
function's environment, and its code folder as PYTHONPATH (as Lambda's runtime has /var/task); writes the
handler's return value as JSON to RESULT_FILE (the handler's own logs go to stdout and stderr). Imports
nothing of mlstack: the function's code sees only what it would in Lambda, plus the venv's packages (where
its Powertools layer's release is installed).
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import time
import uuid
from typing import Any


def resolve_localhost_subdomains() -> None:
    """`<bucket>.localhost` to loopback, as RFC 6761 asks of `.localhost` names (Node and browsers do; glibc
    does not): the function's S3 client uses virtual-hosted addressing against the emulator on localhost."""
    original = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return original(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


class Context:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    def __init__(self, timeout_seconds: float):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function")
        self.function_version = "$LATEST"
        self.invoked_function_arn = os.environ.get("MLSTACK_FUNCTION_ARN", "")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "emulated"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def main() -> int:
    handler_path, result_file = sys.argv[1:3]
    resolve_localhost_subdomains()
    module_name, _, function_name = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    event = json.load(sys.stdin)
    result = handler(event, Context(float(os.environ.get("MLSTACK_FUNCTION_TIMEOUT", "3"))))
    with open(result_file, "w", encoding="utf-8") as out:
        json.dump(result, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
