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


def test_four_samples_open_data_athena_endpoint_training() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_open_data_s3.ipynb",
        "02_athena_query.ipynb",
        "03_invoke_endpoint.ipynb",
        "04_train_and_deploy.ipynb",
        "05_big_data.ipynb",
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


def test_the_training_sample_runs_the_settings_job_with_the_training_role_inside_its_scope() -> None:
    from stacks.config import TrainingSettings

    code = _code(NOTEBOOKS_DIR / "04_train_and_deploy.ipynb")
    # Every training setting it reads exists.
    used = set(re.findall(r"training\[['\"](\w+)['\"]\]", code))
    assert used and used <= set(TrainingSettings.model_fields)
    estimator = re.search(r"HuggingFace\((.*?)\n\)", code, re.DOTALL)
    assert estimator is not None
    arguments = estimator.group(1)
    for expected in (
        'role=settings["training_role_arn"]',  # the training role, not the notebook's own
        'image_uri=settings["training_image"]',
        '{"torch_distributed": {"enabled": True}}',
        'use_spot_instances=training["spot"]',
        'checkpoint_s3_uri=f"s3://{bucket}/checkpoints/{job_name}/"',  # the role writes checkpoints/ only
        'output_path=f"s3://{bucket}/models/"',  # ...and models/
        'code_location=f"s3://{bucket}/training/code"',  # ...and reads training/
        "tags=tags",
    ):
        assert expected in arguments, expected
    assert "default_bucket=bucket" in code  # no SDK-created bucket: the role may not create one
    assert 'job_name = f"{prefix}-nb-train-' in code  # inside the role's <prefix>-* scope
    assert "yelp_review_polarity_csv.tgz" in code
    assert "platform.model_data_url=" in code  # how to serve the result


def test_the_training_sample_reads_the_script_where_the_data_stack_copies_it() -> None:
    from stacks.constructs.training_code import TRAINING_CODE_PREFIX

    code = _code(NOTEBOOKS_DIR / "04_train_and_deploy.ipynb")
    assert f'code_prefix = "{TRAINING_CODE_PREFIX}sentiment/"' in code
