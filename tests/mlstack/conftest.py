"""What the operator package's tests share: a moto account with dummy credentials in one region."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

MOTO_REGION = "us-east-1"


@pytest.fixture
def moto_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's in-process AWS with dummy credentials and MOTO_REGION as the default region (no profile);
    yields the region."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": MOTO_REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield MOTO_REGION
