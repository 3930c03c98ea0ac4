"""Fixtures for the tests against the emulator: the emulator's own fixtures, and the round-trip marker."""

from __future__ import annotations

import pytest

# The emulator server and its clients, shared with the emulator's own tests.
from tests.mlstack.emulator.conftest import aws, emulator

__all__ = ["aws", "emulator"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "round_trip: runs the real CDK CLI against the emulator (slow; `make local` runs the same in CI)"
    )
