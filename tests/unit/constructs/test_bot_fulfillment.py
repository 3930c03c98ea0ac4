"""BotFulfillment in a bare stack: the Lex fulfillment function's defaults, its environment contract, exactly the
grants its intents need (with and without the SageMaker endpoints), and the refused combinations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks.api_services_stack import FULFILLMENT_CODE_DIR
from stacks.config import ApiServicesSettings
from stacks.constructs.bot_fulfillment import BotFulfillment
from tests.conftest import load_file_module
from tests.unit.constructs.conftest import bare_stack

ENDPOINT_NAME = "mlstack-sentiment"
ENDPOINT_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{ENDPOINT_NAME}"
# SageMaker endpoint ARNs carry the name in lower case.
FORECAST_ENDPOINT_ARN = str(
    {"Fn::Join": ["", ["arn:aws:sagemaker:us-east-1:", {"Ref": "AWS::AccountId"}, ":endpoint/team-forecast"]]}
)


def _fulfillment(code_dir: Path = FULFILLMENT_CODE_DIR, **kwargs: Any) -> tuple[BotFulfillment, Template]:
    stack = bare_stack()
    props: dict[str, Any] = {
        "settings": ApiServicesSettings(),
        "sample_images_prefix": "samples/images/",
        "sample_image_names": ["cat", "receipt"],
        "endpoint_name": None,
        "endpoint_arn": None,
        "forecast_endpoint_name": None,
        **kwargs,
    }
    fulfillment = BotFulfillment(
        stack,
        "Fulfillment",
        code_dir=code_dir,
        data_bucket=s3.Bucket(stack, "Data"),
        results_table=dynamodb.Table(
            stack, "Results", partition_key=dynamodb.Attribute(name="k", type=dynamodb.AttributeType.STRING)
        ),
        **props,
    )
    return fulfillment, Template.from_stack(stack)


@pytest.fixture(scope="module")
def default() -> tuple[BotFulfillment, Template]:
    return _fulfillment()


def _id(construct: Any) -> str:
    return cdk.Stack.of(construct).get_logical_id(construct.node.default_child)


def _function(template: Template) -> dict[str, Any]:
    [function] = template.find_resources("AWS::Lambda::Function").values()
    return dict(function["Properties"])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _prefix_of(resource: Any, bucket_id: str) -> str:
    """`/images/*` from {"Fn::Join": ["", [<the bucket's ARN>, "/images/*"]]}; anything else as its text."""
    if isinstance(resource, dict) and "Fn::Join" in resource:
        parts = resource["Fn::Join"][1]
        if parts[0] == {"Fn::GetAtt": [bucket_id, "Arn"]}:
            return "".join(parts[1:])
    return str(resource)


def _grants(fulfillment: BotFulfillment, template: Template) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(actions, resources) of every statement of every policy on the function's role."""
    role = {"Ref": _id(fulfillment.role)}
    bucket_id = _id(cdk.Stack.of(fulfillment).node.find_child("Data"))
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if role in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    return sorted(
        (tuple(sorted(_as_list(s["Action"]))), tuple(sorted(_prefix_of(r, bucket_id) for r in _as_list(s["Resource"]))))
        for s in statements
    )


def _expected_grants(fulfillment: BotFulfillment, *extra: tuple[tuple[str, ...], tuple[str, ...]]) -> list[Any]:
    stack = cdk.Stack.of(fulfillment)
    table_id = _id(stack.node.find_child("Results"))
    log_group_id = _id(fulfillment.node.find_child("Handler").log_group)  # type: ignore[attr-defined]
    return sorted(
        [
            (("logs:CreateLogStream", "logs:PutLogEvents"), (str({"Fn::GetAtt": [log_group_id, "Arn"]}),)),
            (("xray:PutTelemetryRecords", "xray:PutTraceSegments"), ("*",)),
            (("s3:GetObject",), ("/images/*", "/samples/images/*")),
            (("s3:GetObject", "s3:PutObject"), ("/generated/speech/*",)),
            # The forecast intent's history documents, whether or not a forecast endpoint exists.
            (("s3:GetObject",), ("/curated/ghcn/TMAX/latest-history/*",)),
            (("dynamodb:PutItem",), (str({"Fn::GetAtt": [table_id, "Arn"]}),)),
            (
                (
                    "comprehend:DetectDominantLanguage",
                    "polly:SynthesizeSpeech",
                    "rekognition:DetectLabels",
                    "rekognition:DetectText",
                    "translate:TranslateText",
                ),
                ("*",),
            ),
            *extra,
        ]
    )


def test_the_function_has_the_shared_defaults(default: tuple[BotFulfillment, Template]) -> None:
    props = _function(default[1])
    assert props["Architectures"] == ["arm64"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Timeout"] == 25
    assert props["Layers"] == [
        "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:38"
    ]
    log_group = default[1].to_json()["Resources"][props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Delete"


def test_the_timeout_lies_between_the_worst_case_turn_and_the_lex_limit(
    default: tuple[BotFulfillment, Template],
) -> None:
    """The Lambda's own bound (lambdas/lex_fulfillment/clients.py) against the construct's timeout."""
    clients = load_file_module("fulfillment_clients", FULFILLMENT_CODE_DIR / "clients.py")
    timeout = _function(default[1])["Timeout"]
    worst = max(clients.worst_case_turn_seconds(intent) for intent in clients.INTENT_CALLS)
    assert worst <= clients.TURN_BUDGET_SECONDS < timeout < clients.LEX_CODE_HOOK_LIMIT_SECONDS


def test_the_environment_is_exactly_the_contract(default: tuple[BotFulfillment, Template]) -> None:
    fulfillment, template = default
    stack = cdk.Stack.of(fulfillment)
    assert _function(template)["Environment"]["Variables"] == {
        "DATA_BUCKET": {"Ref": _id(stack.node.find_child("Data"))},
        "RESULTS_TABLE": {"Ref": _id(stack.node.find_child("Results"))},
        "SAMPLE_IMAGES_PREFIX": "samples/images/",
        "SAMPLE_IMAGES": "cat,receipt",
        "USER_IMAGES_PREFIX": "images/",
        "SPEECH_PREFIX": "generated/speech/",
        "POLLY_VOICE": "Joanna",
        "SENTIMENT_ENDPOINT": "",
        "FORECAST_ENDPOINT": "",
        "FORECAST_HISTORY_PREFIX": "curated/ghcn/TMAX/latest-history/",
        "FORECAST_STATIONS": "Denver=USW00003017,Seattle=USW00024233,New York=USW00094728",
        "FORECAST_MAX_DATA_AGE_DAYS": "7",
        "RESULT_TTL_DAYS": "30",
        "PRESIGNED_URL_SECONDS": "3600",
        "POWERTOOLS_SERVICE_NAME": "lex-fulfillment",
        "POWERTOOLS_METRICS_NAMESPACE": "mlstack",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def test_settings_reach_the_environment() -> None:
    settings = ApiServicesSettings(
        locales=("en_GB",),
        polly_voice="Amy",
        result_ttl_days=7,
        presigned_url_seconds=600,
        forecast_cities={"Oslo": "NOE00105465"},
        forecast_max_data_age_days=3,
    )
    _, template = _fulfillment(settings=settings)
    variables = _function(template)["Environment"]["Variables"]
    assert (variables["POLLY_VOICE"], variables["RESULT_TTL_DAYS"], variables["PRESIGNED_URL_SECONDS"]) == (
        "Amy",
        "7",
        "600",
    )
    assert (variables["FORECAST_STATIONS"], variables["FORECAST_MAX_DATA_AGE_DAYS"]) == ("Oslo=NOE00105465", "3")


def test_without_endpoints_the_role_has_exactly_the_scoped_grants(default: tuple[BotFulfillment, Template]) -> None:
    fulfillment, template = default
    assert _grants(fulfillment, template) == _expected_grants(fulfillment)


def test_a_sentiment_endpoint_is_named_in_the_environment_and_granted_alone() -> None:
    fulfillment, template = _fulfillment(endpoint_name=ENDPOINT_NAME, endpoint_arn=ENDPOINT_ARN)
    assert _function(template)["Environment"]["Variables"]["SENTIMENT_ENDPOINT"] == ENDPOINT_NAME
    assert _grants(fulfillment, template) == _expected_grants(
        fulfillment, (("sagemaker:InvokeEndpoint",), (ENDPOINT_ARN,))
    )


def test_a_forecast_endpoint_is_named_and_granted_by_its_lower_case_arn() -> None:
    fulfillment, template = _fulfillment(forecast_endpoint_name="Team-Forecast")
    assert _function(template)["Environment"]["Variables"]["FORECAST_ENDPOINT"] == "Team-Forecast"
    assert _grants(fulfillment, template) == _expected_grants(
        fulfillment, (("sagemaker:InvokeEndpoint",), (FORECAST_ENDPOINT_ARN,))
    )


@pytest.mark.parametrize(
    ("name", "arn"), [(ENDPOINT_NAME, None), (None, ENDPOINT_ARN)], ids=["name without ARN", "ARN without name"]
)
def test_half_an_endpoint_is_refused(name: str | None, arn: str | None) -> None:
    with pytest.raises(ValueError, match="Fulfillment: the sentiment endpoint needs both its name and its ARN"):
        _fulfillment(endpoint_name=name, endpoint_arn=arn)


def test_missing_function_code_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no handler\.py in the function code directory"):
        _fulfillment(code_dir=tmp_path)
