"""The browser tests' marker: `make test-browser` selects them; `make test` never collects this folder."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the chat page in headless Chromium against the emulator (make test-browser)"
    )
