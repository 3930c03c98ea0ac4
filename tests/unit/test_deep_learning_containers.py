"""The Deep Learning Container table: accounts, partitions, per-repository regions, tag grammar, and the
settings rules built on it. CDK-free: no synth."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from stacks import deep_learning_containers as dlc
from stacks.config import SettingsError, image_region_problems, load_settings

MODULE = Path(dlc.__file__)


def test_the_module_imports_nothing_from_the_cdk() -> None:
    tree = ast.parse(MODULE.read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not [m for m in imported if m and (m.startswith("aws_cdk") or m.startswith("constructs"))]


@pytest.mark.parametrize(
    ("region", "account"),
    [
        ("af-south-1", "626614931356"),
        ("ap-northeast-3", "364406365360"),
        ("il-central-1", "780543022126"),
        ("ca-west-1", "204538143572"),
        ("us-east-1", "763104351884"),
        ("ap-east-1", "871362719292"),
        ("cn-north-1", "727897471807"),
        ("us-gov-west-1", "442386744353"),
        ("xx-nowhere-1", None),
    ],
)
def test_accounts_are_the_sagemaker_sdks(region: str, account: str | None) -> None:
    assert dlc.account(region) == account


@pytest.mark.parametrize(
    ("region", "uri"),
    [
        ("us-east-1", "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:t"),
        ("cn-northwest-1", "727897471807.dkr.ecr.cn-northwest-1.amazonaws.com.cn/huggingface-pytorch-inference:t"),
        ("us-gov-east-1", "446045086412.dkr.ecr.us-gov-east-1.amazonaws.com/huggingface-pytorch-inference:t"),
    ],
)
def test_image_uri_uses_the_partitions_registry_domain(region: str, uri: str) -> None:
    assert dlc.image_uri(dlc.HUGGINGFACE_INFERENCE, region, "t") == uri


def test_repository_arns_name_the_partition() -> None:
    assert dlc.repository_arn(dlc.PYTORCH_TRAINING, "cn-north-1") == (
        "arn:aws-cn:ecr:cn-north-1:727897471807:repository/pytorch-training"
    )
    assert dlc.repository_arn(dlc.HUGGINGFACE_TRAINING, "us-east-1") == (
        "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-training"
    )


@pytest.mark.parametrize("region", ["ap-south-2", "ap-southeast-4", "eu-central-2", "eu-south-2"])
def test_the_training_image_is_missing_where_the_inference_image_exists(region: str) -> None:
    assert dlc.available(dlc.HUGGINGFACE_INFERENCE, region)
    assert not dlc.available(dlc.HUGGINGFACE_TRAINING, region)
    with pytest.raises(LookupError):
        dlc.image_uri(dlc.HUGGINGFACE_TRAINING, region, dlc.DEFAULT_TRAINING_TAG)


def test_pytorch_repositories_for_cpu_recipes_are_listed() -> None:
    assert {dlc.PYTORCH_TRAINING, dlc.PYTORCH_INFERENCE} <= set(dlc.REPOSITORIES)
    assert dlc.available(dlc.PYTORCH_INFERENCE, "us-east-1")
    assert not dlc.available(dlc.PYTORCH_INFERENCE, "us-iso-east-1")


def test_every_region_of_a_repository_has_an_account() -> None:
    for regions in dlc.REPOSITORY_REGIONS.values():
        assert regions <= set(dlc.ACCOUNTS)


@pytest.mark.parametrize(
    "tag",
    [
        dlc.DEFAULT_INFERENCE_TAG,
        "2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04",
        "2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04",
        "2.11.0-transformers5.13.1-cpu-py312-amzn2023-sagemaker",
    ],
)
def test_inference_tag_grammar_accepts_the_tables_tags(tag: str) -> None:
    assert load_settings({"platform.endpoint_image_tag": tag}, "us-east-1").platform.endpoint_image_tag == tag


@pytest.mark.parametrize(
    "tag",
    [
        dlc.DEFAULT_TRAINING_TAG,
        "2.5.1-transformers4.49.0-gpu-py311-cu124-ubuntu22.04",
        "2.8.0-transformers4.56.2-gpu-py312-cu129-ubuntu22.04",
        "2.11.0-transformers5.13.1-gpu-py312-cu130-amzn2023-sagemaker",
    ],
)
def test_training_tag_grammar_accepts_the_tables_tags(tag: str) -> None:
    settings = load_settings({"training.image_tag": tag}, "us-east-1")
    assert settings.training.image_tag == tag
    assert settings.training.framework_versions[0] == tag.split("-", 1)[0]


@pytest.mark.parametrize(
    ("key", "tag"),
    [
        ("platform.endpoint_image_tag", "latest"),
        ("platform.endpoint_image_tag", "2.6.0-transformers4.51.3-gpu-py312-cu124-ubuntu22.04"),
        ("platform.endpoint_image_tag", "2.6.0-transformers4.51.3-cpu-py312-windows11"),
        ("platform.endpoint_image_tag", "2.6.0-cpu-py312-ubuntu22.04; rm -rf /"),
        ("training.image_tag", "2.9.0-transformers5.3.0-cpu-py312-ubuntu22.04"),
        ("training.image_tag", "2.9.0-transformers5.3.0-gpu-py312-ubuntu22.04"),
        ("training.image_tag", "garbage"),
    ],
)
def test_tag_validators_refuse_garbage_in_one_line(key: str, tag: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({key: tag}, "us-east-1")
    [line] = error.value.problems
    assert line.startswith(f"{key}=") and "e.g." in line


def test_defaults_are_the_newest_tags_of_the_tables() -> None:
    settings = load_settings({}, "us-east-1")
    assert settings.platform.endpoint_image_tag == "2.6.0-transformers5.5.3-cpu-py312-ubuntu22.04"
    assert settings.training.image_tag == "2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04"


def test_an_enabled_endpoint_in_a_region_without_its_image_is_one_line() -> None:
    settings = load_settings({}, "us-east-1")
    [line] = image_region_problems(settings, "mx-central-1")
    assert line.startswith("region='mx-central-1': AWS publishes no huggingface-pytorch-inference")
    assert line.endswith("or set -c platform.endpoint_enabled=false")
    disabled = load_settings({"platform.endpoint_enabled": "false"}, "us-east-1")
    assert image_region_problems(disabled, "mx-central-1") == []
    data_only = load_settings({"layers": "data"}, "us-east-1")
    assert image_region_problems(data_only, "mx-central-1") == []


def test_a_training_job_in_a_region_without_the_training_image_is_one_line() -> None:
    training = load_settings({}, "us-east-1").training
    assert training.region_problem("eu-west-1") is None
    problem = training.region_problem("eu-south-2")
    assert problem is not None and "\n" not in problem
    assert problem.startswith("region='eu-south-2': AWS publishes no huggingface-pytorch-training")
    assert "eu-south-1" in problem  # a nearby region that has it


def test_cdk_json_names_the_same_default_tags() -> None:
    from tests.conftest import cdk_context

    settings = load_settings(cdk_context(), "us-east-1")
    assert settings.platform.endpoint_image_tag == dlc.DEFAULT_INFERENCE_TAG
    assert settings.training.image_tag == dlc.DEFAULT_TRAINING_TAG
