"""The emulator's CloudFormation accepts the forecast endpoint as the Platform stack synthesizes it (model with
script-mode environment, serverless configuration, endpoint, role, KMS-encrypted log group, alarms) and deletes
it again with nothing left."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks.config import PlatformSettings
from stacks.constructs.forecast_endpoint import SERVING_ENVIRONMENT, ForecastEndpoint
from tests.mlstack.emulator.templates import delete, deploy
from tests.unit.constructs.conftest import bare_stack

MODEL = "s3://mlstack-data-bucket/models/mlstack-forecast-1/output/model.tar.gz"


def _forecast_template() -> dict[str, Any]:
    stack = bare_stack()
    ForecastEndpoint(
        stack,
        "Forecast",
        settings=PlatformSettings(forecast_model_data_url=MODEL),
        name="emulated-forecast",
        key=kms.Key(stack, "Key"),
        data_bucket=s3.Bucket(stack, "Data"),
    )
    body = Template.from_stack(stack).to_json()
    # The CDK CLI deploys these against a bootstrapped account; a hand deploy has no bootstrap version to check.
    body.pop("Rules", None)
    body.pop("Parameters", None)
    return body


def test_the_forecast_endpoint_deploys_and_deletes_in_the_emulator(aws: Callable[[str], Any]) -> None:
    stack = deploy(aws, _forecast_template(), "forecast-endpoint")
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    sagemaker = aws("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName="emulated-forecast")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    [variant] = config["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 2}
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    assert model["PrimaryContainer"]["Environment"] == SERVING_ENVIRONMENT
    assert model["PrimaryContainer"]["ModelDataUrl"] == MODEL
    alarms = aws("cloudwatch").describe_alarms()["MetricAlarms"]
    assert sorted(a["MetricName"] for a in alarms if a["Dimensions"][0]["Value"] == "emulated-forecast") == [
        "Invocation4XXErrors",
        "Invocation5XXErrors",
    ]

    delete(aws, stack)
    assert all(e["EndpointName"] != "emulated-forecast" for e in sagemaker.list_endpoints()["Endpoints"])
    assert all(m["ModelName"] != variant["ModelName"] for m in sagemaker.list_models()["Models"])
