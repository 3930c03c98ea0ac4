"""X-Ray tracing of the fulfillment function, as it starts in the Lambda runtime: on, and patching botocore only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from mlstack.bench.lambda_function import ENV, FUNCTION_DIR, LAMBDA_RUNTIME_ENV

PROBE = """
import json, sys
import handler
from aws_xray_sdk.core import patcher, xray_recorder
print(json.dumps({
    "tracing": not handler.tracer.disabled,
    "patched": sorted(patcher._PATCHED_MODULES),
    "sampler": type(xray_recorder.sampler).__name__,
    "imported": sorted(name for name in ("requests", "httpx", "sqlite3", "pymongo") if name in sys.modules),
}))
"""


def test_the_handler_traces_its_aws_calls_without_importing_other_libraries_hooks() -> None:
    env = {**os.environ, **ENV, **LAMBDA_RUNTIME_ENV, "PYTHONPATH": str(FUNCTION_DIR)}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    started = json.loads(probe.stdout.strip().splitlines()[-1])
    assert started["tracing"] is True
    assert started["patched"] == ["botocore"]
    assert started["sampler"] == "LocalSampler"  # the Lambda path: no centralized sampling client at import
    assert started["imported"] == []
