"""The serve command: per recipe, the Platform stack of the prefix and the setting that points its endpoint at
the trained model; the argv `mlstack cdk deploy` parses."""

from __future__ import annotations

import pytest

from stacks.serve_command import serve_model_command

URL = "s3://mlstack-data-bucket/models/job-1/output/model.tar.gz"


def test_sentiment_is_the_default_and_sets_the_sentiment_endpoints_model() -> None:
    assert serve_model_command("team-a", URL) == [
        "mlstack", "cdk", "deploy", "Team-A-Platform", "--prefix", "team-a", "-c", f"platform.model_data_url={URL}",
    ]  # fmt: skip
    assert serve_model_command("team-a", URL) == serve_model_command("team-a", URL, recipe="sentiment")


def test_forecast_sets_the_forecast_model_which_creates_the_forecast_endpoint() -> None:
    assert serve_model_command("mlstack", URL, recipe="forecast")[-2:] == [
        "-c",
        f"platform.forecast_model_data_url={URL}",
    ]
    assert serve_model_command("mlstack", URL, recipe="forecast")[:4] == [
        "mlstack",
        "cdk",
        "deploy",
        "Mlstack-Platform",
    ]


def test_without_a_url_the_setting_is_left_open_for_the_caller_to_complete() -> None:
    assert serve_model_command("mlstack", recipe="forecast")[-1] == "platform.forecast_model_data_url="
    assert serve_model_command("mlstack")[-1] == "platform.model_data_url="


def test_an_unknown_recipe_is_refused() -> None:
    with pytest.raises(ValueError, match=r"recipe='chronos': one of sentiment, forecast"):
        serve_model_command("mlstack", URL, recipe="chronos")  # type: ignore[arg-type]


def test_the_command_is_accepted_by_the_settings_it_sets() -> None:
    from stacks.config import load_settings
    from tests.conftest import cdk_context

    for recipe, attribute in (("sentiment", "model_data_url"), ("forecast", "forecast_model_data_url")):
        setting = serve_model_command("mlstack", URL, recipe=recipe)[-1]  # type: ignore[arg-type]
        key, _, value = setting.partition("=")
        assert getattr(load_settings(cdk_context(**{key: value})).platform, attribute) == URL
