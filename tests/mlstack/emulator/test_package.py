"""The emulator is a component of its own: it imports neither the app (`stacks`) nor the tests."""

from __future__ import annotations

import ast
from pathlib import Path

import mlstack.emulator

PACKAGE = Path(mlstack.emulator.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_module_of_the_emulator_imports_the_app_or_the_tests() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 10
    offending = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in {"stacks", "tests", "app"}
        )
        for path in modules
    }
    assert {path: names for path, names in offending.items() if names} == {}
