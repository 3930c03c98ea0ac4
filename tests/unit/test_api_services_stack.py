"""ApiServices stack: how it wires the bot, the fulfillment function, the results table and the sample images to
each other, to the Data stack's bucket and to the Platform stack's endpoints; nag, cfn-lint and its outputs.

What each construct does with its props is proven in tests/unit/constructs/ (test_lex_bot, test_bot_fulfillment,
test_results_table, test_sample_images); the settings' messages in tests/unit/config/test_api_services.py.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from stacks.api_services_stack import ApiServicesStack
from stacks.config import load_settings
from stacks.constructs.sample_images import sample_image_names
from stacks.data_stack import DataStack
from tests.conftest import TEST_REGION, cdk_context, cfn_lint_errors, synth_app, template_of

ENDPOINT_NAME = "mlstack-sentiment"
ENDPOINT_ARN = f"arn:aws:sagemaker:{TEST_REGION}:123456789012:endpoint/{ENDPOINT_NAME}"
FORECAST_ENDPOINT_ARN = str(
    {"Fn::Join": ["", ["arn:aws:sagemaker:us-east-1:", {"Ref": "AWS::AccountId"}, ":endpoint/mlstack-forecast"]]}
)
# What the Platform stack may hand over: no stack, a stack without an endpoint (None or no attributes), an endpoint.
PLATFORMS: dict[str, Any] = {
    "NoPlatform": None,
    "NoEndpoint": SimpleNamespace(endpoint_name=None, endpoint_arn=None),
    "NoAttributes": SimpleNamespace(),
    "Endpoint": SimpleNamespace(endpoint_name=ENDPOINT_NAME, endpoint_arn=ENDPOINT_ARN),
}
# Settings the stack hands to its constructs, all changed in one more ApiServices stack of the same app.
CHANGED = {
    "api_services.locales": "en_GB",
    "api_services.polly_voice": "Amy",
    "api_services.result_ttl_days": "7",
    "api_services.presigned_url_seconds": "600",
    "api_services.idle_session_ttl_seconds": "600",
    "api_services.log_retention_days": "60",
    "retain_data": "true",
}


@pytest.fixture(scope="module")
def api() -> Template:
    return template_of(synth_app(layers="data,api_services"), "ApiServices")


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    """One app, nag attached: the Data stack and an ApiServices stack per platform variant plus one with CHANGED
    settings, synthesized once (one synth instead of one per variant)."""
    context = cdk_context(layers="data,api_services")
    settings = load_settings(context)
    app = cdk.App(context=context, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    env = cdk.Environment(region=TEST_REGION)
    data = DataStack(app, "Mlstack-Data", settings=settings, env=env)
    stacks = {name: (settings, platform) for name, platform in PLATFORMS.items()}
    stacks["Changed"] = (load_settings(cdk_context(layers="data,api_services", **CHANGED)), None)
    for name, (stack_settings, platform) in stacks.items():
        ApiServicesStack(app, f"Api-{name}", settings=stack_settings, data=data, platform=platform, env=env)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()  # raises on any unacknowledged nag finding
    return {name: Template.from_json(assembly.get_stack_by_name(f"Api-{name}").template) for name in stacks}


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = template.find_resources(resource_type).items()
    return logical_id, resource


def fulfillment_function(template: Template) -> tuple[str, dict[str, Any]]:
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "handler.handler", "Runtime": "python3.14"}}
    )
    [(logical_id, function)] = functions.items()
    return logical_id, function


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _fulfillment_statements(template: Template) -> list[dict[str, Any]]:
    _, function = fulfillment_function(template)
    role = {"Ref": function["Properties"]["Role"]["Fn::GetAtt"][0]}
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if role in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _endpoint_grants(template: Template) -> list[str]:
    return sorted(
        str(resource)
        for s in _fulfillment_statements(template)
        if "sagemaker:InvokeEndpoint" in as_list(s["Action"])
        for resource in as_list(s["Resource"])
    )


# --- wiring inside the stack and from the Data stack ------------------------------------------------------------


def test_the_function_gets_the_data_stacks_bucket_this_stacks_table_the_samples_and_the_forecast_endpoint(
    api: Template,
) -> None:
    table_id, _ = only(api, "AWS::DynamoDB::Table")
    _, function = fulfillment_function(api)
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["DATA_BUCKET"]["Fn::GetStackOutput"]["StackName"] == "Mlstack-Data"
    assert variables["RESULTS_TABLE"] == {"Ref": table_id}
    assert variables["SAMPLE_IMAGES"] == ",".join(sample_image_names())
    _, upload = only(api, "Custom::CDKBucketDeployment")
    assert variables["SAMPLE_IMAGES_PREFIX"] == upload["Properties"]["DestinationBucketKeyPrefix"] == "samples/images/"
    # The forecast endpoint's name comes from stacks.naming, like the Platform stack's.
    assert variables["FORECAST_ENDPOINT"] == "mlstack-forecast"


def test_the_functions_grants_are_on_the_data_stacks_bucket_this_table_and_the_named_forecast_endpoint(
    api: Template,
) -> None:
    table_id, _ = only(api, "AWS::DynamoDB::Table")
    statements = _fulfillment_statements(api)
    bucket_grants = [
        resource["Fn::Join"][1]
        for s in statements
        if any(action.startswith("s3:") for action in as_list(s["Action"]))
        for resource in as_list(s["Resource"])
    ]
    assert bucket_grants and all("Fn::GetStackOutput" in parts[0] for parts in bucket_grants)
    assert "/samples/images/*" in {parts[1] for parts in bucket_grants}
    assert [s["Resource"] for s in statements if s["Action"] == "dynamodb:PutItem"] == [
        {"Fn::GetAtt": [table_id, "Arn"]}
    ]
    assert _endpoint_grants(api) == [FORECAST_ENDPOINT_ARN]


def test_the_bot_hooks_this_stacks_fulfillment_function_and_names_the_samples(api: Template) -> None:
    function_id, _ = fulfillment_function(api)
    _, alias = only(api, "AWS::Lex::BotAlias")
    [setting] = alias["Properties"]["BotAliasLocaleSettings"]
    hook = setting["BotAliasLocaleSetting"]["CodeHookSpecification"]["LambdaCodeHook"]
    assert hook["LambdaArn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    _, bot = only(api, "AWS::Lex::Bot")
    assert bot["Properties"]["Name"] == "mlstack-bot"
    [image_type] = [t for t in bot["Properties"]["BotLocales"][0]["SlotTypes"] if t["Name"] == "ImageName"]
    assert [v["SampleValue"]["Value"] for v in image_type["SlotTypeValues"]] == list(sample_image_names())


def test_every_log_group_has_retention_and_is_deleted_with_the_stack(api: Template) -> None:
    log_groups = api.find_resources("AWS::Logs::LogGroup")
    assert len(log_groups) == 3  # function, conversation logs, sample upload
    for log_group in log_groups.values():
        assert log_group["Properties"]["RetentionInDays"] == 30
        assert log_group["DeletionPolicy"] == "Delete"
    # Every function in the stack logs to one of them (no implicit /aws/lambda/<name> left behind).
    for function in api.find_resources("AWS::Lambda::Function").values():
        assert function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in log_groups


def test_outputs_are_the_ones_scripts_read(api: Template) -> None:
    bot_id, _ = only(api, "AWS::Lex::Bot")
    alias_id, _ = only(api, "AWS::Lex::BotAlias")
    table_id, _ = only(api, "AWS::DynamoDB::Table")
    function_id, _ = fulfillment_function(api)
    assert api.to_json()["Outputs"] == {
        "BotId": {"Value": {"Fn::GetAtt": [bot_id, "Id"]}},
        "BotAliasId": {"Value": {"Fn::GetAtt": [alias_id, "BotAliasId"]}},
        "BotLocaleId": {"Value": "en_US"},
        "FulfillmentFunctionName": {"Value": {"Ref": function_id}},
        "ResultsTableName": {"Value": {"Ref": table_id}},
    }


# --- settings reach the constructs ------------------------------------------------------------------------------


def test_settings_reach_the_bot_the_function_the_table_the_logs_and_the_outputs(variants: dict[str, Template]) -> None:
    template = variants["Changed"]
    _, bot = only(template, "AWS::Lex::Bot")
    assert [loc["LocaleId"] for loc in bot["Properties"]["BotLocales"]] == ["en_GB"]
    assert bot["Properties"]["BotLocales"][0]["VoiceSettings"]["VoiceId"] == "Amy"
    assert bot["Properties"]["IdleSessionTTLInSeconds"] == 600
    template.has_output("BotLocaleId", {"Value": "en_GB"})
    _, function = fulfillment_function(template)
    variables = function["Properties"]["Environment"]["Variables"]
    assert (variables["POLLY_VOICE"], variables["RESULT_TTL_DAYS"], variables["PRESIGNED_URL_SECONDS"]) == (
        "Amy",
        "7",
        "600",
    )
    _, table = only(template, "AWS::DynamoDB::Table")
    assert table["DeletionPolicy"] == "Retain"
    for log_group in template.find_resources("AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] == 60


# --- the Platform stack's sentiment endpoint --------------------------------------------------------------------


def test_the_sentiment_endpoint_from_the_platform_is_wired_and_granted(variants: dict[str, Template]) -> None:
    template = variants["Endpoint"]
    _, function = fulfillment_function(template)
    assert function["Properties"]["Environment"]["Variables"]["SENTIMENT_ENDPOINT"] == ENDPOINT_NAME
    assert _endpoint_grants(template) == sorted([ENDPOINT_ARN, FORECAST_ENDPOINT_ARN])


@pytest.mark.parametrize("variant", ["NoPlatform", "NoEndpoint", "NoAttributes"])
def test_without_an_endpoint_the_intent_stays_and_nothing_is_granted(
    variants: dict[str, Template], variant: str
) -> None:
    template = variants[variant]
    _, function = fulfillment_function(template)
    assert function["Properties"]["Environment"]["Variables"]["SENTIMENT_ENDPOINT"] == ""
    assert _endpoint_grants(template) == [FORECAST_ENDPOINT_ARN]
    _, bot = only(template, "AWS::Lex::Bot")
    assert "AnalyzeSentiment" in {intent["Name"] for intent in bot["Properties"]["BotLocales"][0]["Intents"]}


def test_missing_function_code_is_a_clear_error(tmp_path: Path) -> None:
    context = cdk_context(layers="data,api_services")
    settings = load_settings(context)
    app = cdk.App(context=context, outdir=str(tmp_path / "out"))
    data = DataStack(app, "Mlstack-Data", settings=settings)
    with pytest.raises(ValueError, match=r"no handler\.py in the function code directory"):
        ApiServicesStack(
            app, "Mlstack-ApiServices", settings=settings, data=data, platform=None, fulfillment_code_dir=tmp_path
        )


# --- nag, cfn-lint ----------------------------------------------------------------------------------------------


def test_data_and_api_services_synthesize_alone_with_nag_clean() -> None:
    # synth_app raises on any unacknowledged AwsSolutions finding.
    assembly = synth_app(layers="data,api_services")
    assert [stack.stack_name for stack in assembly.stacks] == ["Mlstack-Data", "Mlstack-ApiServices"]


def test_cfn_lint_reports_no_error(api: Template) -> None:
    assert cfn_lint_errors({"ApiServices": api.to_json()}) == ""


def test_a_custom_bootstrap_qualifier_keeps_nag_clean() -> None:
    # The sample upload's grant on the CDK asset bucket is acknowledged by the bucket's name, which
    # includes the bootstrap qualifier.
    assembly = synth_app(layers="data,api_services", **{"@aws-cdk/core:bootstrapQualifier": "team42abc"})
    template = template_of(assembly, "ApiServices")
    _, upload = only(template, "Custom::CDKBucketDeployment")
    assert upload["Properties"]["SourceBucketNames"] == [
        {"Fn::Sub": "cdk-team42abc-assets-${AWS::AccountId}-us-east-1"}
    ]
