"""InferenceEndpoint in a bare stack: the regional image, the role's exact grants, each endpoint kind's variant,
encryption and alarms on metrics that kind publishes, and the refused region."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from stacks.config import PlatformSettings, SettingsError
from stacks.constructs.inference_endpoint import InferenceEndpoint
from tests.unit.constructs.conftest import bare_stack, endpoint_alarms, statements_of

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:"
TRAINED_MODEL = "s3://mlstack-data-bucket/models/mlstack-train-1/output/model.tar.gz"


def _endpoint(region: str = "us-east-1", topic: bool = False, **settings: Any) -> tuple[InferenceEndpoint, Template]:
    stack = bare_stack(region)
    endpoint = InferenceEndpoint(
        stack,
        "Inference",
        settings=PlatformSettings(**settings),
        name="mlstack-endpoint",
        key=kms.Key(stack, "Key"),
        data_bucket=s3.Bucket(stack, "Data"),
        alarm_topic=sns.Topic(stack, "Topic") if topic else None,
    )
    return endpoint, Template.from_stack(stack)


def _only(template: Template, kind: str) -> dict[str, Any]:
    [resource] = template.find_resources(kind).values()
    return resource["Properties"]


def _ref(endpoint: InferenceEndpoint, construct: Any) -> str:
    return cdk.Stack.of(endpoint).get_logical_id(construct.node.default_child)


@pytest.fixture(scope="module")
def default() -> tuple[InferenceEndpoint, Template]:
    return _endpoint()


def test_model_uses_the_regional_hugging_face_dlc_and_the_hub_model(
    default: tuple[InferenceEndpoint, Template],
) -> None:
    endpoint, template = default
    model = _only(template, "AWS::SageMaker::Model")
    assert model["PrimaryContainer"] == {
        "Image": IMAGE + PlatformSettings().endpoint_image_tag,
        "Environment": {
            "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
            "HF_TASK": "text-classification",
        },
    }
    assert "EnableNetworkIsolation" not in model
    assert endpoint.image == IMAGE + PlatformSettings().endpoint_image_tag


def test_china_region_uses_the_china_registry() -> None:
    endpoint, _ = _endpoint("cn-north-1")
    assert endpoint.image.startswith("727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/huggingface-pytorch-inference:")


def test_role_pulls_its_image_writes_its_logs_and_its_metrics_only(default: tuple[InferenceEndpoint, Template]) -> None:
    endpoint, template = default
    statements = statements_of(template, endpoint.role)
    log_group = {"Fn::GetAtt": [_ref(endpoint, endpoint.node.find_child("Logs")), "Arn"]}
    assert statements == {
        "PullInferenceImage": {
            "Sid": "PullInferenceImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-inference",
        },
        "LogInToEcr": {"Sid": "LogInToEcr", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        "WriteEndpointLogs": {
            "Sid": "WriteEndpointLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Resource": log_group,
        },
        "PublishEndpointMetrics": {
            "Sid": "PublishEndpointMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}},
        },
    }
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/aws/sagemaker/Endpoints/mlstack-endpoint", "RetentionInDays": 30}
    )


def test_model_data_url_serves_the_trained_archive_and_reads_exactly_it() -> None:
    endpoint, template = _endpoint(model_data_url=TRAINED_MODEL)
    model = _only(template, "AWS::SageMaker::Model")
    assert model["PrimaryContainer"]["ModelDataUrl"] == TRAINED_MODEL
    assert model["PrimaryContainer"]["Environment"] == {"HF_TASK": "text-classification"}
    # Serverless endpoints do not support network isolation (SageMaker's serverless feature exclusions).
    assert "EnableNetworkIsolation" not in model
    statements = statements_of(template, endpoint.role)
    assert statements["ReadModelArchive"]["Action"] == "s3:GetObject"
    assert str(statements["ReadModelArchive"]["Resource"]).endswith("/models/mlstack-train-1/output/model.tar.gz']]}")


def test_serverless_by_default_without_kms(default: tuple[InferenceEndpoint, Template]) -> None:
    _, template = default
    config = _only(template, "AWS::SageMaker::EndpointConfig")
    [variant] = config["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 4096, "MaxConcurrency": 2}
    assert "InstanceType" not in variant
    assert "KmsKeyId" not in config
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "mlstack-endpoint"})


def test_serverless_memory_and_concurrency_are_settings() -> None:
    _, template = _endpoint(endpoint_memory_mb=3072, endpoint_max_concurrency=20)
    [variant] = _only(template, "AWS::SageMaker::EndpointConfig")["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 3072, "MaxConcurrency": 20}


def test_instance_type_makes_an_instance_backed_endpoint_with_kms() -> None:
    _, template = _endpoint(endpoint_instance_type="ml.m5.large")
    config = _only(template, "AWS::SageMaker::EndpointConfig")
    [variant] = config["ProductionVariants"]
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.m5.large", 1)
    assert "ServerlessConfig" not in variant
    [key_id] = template.find_resources("AWS::KMS::Key")
    assert config["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_instance_types_with_local_nvme_storage_get_no_kms_key() -> None:
    _, template = _endpoint(endpoint_instance_type="ml.g4dn.xlarge")
    assert "KmsKeyId" not in _only(template, "AWS::SageMaker::EndpointConfig")


@pytest.mark.parametrize(
    ("settings", "metrics"),
    [
        # Serverless endpoints publish no InvocationModelErrors (AWS's serverless monitoring page).
        ({}, ["Invocation4XXErrors", "Invocation5XXErrors"]),
        ({"endpoint_instance_type": "ml.m5.large"}, ["Invocation5XXErrors", "InvocationModelErrors"]),
    ],
)
def test_alarms_use_metrics_the_endpoint_kind_publishes(settings: dict[str, Any], metrics: list[str]) -> None:
    endpoint, template = _endpoint(**settings)
    alarms = endpoint_alarms(template, "mlstack-endpoint")
    assert sorted(alarms) == sorted(endpoint.alarm_metrics) == metrics


def test_alarms_notify_the_topic_when_given() -> None:
    _, template = _endpoint(topic=True)
    for props in endpoint_alarms(template, "mlstack-endpoint").values():
        assert props["AlarmActions"] == [{"Ref": next(iter(template.find_resources("AWS::SNS::Topic")))}]


def test_region_without_the_inference_image_is_refused_in_one_line() -> None:
    with pytest.raises(SettingsError) as error:
        _endpoint("mx-central-1")
    [line] = error.value.problems
    assert re.match(
        r"region='mx-central-1': AWS publishes no huggingface-pytorch-inference .*endpoint_enabled=false$", line
    )


def test_a_trained_model_on_an_instance_is_network_isolated() -> None:
    _, template = _endpoint(model_data_url=TRAINED_MODEL, endpoint_instance_type="ml.m5.large")
    assert _only(template, "AWS::SageMaker::Model")["EnableNetworkIsolation"] is True
