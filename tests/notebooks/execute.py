"""Executes one notebook with nbclient in the kernel venv (.venv-notebooks) and reports every code cell.

Run by tests/notebooks with that venv's Python, never imported by the project's tests: it needs nbclient, which
only the notebooks' venv holds. Prints one JSON object: each code cell's index, status and error, whether the
kernel reported it (`execute_reply`) or an error output shows it; exit 0 only when every code cell ran and
reported `ok`. Writes the executed notebook to --output for a person to read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

# A cell that waits longer than this on the emulator is stuck: nothing here trains or downloads.
CELL_TIMEOUT_SECONDS = 300


def _error_of(cell: Any, reply: dict[str, Any] | None) -> str:
    """The cell's failure in one line: the kernel's error reply, else its error output, else ''."""
    content = (reply or {}).get("content", {})
    if content.get("status", "ok") != "ok":
        return f"{content.get('ename', content.get('status'))}: {content.get('evalue', '')}"
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    return ""


def execute(path: Path, output: Path) -> dict[str, Any]:
    notebook = nbformat.read(path, as_version=4)
    replies: dict[int, dict[str, Any]] = {}

    def on_cell_executed(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        replies[cell_index] = execute_reply

    client = NotebookClient(
        notebook,
        # The python3 kernel of this venv stands in for the instance's conda_python3.
        kernel_name="python3",
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_executed=on_cell_executed,
    )
    stopped = ""
    try:
        client.execute()
    except CellExecutionError:
        pass  # the failing cell is reported below, with every cell that never ran
    except DeadKernelError as error:
        stopped = f"kernel died: {error}"
    finally:
        nbformat.write(notebook, output)
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        reply = replies.get(index)
        cell_error = _error_of(cell, reply)
        status = "not run" if reply is None else ("error" if cell_error else "ok")
        source = "".join(cell.source).strip().splitlines()
        cells.append({"index": index, "status": status, "error": cell_error, "first_line": source[0] if source else ""})
    return {"notebook": path.name, "cells": cells, "stopped": stopped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--output", type=Path, required=True, help="where to write the executed notebook")
    args = parser.parse_args()
    result = execute(args.notebook, args.output)
    print(json.dumps(result))
    return 0 if not result["stopped"] and all(cell["status"] == "ok" for cell in result["cells"]) else 1


if __name__ == "__main__":
    sys.exit(main())
