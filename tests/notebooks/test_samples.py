"""Every sample notebook, executed cell by cell against the app deployed in the emulator (`make test-notebooks`).

The notebooks and their settings file come from the deployed `notebooks/` prefix of the data bucket, exactly as
the notebook instance copies them; they run in .venv-notebooks (requirements-notebooks.txt: what the
instance's conda_python3 kernel holds for them) with the emulated account's endpoint and credentials. Each is
seeded first with what the emulator cannot know (tests/notebooks/seeds.py) and unseeded after it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlstack.paths import ROOT
from stacks.constructs.sample_notebooks import NOTEBOOKS_DIR
from tests.notebooks.emulated_app import EmulatedApp, client_environment, kept_app
from tests.notebooks.seeds import GHCN_BUCKET, SEED_ENVIRONMENT, SEEDS

KERNEL_PYTHON = ROOT / ".venv-notebooks" / "bin" / "python"
EXECUTE = Path(__file__).with_name("execute.py")
SAMPLES = sorted(path.name for path in NOTEBOOKS_DIR.glob("*.ipynb"))
# Four kernels, each with its cells on the emulator: a few minutes at most.
NOTEBOOK_TIMEOUT_SECONDS = 900


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatedApp]:
    if not KERNEL_PYTHON.exists():
        pytest.fail(f"{KERNEL_PYTHON} is missing: run `make test-notebooks`, which installs requirements-notebooks.txt")
    log = tmp_path_factory.mktemp("local") / "mlstack-local.log"
    yield from kept_app(log)


@pytest.fixture(scope="module")
def deployed(app: EmulatedApp, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The folder holding the deployed samples and settings file, and those settings."""
    folder = tmp_path_factory.mktemp("samples")
    return folder, app.download_samples(folder)


