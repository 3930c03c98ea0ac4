"""The forecast endpoint's settings: defaults, one line per bad value, the CPU-only image tag, the model URL's
rules (shared with platform.model_data_url), and the region rule for its image."""

from __future__ import annotations

import pytest

from stacks import deep_learning_containers as dlc
from stacks.config import SettingsError, load_settings
from tests.conftest import cdk_context

MODEL = "s3://mlstack-data-bucket/models/mlstack-forecast-1/output/model.tar.gz"


def _problem(**overrides: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(**overrides))
    [problem] = caught.value.problems
    assert "\n" not in problem
    return problem


def test_defaults_create_no_forecast_endpoint() -> None:
    platform = load_settings(cdk_context()).platform
    assert platform.forecast_model_data_url is None and platform.forecast_model_data_bucket_and_key is None
    assert platform.forecast_image_tag == dlc.DEFAULT_PYTORCH_INFERENCE_TAG == "2.6.0-cpu-py312-ubuntu22.04-sagemaker"
    assert (platform.forecast_memory_mb, platform.forecast_max_concurrency) == (2048, 2)


def test_a_model_url_is_split_into_bucket_and_key_and_empty_clears_it() -> None:
    platform = load_settings(cdk_context(**{"platform.forecast_model_data_url": MODEL})).platform
    assert platform.forecast_model_data_bucket_and_key == (
        "mlstack-data-bucket",
        "models/mlstack-forecast-1/output/model.tar.gz",
    )
    assert (
        load_settings(cdk_context(**{"platform.forecast_model_data_url": ""})).platform.forecast_model_data_url is None
    )


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("forecast_model_data_url", "s3://my-bucket/output/model.tar.gz",
         "an s3:// URL of a model archive in the data bucket, e.g. s3://<bucket>/models/<job>/output/model.tar.gz"),
        ("forecast_model_data_url", "https://b.s3.amazonaws.com/models/a/model.tar.gz", "an s3:// URL"),
        ("forecast_model_data_url", "s3://my-bucket/models/a/model.pt", "an s3:// URL of a model archive"),
        ("forecast_memory_mb", "1500", "a whole number from 1024 to 6144 in steps of 1024, e.g. 2048"),
        ("forecast_memory_mb", "8192", "a whole number from 1024 to 6144 in steps of 1024"),
        ("forecast_max_concurrency", "0", "a whole number from 1 to 200, e.g. 2"),
        ("forecast_max_concurrency", "201", "a whole number from 1 to 200"),
    ],
)  # fmt: skip
def test_bad_values_are_one_line_naming_setting_value_and_rule(setting: str, value: str, message: str) -> None:
    problem = _problem(**{f"platform.{setting}": value})
    assert problem.startswith(f"platform.{setting}={value!r}: {message}"), problem


@pytest.mark.parametrize(
    "tag",
    [
        "2.6.0-cpu-py312-ubuntu22.04-sagemaker",
        "2.6-cpu-py312-ubuntu22.04-sagemaker-v1",
        "2.6.0-cpu-py312",
        "2.5.1-cpu-py311-ubuntu22.04-sagemaker",
    ],
)
def test_the_release_notes_cpu_tags_are_accepted(tag: str) -> None:
    assert load_settings(cdk_context(**{"platform.forecast_image_tag": tag})).platform.forecast_image_tag == tag


@pytest.mark.parametrize(
    "tag",
    [
        "2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker",  # serverless endpoints have no GPU
        "2.6.0-cpu-py312-ubuntu22.04-ec2",  # the EC2 image lacks SageMaker's inference toolkit
        "2.6.0-transformers5.5.3-cpu-py312-ubuntu22.04",  # the Hugging Face image's grammar
        "latest",
    ],
)
def test_gpu_ec2_and_other_images_tags_are_refused(tag: str) -> None:
    problem = _problem(**{"platform.forecast_image_tag": tag})
    assert problem == (
        f"platform.forecast_image_tag={tag!r}: a CPU tag of pytorch-inference (serverless has no GPU), "
        f"e.g. {dlc.DEFAULT_PYTORCH_INFERENCE_TAG}"
    )


def test_a_model_outside_the_adopted_data_bucket_is_refused() -> None:
    url = "s3://other-bucket/models/f/model.tar.gz"
    problem = _problem(**{"data.existing_bucket_name": "kept-bucket", "platform.forecast_model_data_url": url})
    assert problem == (
        f"platform.forecast_model_data_url={url!r}: not in the data bucket data.existing_bucket_name='kept-bucket'; "
        "use s3://kept-bucket/models/f/model.tar.gz"
    )


def test_a_region_without_the_pytorch_inference_image_is_refused_only_with_a_forecast_model() -> None:
    # us-iso-east-1 has the Hugging Face inference image but no pytorch-inference (stacks/deep_learning_containers.py)
    assert load_settings(cdk_context(region="us-iso-east-1")).platform.forecast_model_data_url is None
    problem = _problem(region="us-iso-east-1", **{"platform.forecast_model_data_url": MODEL})
    assert problem.startswith("region='us-iso-east-1': AWS publishes no pytorch-inference Deep Learning Container")
    assert problem.endswith("; deploy to one (-c region=...) or leave platform.forecast_model_data_url unset")
