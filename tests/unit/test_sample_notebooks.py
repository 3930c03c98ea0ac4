"""Sample notebooks: valid notebooks whose code compiles and reads only settings the stack writes."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from stacks.constructs.sample_notebooks import NOTEBOOKS_DIR
from tests.conftest import cdk_context

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def _code(path: Path) -> str:
    notebook = json.loads(path.read_text())
    assert notebook["nbformat"] == 4
    assert notebook["metadata"]["kernelspec"]["name"] == "conda_python3"
    cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in cells)  # shipped clean
    return "\n".join("".join(cell["source"]) for cell in cells)


def test_three_samples_open_data_athena_endpoint() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_open_data_s3.ipynb",
        "02_athena_query.ipynb",
        "03_invoke_endpoint.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_compiles_and_uses_only_settings_the_stack_writes(path: Path) -> None:
    from app import create_app

    code = _code(path)
    ast.parse(code)
    app, _ = create_app(cdk_context(layers="data,platform"))
    written = app.node.find_child("Mlstack-Platform").node.find_child("Samples").notebook_settings
    used = set(re.findall(r"settings\[['\"](\w+)['\"]\]", code))
    assert used and used <= set(written)


def test_samples_tag_what_they_create_and_clean_up() -> None:
    code = _code(NOTEBOOKS_DIR / "03_invoke_endpoint.ipynb")
    for call in ("create_model", "create_endpoint_config", "create_endpoint"):
        assert re.search(rf"{call}\((?:[^()]|\([^()]*\))*Tags=tags", code, re.DOTALL), call
    for call in ("delete_endpoint", "delete_endpoint_config", "delete_model"):
        assert f"{call}(" in code
    assert "name = f\"{settings['prefix']}-nb-" in code  # inside the role's <prefix>-* scope
