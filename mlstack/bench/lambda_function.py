"""Benchmark of the Lex fulfillment Lambda: cold import against `import boto3`, warm invocations, asset size.

Cold import: each measurement runs in a fresh Python process, REPEAT times, medians reported. `import boto3`
is the floor every Python function that talks to AWS pays, so the handler is reported against it.
Warm invocation: the real handler, in one process, with botocore Stubber'd clients (no network).
Asset size: the zip CDK would upload for lambdas/lex_fulfillment (Powertools comes from a layer).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from typing import Any

from mlstack.paths import ROOT

FUNCTION_DIR = ROOT / "lambdas" / "lex_fulfillment"
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
WARM_INVOCATIONS = int(os.environ.get("BENCH_INVOCATIONS", "300"))
ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "lex-fulfillment-bench",
    "POWERTOOLS_METRICS_NAMESPACE": "mlstack-bench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "DATA_BUCKET": "bench-bucket",
    "RESULTS_TABLE": "bench-results",
    "SAMPLE_IMAGES": "house,poster,sign",
}
# The Lambda runtime's own variables, for the cold import: the X-Ray SDK and Powertools' Tracer pick their
# Lambda behaviour from them (a local sampler instead of the centralized one, which builds an X-Ray client at
# import; tracing on), so without them the import would time a code path the function never runs.
LAMBDA_RUNTIME_ENV = {
    "LAMBDA_TASK_ROOT": str(FUNCTION_DIR),
    "AWS_LAMBDA_FUNCTION_NAME": "lex-fulfillment",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.14",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
}
# The warm invocations run outside a Lambda sandbox, with no trace header to join: tracing off there.
WARM_ENV = {"POWERTOOLS_TRACE_DISABLED": "true"}
# The function's modules import each other as top-level modules, as in the Lambda runtime: the timed
# interpreter gets the function folder as PYTHONPATH, like the runtime's /var/task.
IMPORT_TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def cold_import_seconds(module: str) -> float:
    """Median wall time of `import module`, each in a fresh interpreter (bytecode caches already warm)."""
    env = {**os.environ, **ENV, **LAMBDA_RUNTIME_ENV, "PYTHONPATH": str(FUNCTION_DIR)}
    samples = []
    for _ in range(REPEAT):
        code = IMPORT_TIMER.format(module=module)
        output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        samples.append(float(output.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def describe_event() -> dict[str, Any]:
    value = {"originalValue": "house", "interpretedValue": "house", "resolvedValues": ["house"]}
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "sessionId": "bench-session",
        "inputTranscript": "describe house",
        "bot": {"id": "BOT", "localeId": "en_US", "aliasId": "TSTALIASID"},
        "sessionState": {
            "sessionAttributes": {},
            "intent": {"name": "DescribeImage", "slots": {"ImageName": {"shape": "Scalar", "value": value}}},
        },
    }


class FakeContext:
    function_name = "lex-fulfillment"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lex-fulfillment"
    memory_limit_in_mb = 256
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/lex-fulfillment"
    log_stream_name = "bench"


def warm_invocation_ms() -> tuple[float, float]:
    """Median and p95 ms of a DescribeImage invocation, measured in a fresh process (mlstack.bench.lambda_warm)."""
    env = {**os.environ, **ENV, **WARM_ENV, "PYTHONPATH": os.pathsep.join([str(FUNCTION_DIR), str(ROOT)])}
    output = subprocess.run(
        [sys.executable, "-m", "mlstack.bench.lambda_warm", str(WARM_INVOCATIONS)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    median, p95 = json.loads(output.stdout.strip().splitlines()[-1])
    return float(median), float(p95)


def asset_size() -> tuple[int, int, int]:
    """(zip bytes, uncompressed bytes, files) of the function folder, without caches."""
    buffer = io.BytesIO()
    files = [path for path in sorted(FUNCTION_DIR.rglob("*")) if path.is_file() and "__pycache__" not in path.parts]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(FUNCTION_DIR).as_posix())
    return len(buffer.getvalue()), sum(path.stat().st_size for path in files), len(files)


@dataclass(frozen=True)
class LambdaFigures:
    boto3_import_s: float
    handler_import_s: float
    warm_median_ms: float
    warm_p95_ms: float
    zipped: int
    raw: int
    files: int

    @property
    def import_ratio(self) -> float:
        return self.handler_import_s / self.boto3_import_s

    def lines(self) -> list[str]:
        return [
            f"Lex fulfillment Lambda ({sys.version.split()[0]}, {REPEAT} fresh processes per import, medians)",
            f"  cold import boto3               {self.boto3_import_s * 1000:8.1f} ms",
            f"  cold import handler             {self.handler_import_s * 1000:8.1f} ms"
            f"  ({self.import_ratio:.2f}x boto3)",
            f"  warm invocation (DescribeImage) {self.warm_median_ms:8.2f} ms median, {self.warm_p95_ms:.2f} ms p95"
            f" over {WARM_INVOCATIONS}",
            f"  asset                           {self.zipped / 1024:8.1f} KiB zipped"
            f" ({self.raw / 1024:.1f} KiB, {self.files} files)",
        ]


def lambda_figures() -> LambdaFigures:
    median_ms, p95_ms = warm_invocation_ms()
    return LambdaFigures(cold_import_seconds("boto3"), cold_import_seconds("handler"), median_ms, p95_ms, *asset_size())
