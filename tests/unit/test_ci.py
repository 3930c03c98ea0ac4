"""CI runs every test: each folder of tests/ is run by a make target that `.ci/run` calls, and every test target
the README names is one of them. A new folder of tests, or a new heavy target, cannot be left out of CI."""

from __future__ import annotations

import re
import shlex

from tests.conftest import ROOT

MAKEFILE = (ROOT / "Makefile").read_text()
CI_RUN = (ROOT / ".ci" / "run").read_text()


VARIABLES = dict(re.findall(r"^([A-Z_]+) :?= ?(.*)$", MAKEFILE, flags=re.MULTILINE))


def _targets() -> dict[str, tuple[list[str], list[str]]]:
    """Target -> (its prerequisites, its recipe lines), from the Makefile's rules."""
    targets: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] | None = None
    for line in MAKEFILE.splitlines():
        rule = re.match(r"^([a-z0-9-]+):(?!=)([^#]*)", line)
        if rule:
            current = []
            targets[rule.group(1)] = (rule.group(2).split(), current)
        elif line.startswith("\t") and current is not None:
            current.append(line.strip())
        elif line and not line.startswith("\t"):
            current = None
    return targets


def _expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\(([A-Z_]+)\)", lambda match: _expand(variables.get(match.group(1), ""), variables), text)


def _pytest_runs(target: str, targets: dict[str, tuple[list[str], list[str]]], seen: set[str]) -> list[list[str]]:
    """The argument lists of every pytest that `make target` runs, its prerequisites' included."""
    if target in seen or target not in targets:
        return []
    seen.add(target)
    prerequisites, recipe = targets[target]
    runs = [run for prerequisite in prerequisites for run in _pytest_runs(prerequisite, targets, seen)]
    for line in recipe:
        words = shlex.split(_expand(line, VARIABLES))
        if "pytest" in words:
            runs.append(words[words.index("pytest") + 1 :])
    return runs


def _ci_targets() -> list[str]:
    return re.findall(r"^make ([a-z0-9-]+)\s*$", CI_RUN, flags=re.MULTILINE)


def _covers(run: list[str], folder: str) -> bool:
    paths = [word for word in run if word.startswith("tests")]
    ignored = [word.split("=", 1)[1] for word in run if word.startswith("--ignore=")]
    inside = lambda root: folder == root or folder.startswith(root.rstrip("/") + "/")  # noqa: E731
    return any(inside(path) for path in paths) and not any(inside(path) for path in ignored)


def test_every_folder_of_tests_is_run_by_a_target_that_ci_calls() -> None:
    targets = _targets()
    runs = [run for target in _ci_targets() for run in _pytest_runs(target, targets, set())]
    folders = sorted({str(path.parent.relative_to(ROOT)) for path in (ROOT / "tests").rglob("test_*.py")})
    assert folders, "no tests found"
    assert [folder for folder in folders if not any(_covers(run, folder) for run in runs)] == []


def test_ci_runs_the_gate_first_and_every_test_target_the_readme_names() -> None:
    readme_targets = set(re.findall(r"`make (test(?:-[a-z]+)?|e2e)`", (ROOT / "README.md").read_text()))
    assert _ci_targets()[0] == "test"
    assert readme_targets - set(_ci_targets()) == set()
    assert {"test", "test-cli", "test-ml", "test-spark", "e2e", "test-notebooks", "test-browser"} <= readme_targets


def test_the_coverage_check_sees_an_ignored_folder_as_not_run() -> None:
    run = ["tests/unit", "tests/mlstack", "--ignore=tests/mlstack/emulator", "-q"]
    assert _covers(run, "tests/mlstack/ops")
    assert not _covers(run, "tests/mlstack/emulator")
    assert not _covers(run, "tests/e2e")