def test_the_deployed_prefix_holds_every_sample_of_the_repository(deployed: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = deployed
    assert sorted(path.name for path in folder.glob("*.ipynb")) == SAMPLES


# The SDK's defaults file (SAGEMAKER_USER_CONFIG_OVERRIDE): no usage telemetry, which it would send to AWS.
SDK_CONFIG = """SchemaVersion: '1.0'
SageMaker:
  PythonSDK:
    Modules:
      TelemetryOptOut: true
"""
# Anything that still tries a host other than the emulator meets a closed loopback port, never the internet.
NOWHERE = "http://127.0.0.1:9"


def kernel_environment(app: EmulatedApp, workdir: Path) -> dict[str, str]:
    """This process's environment without its AWS settings and the project's code path, plus the emulated
    account's: what the notebook's kernel and the SDK read."""
    kept = {k: v for k, v in os.environ.items() if not k.upper().startswith(("AWS_", "PYTHONPATH", "VIRTUAL_ENV"))}
    kept = {k: v for k, v in kept.items() if not k.lower().endswith("_proxy")}
    config = workdir / "sagemaker-config.yaml"
    config.write_text(SDK_CONFIG)
    return {
        **kept,
        **app.env,
        "AWS_EC2_METADATA_DISABLED": "true",
        "SAGEMAKER_USER_CONFIG_OVERRIDE": str(config),
        "HTTP_PROXY": NOWHERE,
        "HTTPS_PROXY": NOWHERE,
        "NO_PROXY": "localhost,127.0.0.1",
    }


def execute(notebook: Path, output: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """execute.py's report on `notebook` run in the kernel venv, from the notebook's folder; the executed copy
    goes to `output`."""
    run = subprocess.run(
        [str(KERNEL_PYTHON), str(EXECUTE), str(notebook), "--output", str(output)],
        cwd=notebook.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=NOTEBOOK_TIMEOUT_SECONDS,
        check=False,
    )
    assert run.stdout.strip(), f"{notebook.name}: the executor printed nothing:\n{run.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    assert (run.returncode == 0) == (not result["stopped"] and all(c["status"] == "ok" for c in result["cells"]))
    return result


@pytest.mark.parametrize("name", SAMPLES)
def test_every_code_cell_of_the_sample_runs(
    name: str, app: EmulatedApp, deployed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder, settings = deployed
    notebook = folder / name
    seed = SEEDS.get(notebook.stem)
    undo = seed(app, settings, tmp_path, notebook) if seed else None
    try:
        env = {**kernel_environment(app, tmp_path), **SEED_ENVIRONMENT.get(notebook.stem, {})}
        result = execute(notebook, tmp_path / name, env)
    finally:
        if undo:
            undo()  # before the leftovers check, whatever happened
    failed = [cell for cell in result["cells"] if cell["status"] != "ok"]
    report = "\n".join(f"  cell {c['index']} ({c['first_line']}): {c['status']} {c['error']}" for c in failed)
    assert not result["stopped"] and not failed, (
        f"{name}: {result['stopped'] or f'{len(failed)} cell(s) failed'} (executed copy: {tmp_path / name})\n{report}"
    )
    assert result["cells"], f"{name} has no code cell"


@pytest.mark.parametrize(
    ("bucket_exists", "reason"),
    [
        (False, "cannot read s3://noaa-ghcn-pds/parquet/by_year/YEAR=2023/ELEMENT=TMAX/: the bucket does not exist"),
        (True, "no objects under s3://noaa-ghcn-pds/parquet/by_year/YEAR=2023/ELEMENT=TMAX/: the dataset's layout"),
    ],
    ids=["no bucket", "empty prefix"],
)
def test_the_open_data_sample_says_why_the_dataset_cannot_be_read(
    bucket_exists: bool, reason: str, app: EmulatedApp, deployed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder, _ = deployed
    s3 = app.client("s3")
    if bucket_exists:
        s3.create_bucket(Bucket=GHCN_BUCKET)
    try:
        result = execute(folder / "01_open_data_s3.ipynb", tmp_path / "01.ipynb", kernel_environment(app, tmp_path))
    finally:
        if bucket_exists:
            s3.delete_bucket(Bucket=GHCN_BUCKET)
    [failed] = [cell for cell in result["cells"] if cell["status"] == "error"]
    assert failed["error"].startswith(f"DatasetUnavailable: {reason}")


def _notebook(path: Path, *sources: str) -> Path:
    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "id": f"c{i}", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
        for i, s in enumerate(sources)
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernel}, "cells": cells}
    path.write_text(json.dumps(notebook))
    return path


def test_the_executor_fails_a_cell_whose_error_a_handler_printed_instead_of_raising(tmp_path: Path) -> None:
    # Like an SDK's exception handler: the error is printed, no error output is recorded, the reply says error.
    handler = "get_ipython().set_custom_exc((ValueError,), lambda *args, **kwargs: print('handled'))"
    notebook = _notebook(tmp_path / "handled.ipynb", handler, "raise ValueError('job failed')", "print('never')")
    result = execute(notebook, tmp_path / "out.ipynb")
    cells = result["cells"]
    assert [cell["status"] for cell in cells] == ["ok", "error", "not run"]
    executed = json.loads((tmp_path / "out.ipynb").read_text())["cells"][1]
    assert not [output for output in executed["outputs"] if output["output_type"] == "error"]


def test_every_seed_names_a_sample() -> None:
    assert set(SEEDS) <= {Path(name).stem for name in SAMPLES}  # a misspelt stem would seed nothing


@pytest.mark.parametrize(
    "printed",
    [
        # Fixed dummy credentials, and per-run random ones with a session token, as `mlstack local --keep` prints.
        "  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 /x/mlstack chat --web "
        "--endpoint-url http://localhost:4566\nPress Enter here to destroy it and finish the round trip.\n",
        "  AWS_ACCESS_KEY_ID=AKIA0RUN AWS_SECRET_ACCESS_KEY=s3cr3t AWS_SESSION_TOKEN=t0k AWS_REGION=us-east-1 "
        "/x/mlstack chat --web --endpoint-url http://localhost:4566\n",
    ],
    ids=["dummy", "per-run"],
)
def test_the_emulated_accounts_environment_is_read_from_what_local_keep_prints(printed: str) -> None:
    env = client_environment(printed)
    assert env["AWS_ENDPOINT_URL"] == "http://localhost:4566"
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] in printed and env["AWS_SECRET_ACCESS_KEY"] in printed
    assert ("AWS_SESSION_TOKEN" in env) == ("AWS_SESSION_TOKEN=" in printed)


def test_nothing_printed_about_credentials_is_an_error() -> None:
    with pytest.raises(ValueError, match="AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"):
        client_environment("--endpoint-url http://localhost:4566\n")
