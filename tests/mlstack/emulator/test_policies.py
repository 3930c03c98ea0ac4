"""Bucket policy conditions: a TLS-only policy lets the emulator's requests in and denies plain HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlstack.emulator import policies
from tests.mlstack.emulator.templates import (
    TLS_ONLY_POLICY,
)


def test_tls_only_policy_denies_only_plain_http(aws: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="tls-bucket")
    s3.put_bucket_policy(Bucket="tls-bucket", Policy=json.dumps(TLS_ONLY_POLICY).replace("{bucket}", "tls-bucket"))
    s3.put_object(Bucket="tls-bucket", Key="over-tls", Body=b"ok")  # the emulator stands in for HTTPS
    monkeypatch.setitem(policies.REQUEST_CONTEXT, "aws:SecureTransport", "false")
    with pytest.raises(ClientError, match=r"AccessDenied|403"):
        s3.put_object(Bucket="tls-bucket", Key="plain-http", Body=b"no")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, False),
        ({"Bool": {"aws:SecureTransport": ["true"]}}, True),
        ({"Bool": {"aws:SecureTransport": True}}, True),
        ({"StringEquals": {"aws:SecureTransport": "true"}}, True),
        ({"NumericLessThan": {"s3:TlsVersion": "1.2"}}, None),
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, None),
    ],
)
def test_condition_evaluation(condition: dict[str, Any], expected: bool | None) -> None:
    assert policies.evaluate_condition(condition, {"aws:SecureTransport": "true"}) is expected
