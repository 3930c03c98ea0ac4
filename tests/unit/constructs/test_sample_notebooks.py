"""Sample notebooks: valid notebooks whose code compiles and reads only settings the stack writes."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from mlstack.ops import settings as ops_settings
from stacks import deep_learning_containers as dlc
from stacks.constructs.sample_notebooks import NOTEBOOKS_DIR, SETTINGS_FILE, SampleNotebooks
from stacks.serve_command import serve_model_command
from tests.conftest import cdk_context, synth_app

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def _code(path: Path) -> str:
    notebook = json.loads(path.read_text())
    assert notebook["nbformat"] == 4
    assert notebook["metadata"]["kernelspec"]["name"] == "conda_python3"
    cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in cells)  # shipped clean
    return "\n".join("".join(cell["source"]) for cell in cells)


def test_six_samples_open_data_athena_endpoint_training_big_data_forecast() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_open_data_s3.ipynb",
        "02_athena_query.ipynb",
        "03_invoke_endpoint.ipynb",
        "04_train_and_deploy.ipynb",
        "05_big_data.ipynb",
        "06_forecast.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_compiles_and_uses_only_settings_the_stack_writes(path: Path) -> None:
    from app import create_app

    code = _code(path)
    ast.parse(code)
    app, _ = create_app(cdk_context(layers="data,platform"))
    samples = app.node.find_child("Mlstack-Platform").node.find_child("Samples")
    assert isinstance(samples, SampleNotebooks)
    written = samples.notebook_settings
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
    assert used and used <= {*TrainingSettings.model_fields, "effective_max_wait_minutes"}
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
    # How to serve the result: the command `mlstack train` prints, from the settings file.
    assert 'print(settings["serve_model_command"] + model_data_url)' in code


def test_the_training_sample_reads_the_script_where_the_data_stack_copies_it() -> None:
    from stacks.constructs.training_code import TRAINING_CODE_PREFIX

    code = _code(NOTEBOOKS_DIR / "04_train_and_deploy.ipynb")
    assert f'code_prefix = "{TRAINING_CODE_PREFIX}sentiment/"' in code


SDK_PIN = re.search(r"^sagemaker==(\S+)$", (NOTEBOOKS_DIR.parent / "requirements-notebooks.txt").read_text(), re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_cell_checks_the_pinned_sdk_and_prints_the_pip_command(path: Path) -> None:
    assert SDK_PIN is not None
    first = "".join(next(c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")["source"])
    assert f'SAGEMAKER_SDK = "{SDK_PIN.group(1)}"' in first  # the version make test-notebooks runs them with
    assert '%pip install "sagemaker=={SAGEMAKER_SDK}"' in first
    assert first.index("SAGEMAKER_SDK") < first.index("mlstack.json")


def test_the_endpoint_sample_deletes_what_it_created_in_a_finally_block() -> None:
    tree = ast.parse(_code(NOTEBOOKS_DIR / "03_invoke_endpoint.ipynb"))
    [block] = [node for node in ast.walk(tree) if isinstance(node, ast.Try) and node.finalbody]
    body = ast.unparse(ast.Module(body=block.body, type_ignores=[]))
    final = ast.unparse(ast.Module(body=block.finalbody, type_ignores=[]))
    for create, delete in (
        ("create_model", "delete_model"),
        ("create_endpoint_config", "delete_endpoint_config"),
        ("create_endpoint", "delete_endpoint"),
    ):
        # Each delete is registered right after its create succeeded, and the finally block runs them all.
        assert body.index(f"{create}(") < body.index(f"cleanup.append(lambda: sagemaker.{delete}(")
    assert "for delete in reversed(cleanup):\n    delete()" in final
    assert "get_waiter('endpoint_in_service').wait(" in body  # a failed wait still cleans up


def test_the_open_data_sample_says_why_a_dataset_cannot_be_read() -> None:
    code = _code(NOTEBOOKS_DIR / "01_open_data_s3.ipynb")
    for reason in ("NoSuchBucket", "AccessDenied", 'page.get("Contents", [])', "no objects under"):
        assert reason in code, reason
    assert '["Contents"]' not in code  # an empty prefix has no Contents key


# ---- the settings file of a default deploy, as synthesized


def _keys_read(code: str) -> tuple[set[str], set[str]]:
    """The keys the code reads from `settings` and from `training` (settings["training"]): subscripts with a
    string and `.get("...")` calls."""
    read: dict[str, set[str]] = {"settings": set(), "training": set()}
    for node in ast.walk(ast.parse(code)):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in read
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            read[node.value.id].add(node.slice.value)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in read
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            read[node.func.value.id].add(node.args[0].value)
    return read["settings"], read["training"]


def deployed_settings_file(assembly: Any = None) -> dict[str, Any]:
    """mlstack.json as a synth (default: of the default settings) packs it for the Platform stack's
    BucketDeployment (tokens as markers)."""
    assembly = assembly or synth_app()
    template = assembly.get_stack_by_name("Mlstack-Platform").template
    [deployment] = [r for r in template["Resources"].values() if r["Type"] == "Custom::CDKBucketDeployment"]
    folders = [
        Path(assembly.directory) / f"asset.{key.removesuffix('.zip')}"
        for key in deployment["Properties"]["SourceObjectKeys"]
    ]
    [path] = [folder / SETTINGS_FILE for folder in folders if (folder / SETTINGS_FILE).is_file()]
    settings: dict[str, Any] = json.loads(path.read_text())
    return settings


def test_a_default_deploys_settings_file_has_every_key_the_notebooks_read() -> None:
    written = deployed_settings_file()
    read_settings: set[str] = set()
    read_training: set[str] = set()
    for path in NOTEBOOKS:
        settings_keys, training_keys = _keys_read(_code(path))
        read_settings |= settings_keys
        read_training |= training_keys
    assert {"data_bucket", "training", "serve_model_command"} <= read_settings  # the parse found them
    assert read_settings <= set(written), read_settings - set(written)
    assert read_training <= set(written["training"]), read_training - set(written["training"])


def test_settings_whose_value_is_none_are_written_as_null_not_dropped() -> None:
    training = deployed_settings_file()["training"]
    assert "max_wait_minutes" in training and training["max_wait_minutes"] is None  # the default
    assert training["effective_max_wait_minutes"] == 2 * training["max_runtime_minutes"]


def test_the_settings_file_carries_the_serve_command_mlstack_train_prints() -> None:
    written = deployed_settings_file()
    url = "s3://bucket/models/job/output/model.tar.gz"
    assert written["serve_model_command"] + url == " ".join(serve_model_command("mlstack", url))


def test_the_settings_file_carries_the_forecast_jobs_image_requirements_and_serve_command() -> None:
    written = deployed_settings_file()
    settings = ops_settings.load({})
    assert written["forecast_training_image"] == settings.training.forecast_image_uri("us-east-1")
    assert written["forecast_job_requirements"] == dlc.forecast_job_requirements()  # what `mlstack train` ships
    assert written["forecast_inference_image"].endswith(f"/pytorch-inference:{settings.platform.forecast_image_tag}")
    url = "s3://bucket/models/job/output/model.tar.gz"
    assert written["serve_forecast_command"] + url == " ".join(serve_model_command("mlstack", url, recipe="forecast"))
