"""The forecast recipe's training settings: defaults, each bad value refused in one line, and the image tag that
follows the instance type (CPU or GPU variant of the PyTorch training container)."""

from __future__ import annotations

from typing import Any

import pytest

from stacks import deep_learning_containers as dlc
from stacks.config import SettingsError, load_settings
from tests.conftest import cdk_context


def problem_of(**overrides: Any) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(**overrides))
    [problem] = caught.value.problems
    return problem


def test_defaults_train_sentiment_and_describe_a_cpu_forecast_job() -> None:
    training = load_settings(cdk_context()).training
    assert training.recipe == "sentiment"
    assert training.instances("sentiment") == ("ml.g5.xlarge", 1)
    assert training.instances("forecast") == ("ml.m5.xlarge", 1)
    assert training.forecast_image_uri("us-east-1") == (
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.10.0-cpu-py313"
    )
    assert (training.forecast_prediction_length, training.forecast_context_length, training.forecast_epochs) == (
        7,
        0,
        20,
    )
    assert (training.forecast_backtest_windows, training.forecast_max_items, training.forecast_freq) == (4, 0, "D")


@pytest.mark.parametrize(
    ("instance_type", "tag"),
    [
        ("ml.g5.xlarge", "2.10.0-gpu-py313"),
        ("ml.g4dn.xlarge", "2.10.0-gpu-py313"),
        ("ml.p3.2xlarge", "2.10.0-gpu-py313"),
        ("ml.c5.xlarge", "2.10.0-cpu-py313"),
        ("ml.m5.large", "2.10.0-cpu-py313"),
    ],
)
def test_the_image_variant_follows_the_instance_type(instance_type: str, tag: str) -> None:
    training = load_settings(cdk_context(**{"training.forecast_instance_type": instance_type})).training
    assert training.forecast_image_tag == tag
    # The instance count stays one whatever training.instance_count says: one global model, one instance.
    assert training.instances("forecast") == (instance_type, 1)


def test_a_region_without_the_pytorch_training_image_is_a_one_line_problem() -> None:
    training = load_settings(cdk_context()).training
    assert training.region_problem("us-east-1", "forecast") is None
    problem = training.region_problem("us-isob-east-1", "forecast")
    assert problem is not None and problem.startswith(
        "region='us-isob-east-1': AWS publishes no pytorch-training Deep Learning Container"
    )
    # The sentiment recipe's image is missing elsewhere: eu-south-2 has the PyTorch image only.
    assert training.region_problem("eu-south-2", "forecast") is None
    assert training.region_problem("eu-south-2") is not None


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"training.recipe": "Forecast"},
            "training.recipe='Forecast': one of sentiment, forecast; did you mean forecast?",
        ),
        ({"training.recipe": "deepar"}, "training.recipe='deepar': one of sentiment, forecast"),
        (
            {"training.forecast_instance_type": "ml.t3.medium"},
            "training.forecast_instance_type='ml.t3.medium': not a training type mlstack knows the price of, "
            "e.g. ml.m5.xlarge",
        ),
        (
            {"training.forecast_pytorch_version": "2.8.0"},
            "training.forecast_pytorch_version='2.8.0': one of 2.10.0, e.g. 2.10.0: the images whose torch the "
            "GluonTS pin accepts (torch>=2.10)",
        ),
        (
            {"training.forecast_prediction_length": "0"},
            "training.forecast_prediction_length='0': a whole number from 1 to 366, e.g. 7",
        ),
        (
            {"training.forecast_context_length": "-1"},
            "training.forecast_context_length='-1': a whole number from 0 to 3660, e.g. 0",
        ),
        ({"training.forecast_epochs": "0"}, "training.forecast_epochs='0': a whole number from 1 to 1000, e.g. 20"),
        (
            {"training.forecast_backtest_windows": "53"},
            "training.forecast_backtest_windows='53': a whole number from 1 to 52, e.g. 4",
        ),
        ({"training.forecast_max_items": "-5"}, "training.forecast_max_items='-5': a whole number of at least 0"),
        ({"training.forecast_freq": "W"}, "training.forecast_freq='W': one of D, h, e.g. D"),
    ],
)
def test_bad_forecast_settings_are_one_line_naming_setting_value_and_rule(
    overrides: dict[str, str], expected: str
) -> None:
    problem = problem_of(**overrides)
    assert problem.startswith(expected), problem
    assert "\n" not in problem


def test_every_version_has_a_cpu_and_a_gpu_tag_and_a_torch_the_gluonts_pin_accepts() -> None:
    for version in dlc.PYTORCH_TRAINING_VERSIONS:
        assert dlc.pytorch_training_tag(version, "ml.m5.xlarge") == f"{version}-cpu-py313"
        assert dlc.pytorch_training_tag(version, "ml.g5.xlarge") == f"{version}-gpu-py313"
    assert dlc.DEFAULT_FORECAST_PYTORCH_VERSION in dlc.PYTORCH_TRAINING_VERSIONS
    # gluonts[torch]==0.17.0 (requirements-ml.txt) requires torch>=2.10: an older image's torch would be replaced.
    for version in dlc.PYTORCH_TRAINING_VERSIONS:
        assert tuple(int(part) for part in version.split(".")[:2]) >= (2, 10)
    assert not dlc.is_gpu_instance("ml.m5.xlarge") and dlc.is_gpu_instance("ml.p4d.24xlarge")
