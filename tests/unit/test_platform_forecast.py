"""Platform stack wiring of the forecast endpoint: none without a forecast model; with one, the endpoint the bot
invokes by name, its output, its role reading the model in the Data stack's bucket, and the notebooks' settings."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.naming import forecast_endpoint_name
from stacks.serve_command import serve_model_command
from tests.conftest import synth_app, template_of
from tests.unit.constructs.test_sample_notebooks import deployed_settings_file

MODEL = "s3://mlstack-data-bucket/models/mlstack-forecast-1/output/model.tar.gz"


@pytest.fixture(scope="module")
def forecast() -> Any:
    return synth_app(layers="data,platform", **{"platform.forecast_model_data_url": MODEL})


def _endpoints(template: Template) -> dict[str, dict[str, Any]]:
    return {e["Properties"]["EndpointName"]: e for e in template.find_resources("AWS::SageMaker::Endpoint").values()}


def test_no_forecast_model_no_forecast_endpoint() -> None:
    assembly = synth_app(layers="data,platform")
    template = template_of(assembly, "Platform")
    assert set(_endpoints(template)) == {"mlstack-endpoint"}
    template.resource_count_is("AWS::SageMaker::Model", 1)
    assert "ForecastEndpointName" not in template.to_json()["Outputs"]
    settings = deployed_settings_file(assembly)
    # The notebook still learns the name the bot uses and how to serve a model once one is trained.
    assert settings["forecast_endpoint_name"] == "mlstack-forecast"
    assert settings["forecast_model_data_url"] == ""
    assert settings["serve_forecast_command"] + MODEL == " ".join(serve_model_command("mlstack", MODEL, "forecast"))


def test_a_forecast_model_adds_the_endpoint_the_bot_invokes_and_its_output(forecast: Any) -> None:
    template = template_of(forecast, "Platform")
    endpoints = _endpoints(template)
    assert set(endpoints) == {"mlstack-endpoint", forecast_endpoint_name("mlstack")}
    forecast_id = next(
        i
        for i, e in template.find_resources("AWS::SageMaker::Endpoint").items()
        if e["Properties"]["EndpointName"] == "mlstack-forecast"
    )
    output = template.to_json()["Outputs"]["ForecastEndpointName"]
    assert output["Value"] == {"Fn::GetAtt": [forecast_id, "EndpointName"]}
    assert MODEL in output["Description"]
    template.resource_count_is("AWS::CloudWatch::Alarm", 4)  # two per serverless endpoint
    assert deployed_settings_file(forecast)["forecast_model_data_url"] == MODEL


def test_the_forecast_role_reads_only_the_model_in_the_data_stacks_bucket(forecast: Any) -> None:
    template = template_of(forecast, "Platform")
    reads = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") == "ReadModelArchive"
    ]
    [read] = reads  # the sentiment endpoint serves the Hub model: only the forecast role reads an archive
    assert read["Action"] == "s3:GetObject"
    [bucket_arn, key] = read["Resource"]["Fn::Join"][1]
    assert bucket_arn["Fn::GetStackOutput"]["StackName"] == "Mlstack-Data"  # the data bucket, not the URL's
    assert key == "/models/mlstack-forecast-1/output/model.tar.gz"
