"""Fixtures for the emulator tests: one emulator server per module (in this process), boto3 clients on it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from mlstack.emulator.server import Emulator
from mlstack.local.emulator_process import dlami_parameter_names
from mlstack.ops.sessions import new_session
from tests.mlstack.emulator.templates import REGION


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """A fresh emulator per module (moto's state lives in the process, so it is reset first).

    It serves the DLAMI parameters the app can resolve, as `mlstack local` starts it.
    """
    with Emulator(dlami_parameters=dlami_parameter_names()) as running:
        requests.post(f"{running.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        yield running


@pytest.fixture(scope="module")
def aws(emulator: Emulator) -> Callable[[str], Any]:
    """`aws("s3")`: a client of the emulator with dummy credentials (one per service for the module)."""
    session = new_session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return functools.cache(lambda service: session.client(service, endpoint_url=emulator.endpoint))
