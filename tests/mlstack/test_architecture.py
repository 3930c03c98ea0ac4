"""The operator package's architecture, read from every module with `ast`: commands call one library
(mlstack/ops), stacks are read and named in one place each, and the import graph has no cycle.

- `describe_stacks` is called in mlstack/ops only (the emulator, which serves it, excepted);
- stack names (`<Prefix>-Data`, ...) are built in stacks/naming.py only;
- no module of mlstack/ops or mlstack/local imports mlstack.commands;
- no import cycle among mlstack's modules (imports inside functions count: they only hide a cycle;
  imports under `if TYPE_CHECKING:` do not run and do not count).
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections.abc import Iterator
from pathlib import Path

from stacks.naming import LAYER_TITLES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mlstack"
# Where stack names may be built: the naming module, and nowhere else in the code that ships.
CODE_FOLDERS = ("mlstack", "stacks", "lambdas", "scripts", "training", "spark")
NAMING = ROOT / "stacks" / "naming.py"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    modules = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    assert len(modules) > 50
    return modules


def code_files() -> Iterator[Path]:
    for folder in CODE_FOLDERS:
        if (ROOT / folder).is_dir():
            yield from sorted((ROOT / folder).rglob("*.py"))
    yield ROOT / "app.py"


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The modules of `known` that `path` (module `name`) imports, wherever in the module, unless only for
    type checking."""
    tree = parsed(path)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {module for module in found if module in known and module != name}


@functools.cache
def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    known = set(modules)
    return {name: imports_of(path, name, known) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@functools.cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def calls_of(path: Path, attribute: str) -> list[int]:
    tree = parsed(path)
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attribute
    ]


def test_describe_stacks_is_called_in_the_operator_library_only() -> None:
    offending = {
        str(path.relative_to(ROOT)): lines
        for path in code_files()
        if not path.is_relative_to(PACKAGE / "ops")
        and not path.is_relative_to(PACKAGE / "emulator")
        and (lines := calls_of(path, "describe_stacks"))
    }
    assert offending == {}, "read stacks through mlstack.ops.deployment (or mlstack.ops.aws)"


def _builds_a_stack_name(node: ast.AST) -> bool:
    """An f-string or a `+` whose literal part is `-<Layer title>` right after a formatted value."""
    if isinstance(node, ast.JoinedStr):
        values = node.values
        return any(
            isinstance(before, ast.FormattedValue)
            and isinstance(after, ast.Constant)
            and isinstance(after.value, str)
            and any(after.value.startswith(f"-{title}") for title in LAYER_TITLES.values())
            for before, after in itertools.pairwise(values)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.right, ast.Constant):
        value = node.right.value
        return isinstance(value, str) and any(value.startswith(f"-{title}") for title in LAYER_TITLES.values())
    return False


def test_stack_names_are_built_in_stacks_naming_only() -> None:
    offending = {
        str(path.relative_to(ROOT)): [
            getattr(node, "lineno", 0) for node in ast.walk(parsed(path)) if _builds_a_stack_name(node)
        ]
        for path in code_files()
        if path != NAMING
    }
    assert {path: lines for path, lines in offending.items() if lines} == {}, "use stacks.naming.stack_name"


def test_the_checks_see_what_they_look_for() -> None:
    """The detectors themselves: a hand-built stack name and a describe_stacks call are found."""
    assert _builds_a_stack_name(ast.parse('f"{prefix}-Platform"', mode="eval").body)
    assert _builds_a_stack_name(ast.parse('prefix + "-ApiServices"', mode="eval").body)
    assert not _builds_a_stack_name(ast.parse('f"{prefix}-models"', mode="eval").body)
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_library_and_the_local_round_trip_never_import_the_commands() -> None:
    graph = import_graph()
    offending = {
        name: sorted(target for target in targets if target.startswith("mlstack.commands"))
        for name, targets in graph.items()
        if name.startswith(("mlstack.ops", "mlstack.local"))
    }
    assert {name: targets for name, targets in offending.items() if targets} == {}


def test_no_import_cycle_in_mlstack_emulator_included() -> None:
    assert cycles(import_graph()) == []
