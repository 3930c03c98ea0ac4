"""`python -m mlstack` is the `mlstack` command."""

from mlstack.cli import run

run()
