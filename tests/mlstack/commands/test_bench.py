"""`mlstack bench` without the ML packages: the training benchmarks say what they need instead of failing."""

from __future__ import annotations

import importlib.util

import pytest

from tests.mlstack.conftest import Cli


def test_without_torch_the_training_benchmarks_are_skipped_with_a_reason(
    monkeypatch: pytest.MonkeyPatch, cli: Cli
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *rest: None if name == "torch" else real_find_spec(name, *rest)
    )
    result = cli("bench", "--only", "training", "--only", "forecast")
    assert result.code == 0
    assert result.out.splitlines() == [
        f"{name}: skipped, it needs the ML packages (`make test-ml` installs requirements-ml.txt)"
        for name in ("training", "forecast")
    ]
