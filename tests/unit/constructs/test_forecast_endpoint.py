"""ForecastEndpoint in a bare stack: serverless on the PyTorch inference DLC of the stack's region and partition,
script-mode environment, a role that reads exactly its model archive, alarms on metrics serverless endpoints
publish, its log group destroyed with the stack, nag clean."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from stacks.config import PlatformSettings, SettingsError
from stacks.constructs.forecast_endpoint import ForecastEndpoint
from tests.unit.constructs.conftest import bare_stack, endpoint_alarms, statements_of

MODEL = "s3://mlstack-data-bucket/models/mlstack-forecast-1/output/model.tar.gz"
TAG = "2.6.0-cpu-py312-ubuntu22.04-sagemaker"


def _endpoint(
    region: str = "us-east-1", *, topic: bool = False, bucket_key: bool = False, **settings: Any
) -> tuple[ForecastEndpoint, Template]:
    stack = bare_stack(region)
    key = kms.Key(stack, "Key")
    bucket = (
        s3.Bucket(stack, "Data", encryption=s3.BucketEncryption.KMS, encryption_key=kms.Key(stack, "DataKey"))
        if bucket_key
        else s3.Bucket(stack, "Data")
    )
    endpoint = ForecastEndpoint(
        stack,
        "Forecast",
        settings=PlatformSettings(**{"forecast_model_data_url": MODEL, **settings}),
        name="mlstack-forecast",
        key=key,
        data_bucket=bucket,
        alarm_topic=sns.Topic(stack, "Topic") if topic else None,
    )
    return endpoint, Template.from_stack(stack)


def _only(template: Template, kind: str) -> dict[str, Any]:
    [resource] = template.find_resources(kind).values()
    return resource


def _id(construct: Any) -> str:
    return cdk.Stack.of(construct).get_logical_id(construct.node.default_child)


@pytest.fixture(scope="module")
def default() -> tuple[ForecastEndpoint, Template]:
    return _endpoint()


def test_model_serves_the_archive_with_its_own_code_on_the_pytorch_inference_dlc(
    default: tuple[ForecastEndpoint, Template],
) -> None:
    endpoint, template = default
    model = _only(template, "AWS::SageMaker::Model")["Properties"]
    image = f"763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:{TAG}"
    assert model["PrimaryContainer"] == {
        "Image": image,
        "ModelDataUrl": MODEL,
        "Environment": {
            "SAGEMAKER_PROGRAM": "inference.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            "SAGEMAKER_MODEL_SERVER_WORKERS": "1",
        },
    }
    # Serverless endpoints do not support network isolation (SageMaker's feature exclusions): none is set.
    assert "EnableNetworkIsolation" not in model
    assert endpoint.image == image


@pytest.mark.parametrize(
    ("region", "image"),
    [
        ("eu-west-1", f"763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:{TAG}"),
        ("af-south-1", f"626614931356.dkr.ecr.af-south-1.amazonaws.com/pytorch-inference:{TAG}"),
        ("cn-north-1", f"727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/pytorch-inference:{TAG}"),
        ("us-gov-west-1", f"442386744353.dkr.ecr.us-gov-west-1.amazonaws.com/pytorch-inference:{TAG}"),
    ],
)
def test_image_and_pull_grant_follow_the_region_and_partition(region: str, image: str) -> None:
    endpoint, template = _endpoint(region)
    assert _only(template, "AWS::SageMaker::Model")["Properties"]["PrimaryContainer"]["Image"] == image
    account = image.split(".", maxsplit=1)[0]
    partition = {"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"}.get(region, "aws")
    pull = statements_of(template, endpoint.role)["PullInferenceImage"]
    assert pull["Resource"] == f"arn:{partition}:ecr:{region}:{account}:repository/pytorch-inference"


def test_image_tag_is_a_setting() -> None:
    endpoint, _ = _endpoint(forecast_image_tag="2.5.1-cpu-py311-ubuntu22.04-sagemaker")
    assert endpoint.image.endswith("/pytorch-inference:2.5.1-cpu-py311-ubuntu22.04-sagemaker")


def test_serverless_with_default_memory_and_concurrency_and_the_fixed_name(
    default: tuple[ForecastEndpoint, Template],
) -> None:
    _, template = default
    config = _only(template, "AWS::SageMaker::EndpointConfig")["Properties"]
    [variant] = config["ProductionVariants"]
    assert variant == {
        "ModelName": {"Fn::GetAtt": [next(iter(template.find_resources("AWS::SageMaker::Model"))), "ModelName"]},
        "VariantName": "AllTraffic",
        "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 2},
    }
    assert "KmsKeyId" not in config  # SageMaker rejects a key for serverless variants
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "mlstack-forecast"})


def test_memory_and_concurrency_are_settings() -> None:
    _, template = _endpoint(forecast_memory_mb=6144, forecast_max_concurrency=200)
    [variant] = _only(template, "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 6144, "MaxConcurrency": 200}


def test_the_sentiment_endpoints_instance_type_does_not_make_this_one_instance_backed() -> None:
    _, template = _endpoint(endpoint_instance_type="ml.m5.large")
    [variant] = _only(template, "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"]
    assert "InstanceType" not in variant and "ServerlessConfig" in variant


def test_role_pulls_its_image_reads_exactly_the_model_object_and_writes_its_logs_and_metrics(
    default: tuple[ForecastEndpoint, Template],
) -> None:
    endpoint, template = default
    statements = statements_of(template, endpoint.role)
    assert statements == {
        "PullInferenceImage": {
            "Sid": "PullInferenceImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": "arn:aws:ecr:us-east-1:763104351884:repository/pytorch-inference",
        },
        "LogInToEcr": {"Sid": "LogInToEcr", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        "WriteEndpointLogs": {
            "Sid": "WriteEndpointLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": [_id(endpoint.node.find_child("Logs")), "Arn"]},
        },
        "PublishEndpointMetrics": {
            "Sid": "PublishEndpointMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}},
        },
        "ReadModelArchive": {
            "Sid": "ReadModelArchive",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            # The data bucket's ARN and exactly the configured key: no prefix, no wildcard.
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        {"Fn::GetAtt": [next(iter(template.find_resources("AWS::S3::Bucket"))), "Arn"]},
                        "/models/mlstack-forecast-1/output/model.tar.gz",
                    ],
                ]
            },
        },
    }


def test_a_kms_encrypted_data_bucket_adds_decrypt_with_its_key_only() -> None:
    endpoint, template = _endpoint(bucket_key=True)
    statements = statements_of(template, endpoint.role)
    [decrypt] = [s for s in statements.values() if s["Action"] == "kms:Decrypt"]
    data_key = cdk.Stack.of(endpoint).get_logical_id(endpoint.node.scope.node.find_child("DataKey").node.default_child)
    assert decrypt["Resource"] == {"Fn::GetAtt": [data_key, "Arn"]}
    assert set(statements) - {"PullInferenceImage", "LogInToEcr", "WriteEndpointLogs", "PublishEndpointMetrics"} == {
        "ReadModelArchive",
        next(sid for sid, s in statements.items() if s is decrypt),
    }


def test_log_group_is_named_for_the_endpoint_kept_30_days_and_destroyed_with_the_stack(
    default: tuple[ForecastEndpoint, Template],
) -> None:
    endpoint, template = default
    [key_id] = [k for k in template.find_resources("AWS::KMS::Key")]
    log_group = _only(template, "AWS::Logs::LogGroup")
    assert log_group["Properties"] == {
        "LogGroupName": "/aws/sagemaker/Endpoints/mlstack-forecast",
        "RetentionInDays": 30,
        "KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert (log_group["DeletionPolicy"], log_group["UpdateReplacePolicy"]) == ("Delete", "Delete")
    # The endpoint waits for its log group, so SageMaker never creates one the stack does not own.
    assert _id(endpoint.node.find_child("Logs")) in _only(template, "AWS::SageMaker::Endpoint")["DependsOn"]


def test_alarms_watch_the_errors_serverless_endpoints_publish(default: tuple[ForecastEndpoint, Template]) -> None:
    endpoint, template = default
    alarms = endpoint_alarms(template, "mlstack-forecast")
    # Serverless endpoints publish no InvocationModelErrors (AWS's serverless monitoring page): a handler's
    # failure shows as a 4XX (ModelError) or 5XX answer.
    assert sorted(alarms) == sorted(endpoint.alarm_metrics) == ["Invocation4XXErrors", "Invocation5XXErrors"]
    assert all("AlarmActions" not in props for props in alarms.values())


def test_alarms_notify_the_topic_when_given() -> None:
    _, template = _endpoint(topic=True)
    topic = {"Ref": next(iter(template.find_resources("AWS::SNS::Topic")))}
    alarms = endpoint_alarms(template, "mlstack-forecast")
    assert [props["AlarmActions"] for props in alarms.values()] == [[topic], [topic]]


def test_without_a_model_there_is_nothing_to_serve() -> None:
    stack = bare_stack()
    with pytest.raises(ValueError, match="forecast_model_data_url"):
        ForecastEndpoint(
            stack,
            "Forecast",
            settings=PlatformSettings(),
            name="x",
            key=kms.Key(stack, "K"),
            data_bucket=s3.Bucket(stack, "B"),
        )


def test_a_region_without_the_pytorch_inference_image_is_refused_in_one_line() -> None:
    with pytest.raises(SettingsError) as error:
        _endpoint("us-iso-east-1")
    [line] = error.value.problems
    assert line.startswith("region='us-iso-east-1': AWS publishes no pytorch-inference Deep Learning Container")
    assert line.endswith("or leave platform.forecast_model_data_url unset")


@pytest.mark.parametrize("topic", [False, True])
def test_nag_packs_pass(topic: bool) -> None:
    endpoint, _ = _endpoint(topic=topic)
    app = endpoint.node.root
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app))  # type: ignore[arg-type]
    app.synth()  # type: ignore[attr-defined]  # fails on an unacknowledged finding
