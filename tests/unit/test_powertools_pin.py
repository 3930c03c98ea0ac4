"""The Powertools layer the functions run with and the library the Lambda tests run against are one release."""

from __future__ import annotations

import importlib.metadata
import json
import re

from stacks.constructs.python_function import POWERTOOLS_LAYER_VERSION, POWERTOOLS_PIN_FILE, POWERTOOLS_VERSION
from tests.conftest import ROOT

PIN = json.loads(POWERTOOLS_PIN_FILE.read_text())


def _requirement(name: str) -> str:
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        match = re.fullmatch(rf"{re.escape(name)}(\[[^\]]*\])?==(?P<version>\S+)\s*(#.*)?", line.strip())
        if match:
            return match["version"]
    raise AssertionError(f"{name} is not pinned with == in requirements-dev.txt")


def test_requirements_pin_the_release_the_layer_carries() -> None:
    assert _requirement(PIN["library"]) == POWERTOOLS_VERSION, (
        f"requirements-dev.txt pins {PIN['library']}=={_requirement(PIN['library'])} but "
        f"{POWERTOOLS_PIN_FILE.name} says layer {POWERTOOLS_LAYER_VERSION} carries {POWERTOOLS_VERSION}: "
        "bump both together"
    )


def test_the_installed_library_is_the_pinned_release() -> None:
    assert importlib.metadata.version(PIN["library"]) == POWERTOOLS_VERSION


def test_the_pin_file_names_where_the_mapping_comes_from() -> None:
    assert PIN["layer_account"] == "017000801446"
    assert isinstance(PIN["layer_version"], int) and PIN["layer_version"] > 0
    assert "docs.powertools.aws.dev" in PIN["mapping_source"]
