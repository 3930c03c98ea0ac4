"""Warm invocations of the fulfillment handler with Stubber'd clients; prints `[median_ms, p95_ms]` as JSON.

Run by mlstack.bench.lambda_function in a fresh interpreter whose PYTHONPATH holds the function folder,
so the handler imports its modules as the Lambda runtime does.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any

from mlstack.bench.lambda_function import ENV, FakeContext, describe_event


def warm_invocation_ms(invocations: int) -> tuple[float, float]:
    """Median and p95 of a DescribeImage invocation (Rekognition + DynamoDB record), Stubber'd clients."""
    os.environ.update(ENV)
    import boto3
    from botocore.stub import ANY, Stubber
    from clients import Clients, use_clients
    from handler import handler

    def client(name: str) -> Any:
        return boto3.client(name, region_name="us-east-1")

    rekognition, dynamodb = client("rekognition"), client("dynamodb")
    labels = {"Labels": [{"Name": "House", "Confidence": 98.0}, {"Name": "Roof", "Confidence": 91.0}]}
    rekognition_stub, dynamodb_stub = Stubber(rekognition), Stubber(dynamodb)
    for _ in range(invocations + 1):
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
    event, context = describe_event(), FakeContext()
    samples = []
    with rekognition_stub, dynamodb_stub, open(os.devnull, "w") as sink:
        stdout, sys.stdout = sys.stdout, sink  # Metrics print one EMF line per invocation
        try:
            handler(event, context)  # first call: lazy imports, cold-start flag
            for _ in range(invocations):
                start = time.perf_counter()
                response = handler(event, context)
                samples.append((time.perf_counter() - start) * 1000)
        finally:
            sys.stdout = stdout
    assert response["sessionState"]["intent"]["state"] == "Fulfilled", response
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


if __name__ == "__main__":
    print(json.dumps(warm_invocation_ms(int(sys.argv[1]))))
