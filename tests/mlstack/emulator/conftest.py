"""Fixtures for the emulator tests: one emulator server per module (in this process), boto3 clients on it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mlstack.emulator.server import Emulator
from mlstack.local import account
from mlstack.local.emulator_process import dlami_parameter_names
from mlstack.ops.sessions import new_session
from tests.mlstack.emulator.templates import REGION


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """A fresh emulator per module (moto's state lives in the process, so it is reset first).

    It serves the DLAMI parameters the app can resolve and accepts the run's credentials, as `mlstack local`
    starts it (so `mlstack local`'s own pieces reach it too).
    """
    from moto.moto_api._internal.models import moto_api_backend

    with Emulator(dlami_parameters=dlami_parameter_names(), credentials=account.run_credentials()) as running:
        moto_api_backend.reset()  # what POST /moto-api/reset does, which the emulator's front refuses unsigned
        yield running


@pytest.fixture(scope="module")
def aws(emulator: Emulator) -> Callable[[str], Any]:
    """`aws("s3")`: a client of the emulator with its credentials (one per service for the module)."""
    credentials = emulator.credentials
    session = new_session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        region_name=REGION,
    )
    return functools.cache(lambda service: session.client(service, endpoint_url=emulator.endpoint))
