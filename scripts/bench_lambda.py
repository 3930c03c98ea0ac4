#!/usr/bin/env python3
"""Benchmark of the Lex fulfillment Lambda: cold import against `import boto3`, warm invocations, asset size.

Cold import: each measurement runs in a fresh Python process, REPEAT times, medians reported. `import boto3`
is the floor every Python function that talks to AWS pays, so the handler is reported against it.
Warm invocation: the real handler, in one process, with botocore Stubber'd clients (no network).
Asset size: the zip CDK would upload for lambdas/lex_fulfillment (Powertools comes from a layer).
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
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
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "DATA_BUCKET": "bench-bucket",
    "RESULTS_TABLE": "bench-results",
    "SAMPLE_IMAGES": "house,poster,sign",
}
IMPORT_TIMER = (
    "import sys, time; sys.path.insert(0, {path!r}); "
    "t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)


def cold_import_seconds(module: str) -> float:
    """Median wall time of `import module`, each in a fresh interpreter (bytecode caches already warm)."""
    env = {**os.environ, **ENV}
    samples = []
    for _ in range(REPEAT):
        code = IMPORT_TIMER.format(path=str(FUNCTION_DIR), module=module)
        output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        samples.append(float(output.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def _describe_event() -> dict[str, Any]:
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


class _Context:
    function_name = "lex-fulfillment"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lex-fulfillment"
    memory_limit_in_mb = 256
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/lex-fulfillment"
    log_stream_name = "bench"


def warm_invocation_ms() -> tuple[float, float]:
    """Median and p95 of a DescribeImage invocation (Rekognition + DynamoDB record), Stubber'd clients."""
    os.environ.update(ENV)
    sys.path.insert(0, str(FUNCTION_DIR))
    import boto3
    from botocore.stub import ANY, Stubber
    from clients import Clients, use_clients
    from handler import handler

    def client(name: str) -> Any:
        return boto3.client(name, region_name="us-east-1")

    rekognition, dynamodb = client("rekognition"), client("dynamodb")
    labels = {"Labels": [{"Name": "House", "Confidence": 98.0}, {"Name": "Roof", "Confidence": 91.0}]}
    rekognition_stub, dynamodb_stub = Stubber(rekognition), Stubber(dynamodb)
    for _ in range(WARM_INVOCATIONS + 1):
        rekognition_stub.add_response("detect_labels", labels, {"Image": ANY, "MaxLabels": ANY, "MinConfidence": ANY})
        dynamodb_stub.add_response("put_item", {}, {"TableName": "bench-results", "Item": ANY})
    use_clients(
        Clients(
            s3=client("s3"),
            rekognition=rekognition,
            polly=client("polly"),
            translate=client("translate"),
            sagemaker_runtime=client("sagemaker-runtime"),
            dynamodb=dynamodb,
        )
    )
    event, context = _describe_event(), _Context()
    samples = []
    with rekognition_stub, dynamodb_stub, open(os.devnull, "w") as sink:
        stdout, sys.stdout = sys.stdout, sink  # Metrics print one EMF line per invocation
        try:
            handler(event, context)  # first call: lazy imports, cold-start flag
            for _ in range(WARM_INVOCATIONS):
                start = time.perf_counter()
                response = handler(event, context)
                samples.append((time.perf_counter() - start) * 1000)
        finally:
            sys.stdout = stdout
    assert response["sessionState"]["intent"]["state"] == "Fulfilled", response
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def asset_size() -> tuple[int, int, int]:
    """(zip bytes, uncompressed bytes, files) of the function folder, without caches."""
    buffer = io.BytesIO()
    files = [path for path in sorted(FUNCTION_DIR.rglob("*")) if path.is_file() and "__pycache__" not in path.parts]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(FUNCTION_DIR).as_posix())
    return len(buffer.getvalue()), sum(path.stat().st_size for path in files), len(files)


def main() -> int:
    boto3_s = cold_import_seconds("boto3")
    handler_s = cold_import_seconds("handler")
    median_ms, p95_ms = warm_invocation_ms()
    zipped, raw, files = asset_size()
    print(f"Lex fulfillment Lambda ({sys.version.split()[0]}, {REPEAT} fresh processes per import, medians)")
    print(f"  cold import boto3              {boto3_s * 1000:8.1f} ms")
    print(f"  cold import handler            {handler_s * 1000:8.1f} ms  ({handler_s / boto3_s:.2f}x boto3;")
    print(f"    includes boto3 and Powertools: {(handler_s - boto3_s) * 1000:.1f} ms on top of boto3)")
    print(f"  warm invocation (DescribeImage) {median_ms:7.2f} ms median, {p95_ms:.2f} ms p95 over {WARM_INVOCATIONS}")
    print(f"  asset                          {zipped / 1024:8.1f} KiB zipped ({raw / 1024:.1f} KiB, {files} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
