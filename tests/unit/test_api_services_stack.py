"""ApiServices stack: the Lex V2 bot, its aliases and hook, the fulfillment Lambda's role, table and settings."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from stacks.api_services_stack import FULFILLMENT_CODE_DIR, ApiServicesStack
from stacks.config import SettingsError, load_settings
from stacks.constructs.lex_bot import FALLBACK_INTENT, INTENTS, TARGET_LANGUAGES
from stacks.constructs.sample_images import SAMPLE_IMAGES_DIR
from stacks.data_stack import DataStack
from tests.conftest import TEST_REGION, cdk_context, cfn_lint_errors, synth_app, template_of

ENDPOINT_NAME = "mlstack-sentiment"
ENDPOINT_ARN = f"arn:aws:sagemaker:{TEST_REGION}:123456789012:endpoint/{ENDPOINT_NAME}"
EXPECTED_INTENT_SLOTS = {
    "DescribeImage": {"ImageName": "ImageName"},
    "ReadText": {"ImageName": "ImageName"},
    "Speak": {"Text": "FreeText"},
    "TranslateText": {"Text": "FreeText", "TargetLanguage": "LanguageName"},
    "AnalyzeSentiment": {"Text": "FreeText"},
    "Forecast": {"City": "CityName"},
    "Help": {},
    FALLBACK_INTENT: {},
}
FORECAST_ENDPOINT_ARN = str(
    {"Fn::Join": ["", ["arn:aws:sagemaker:us-east-1:", {"Ref": "AWS::AccountId"}, ":endpoint/mlstack-forecast"]]}
)
SAMPLE_NAMES = sorted(path.stem for path in SAMPLE_IMAGES_DIR.glob("*.png"))


@pytest.fixture(scope="module")
def api() -> Template:
    return template_of(synth_app(layers="data,api_services"), "ApiServices")


def synth_api(tmp_path: Path, platform: Any, **overrides: Any) -> Template:
    """Synthesize Data + ApiServices with nag, a given platform object and the function code in tmp_path."""
    code_dir = tmp_path / "lex_fulfillment"
    code_dir.mkdir(parents=True, exist_ok=True)
    (code_dir / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    context = cdk_context(layers="data,api_services", **overrides)
    settings = load_settings(context)
    # cdk.json's feature flags, as the real app gets them.
    app = cdk.App(context=context, outdir=str(tmp_path / "cdk.out"))
    env = cdk.Environment(region=TEST_REGION)
    data = DataStack(app, "Mlstack-Data", settings=settings, env=env)
    ApiServicesStack(
        app,
        "Mlstack-ApiServices",
        settings=settings,
        data=data,
        platform=platform,
        fulfillment_code_dir=code_dir,
        env=env,
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return Template.from_json(app.synth().get_stack_by_name("Mlstack-ApiServices").template)


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = template.find_resources(resource_type).items()
    return logical_id, resource


def locale(template: Template, locale_id: str = "en_US") -> dict[str, Any]:
    _, bot = only(template, "AWS::Lex::Bot")
    [found] = [loc for loc in bot["Properties"]["BotLocales"] if loc["LocaleId"] == locale_id]
    return found


def fulfillment_function(template: Template) -> tuple[str, dict[str, Any]]:
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "handler.handler", "Runtime": "python3.14"}}
    )
    [(logical_id, function)] = functions.items()
    return logical_id, function


def role_statements(template: Template, role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of every AWS::IAM::Policy attached to the role."""
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def prefix_of(resource: Any) -> str:
    """`/images/*` from {"Fn::Join": ["", [<bucket arn>, "/images/*"]]}; the literal for plain strings."""
    if isinstance(resource, dict) and "Fn::Join" in resource:
        parts = resource["Fn::Join"][1]
        if isinstance(parts[0], str) and parts[0].startswith("arn:aws:sagemaker:"):
            return str(resource)  # an endpoint ARN of this account and region
        assert "Fn::GetStackOutput" in parts[0], parts  # the Data stack's bucket ARN
        return "".join(p for p in parts[1:] if isinstance(p, str))
    return resource


# --- the bot ---------------------------------------------------------------------------------------


def test_every_intent_is_fulfilled_by_the_code_hook_with_its_exact_slots(api: Template) -> None:
    intents = {intent["Name"]: intent for intent in locale(api)["Intents"]}
    assert set(intents) == set(EXPECTED_INTENT_SLOTS)
    for name, expected_slots in EXPECTED_INTENT_SLOTS.items():
        intent = intents[name]
        assert intent["FulfillmentCodeHook"] == {"Enabled": True}, name
        assert {slot["Name"]: slot["SlotTypeName"] for slot in intent.get("Slots", [])} == expected_slots
    assert intents[FALLBACK_INTENT]["ParentIntentSignature"] == "AMAZON.FallbackIntent"


def test_every_slot_is_required_prompted_and_every_utterance_names_only_its_intents_slots(api: Template) -> None:
    for intent in locale(api)["Intents"]:
        slots = {slot["Name"] for slot in intent.get("Slots", [])}
        for slot in intent.get("Slots", []):
            elicitation = slot["ValueElicitationSetting"]
            assert elicitation["SlotConstraint"] == "Required"
            prompt = elicitation["PromptSpecification"]["MessageGroupsList"][0]["Message"]["PlainTextMessage"]
            assert "?" in prompt["Value"]
        if intent["Name"] == FALLBACK_INTENT:
            assert "SampleUtterances" not in intent
            continue
        utterances = [u["Utterance"] for u in intent["SampleUtterances"]]
        assert len(utterances) >= 4, intent["Name"]
        assert {name for u in utterances for name in re.findall(r"{(\w+)}", u)} == slots, intent["Name"]
        assert [p["SlotName"] for p in intent.get("SlotPriorities", [])] == [s["Name"] for s in intent.get("Slots", [])]


def test_example_utterances_from_the_brief_are_present(api: Template) -> None:
    utterances = {
        intent["Name"]: {u["Utterance"] for u in intent.get("SampleUtterances", [])}
        for intent in locale(api)["Intents"]
    }
    assert "describe {ImageName}" in utterances["DescribeImage"]
    assert "translate {Text} to {TargetLanguage}" in utterances["TranslateText"]
    assert {"what will the high be in {City}", "forecast for {City} this week"} <= utterances["Forecast"]


def test_the_bots_cities_are_the_default_forecast_cities(api: Template) -> None:
    from stacks.config import ApiServicesSettings

    [city_type] = [t for t in locale(api)["SlotTypes"] if t["Name"] == "CityName"]
    cities = [value["SampleValue"]["Value"] for value in city_type["SlotTypeValues"]]
    assert cities == list(ApiServicesSettings().forecast_cities)
    assert city_type["ValueSelectionSetting"] == {"ResolutionStrategy": "TOP_RESOLUTION"}


def test_slot_types_accept_any_image_key_languages_by_name_or_code_and_free_text(api: Template) -> None:
    slot_types = {slot_type["Name"]: slot_type for slot_type in locale(api)["SlotTypes"]}
    assert set(slot_types) == {"ImageName", "LanguageName", "FreeText", "CityName"}

    image = slot_types["ImageName"]
    assert [v["SampleValue"]["Value"] for v in image["SlotTypeValues"]] == SAMPLE_NAMES
    assert image["ValueSelectionSetting"] == {"ResolutionStrategy": "ORIGINAL_VALUE"}

    languages = {
        v["SampleValue"]["Value"]: [s["Value"] for s in v["Synonyms"]]
        for v in slot_types["LanguageName"]["SlotTypeValues"]
    }
    assert languages["French"] == ["fr"]
    assert languages["Traditional Chinese"] == ["zh-TW"]
    assert "no" not in languages["Norwegian"]  # "no" answers the question; it is not a language
    assert languages == {name: list(synonyms) for name, synonyms in TARGET_LANGUAGES.items()}
    assert slot_types["LanguageName"]["ValueSelectionSetting"] == {"ResolutionStrategy": "TOP_RESOLUTION"}

    assert slot_types["FreeText"]["ValueSelectionSetting"] == {"ResolutionStrategy": "ORIGINAL_VALUE"}
    assert slot_types["FreeText"]["SlotTypeValues"]


def _fulfillment_bot_model() -> Any:
    """The function's own reader of bot_model.json, loaded from its file as the Lambda runtime would."""
    spec = importlib.util.spec_from_file_location("fulfillment_bot_model", FULFILLMENT_CODE_DIR / "bot_model.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_synthesized_bot_and_the_function_know_the_same_target_languages(api: Template) -> None:
    [language_type] = [t for t in locale(api)["SlotTypes"] if t["Name"] == "LanguageName"]
    said = {
        value["SampleValue"]["Value"]: [value["SampleValue"]["Value"], *(s["Value"] for s in value["Synonyms"])]
        for value in language_type["SlotTypeValues"]
    }
    model = _fulfillment_bot_model()
    function_table = model.target_languages()
    names = model.language_names()
    # Every value the bot can resolve, and every synonym of it, is one language the function translates into...
    for name, forms in said.items():
        codes = {function_table.get(form.lower()) for form in forms}
        assert len(codes) == 1 and None not in codes, (name, forms, codes)
        assert names[codes.pop()] == name
    # ...and the function takes nothing the bot cannot resolve.
    assert set(function_table) == {form.lower() for forms in said.values() for form in forms}
    assert len(said) == len(names) == 30
    assert all(re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", code) for code in names), "not a Translate language code"


def test_image_prompt_names_the_samples(api: Template) -> None:
    [describe] = [intent for intent in locale(api)["Intents"] if intent["Name"] == "DescribeImage"]
    prompt = describe["Slots"][0]["ValueElicitationSetting"]["PromptSpecification"]["MessageGroupsList"][0]
    assert ", ".join(SAMPLE_NAMES) in prompt["Message"]["PlainTextMessage"]["Value"]


def test_bot_builds_en_us_with_idle_ttl_voice_and_its_own_role(api: Template) -> None:
    _, bot = only(api, "AWS::Lex::Bot")
    props = bot["Properties"]
    assert props["Name"] == "mlstack-bot"
    assert props["IdleSessionTTLInSeconds"] == 300
    assert props["AutoBuildBotLocales"] is True
    assert props["DataPrivacy"] == {"ChildDirected": False}
    assert [loc["LocaleId"] for loc in props["BotLocales"]] == ["en_US"]
    assert locale(api)["VoiceSettings"] == {"VoiceId": "Joanna", "Engine": "neural"}
    bot_role = api.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [Match.object_like({"Principal": {"Service": "lexv2.amazonaws.com"}})]
                }
            }
        },
    )
    [(bot_role_id, role)] = bot_role.items()
    assert props["RoleArn"] == {"Fn::GetAtt": [bot_role_id, "Arn"]}
    condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source_arns = [arn["Fn::Join"][1][-1] for arn in condition["ArnLike"]["aws:SourceArn"]]
    assert source_arns == [":bot/*", ":bot-alias/*"]


def test_bot_role_may_write_conversation_logs_and_synthesize_speech_only(api: Template) -> None:
    [bot_role_id] = api.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [Match.object_like({"Principal": {"Service": "lexv2.amazonaws.com"}})]
                }
            }
        },
    )
    log_group_id = _conversation_log_group_id(api)
    statements = role_statements(api, bot_role_id)
    assert sorted((sorted(as_list(s["Action"])), str(s["Resource"])) for s in statements) == sorted(
        [
            (["logs:CreateLogStream", "logs:PutLogEvents"], str({"Fn::GetAtt": [log_group_id, "Arn"]})),
            (["polly:SynthesizeSpeech"], "*"),
        ]
    )


def _conversation_log_group_id(template: Template) -> str:
    _, alias = only(template, "AWS::Lex::BotAlias")
    [setting] = alias["Properties"]["ConversationLogSettings"]["TextLogSettings"]
    parts = setting["Destination"]["CloudWatch"]["CloudWatchLogGroupArn"]["Fn::Join"][1]
    [ref] = [p for p in parts if "Ref" in p and not p["Ref"].startswith("AWS::")]
    return str(ref["Ref"])


def test_live_alias_points_at_the_published_version_with_the_hook_and_text_logs(api: Template) -> None:
    function_id, _ = fulfillment_function(api)
    bot_id, _ = only(api, "AWS::Lex::Bot")
    version_id, version = only(api, "AWS::Lex::BotVersion")
    assert version["Properties"]["BotId"] == {"Fn::GetAtt": [bot_id, "Id"]}
    assert version["Properties"]["BotVersionLocaleSpecification"] == [
        {"LocaleId": "en_US", "BotVersionLocaleDetails": {"SourceBotVersion": "DRAFT"}}
    ]
    _, alias = only(api, "AWS::Lex::BotAlias")
    props = alias["Properties"]
    assert props["BotAliasName"] == "live"
    assert props["BotVersion"] == {"Fn::GetAtt": [version_id, "BotVersion"]}
    assert props["BotAliasLocaleSettings"] == [
        {
            "LocaleId": "en_US",
            "BotAliasLocaleSetting": {
                "Enabled": True,
                "CodeHookSpecification": {
                    "LambdaCodeHook": {
                        "CodeHookInterfaceVersion": "1.0",
                        "LambdaArn": {"Fn::GetAtt": [function_id, "Arn"]},
                    }
                },
            },
        }
    ]
    [text_log] = props["ConversationLogSettings"]["TextLogSettings"]
    assert text_log["Enabled"] is True
    assert text_log["Destination"]["CloudWatch"]["LogPrefix"] == "live/"
    log_group = api.to_json()["Resources"][_conversation_log_group_id(api)]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Delete"


def test_test_alias_has_the_same_code_hook(api: Template) -> None:
    function_id, _ = fulfillment_function(api)
    _, bot = only(api, "AWS::Lex::Bot")
    assert bot["Properties"]["TestBotAliasSettings"]["BotAliasLocaleSettings"] == [
        {
            "LocaleId": "en_US",
            "BotAliasLocaleSetting": {
                "Enabled": True,
                "CodeHookSpecification": {
                    "LambdaCodeHook": {
                        "CodeHookInterfaceVersion": "1.0",
                        "LambdaArn": {"Fn::GetAtt": [function_id, "Arn"]},
                    }
                },
            },
        }
    ]


def test_lex_may_invoke_the_function_from_every_alias_of_this_bot_only(api: Template) -> None:
    function_id, _ = fulfillment_function(api)
    bot_id, _ = only(api, "AWS::Lex::Bot")
    _, permission = only(api, "AWS::Lambda::Permission")
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
        "Principal": "lexv2.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": {
            "Fn::Join": [
                "",
                [
                    f"arn:aws:lex:{TEST_REGION}:",
                    {"Ref": "AWS::AccountId"},
                    ":bot-alias/",
                    {"Fn::GetAtt": [bot_id, "Id"]},
                    "/*",
                ],
            ]
        },
    }


def test_the_locale_reaches_the_bot_version_both_aliases_and_outputs(tmp_path: Path) -> None:
    # One Polly voice serves every locale and must speak each one's language (a deploy fails otherwise),
    # so a second English locale needs its own voice: the settings refuse en_GB with Joanna.
    template = synth_api(tmp_path, None, **{"api_services.locales": "en_GB", "api_services.polly_voice": "Amy"})
    _, bot = only(template, "AWS::Lex::Bot")
    assert [loc["LocaleId"] for loc in bot["Properties"]["BotLocales"]] == ["en_GB"]
    assert bot["Properties"]["BotLocales"][0]["VoiceSettings"]["VoiceId"] == "Amy"
    test_alias = bot["Properties"]["TestBotAliasSettings"]["BotAliasLocaleSettings"]
    assert [s["LocaleId"] for s in test_alias] == ["en_GB"]
    _, version = only(template, "AWS::Lex::BotVersion")
    assert [s["LocaleId"] for s in version["Properties"]["BotVersionLocaleSpecification"]] == ["en_GB"]
    _, alias = only(template, "AWS::Lex::BotAlias")
    assert [s["LocaleId"] for s in alias["Properties"]["BotAliasLocaleSettings"]] == ["en_GB"]
    template.has_output("BotLocaleId", {"Value": "en_GB"})


def test_a_changed_bot_definition_publishes_a_new_version(tmp_path: Path) -> None:
    joanna = synth_api(tmp_path / "a", None)
    matthew = synth_api(tmp_path / "b", None, **{"api_services.polly_voice": "Matthew"})
    again = synth_api(tmp_path / "c", None)
    assert set(joanna.find_resources("AWS::Lex::BotVersion")) == set(again.find_resources("AWS::Lex::BotVersion"))
    assert set(joanna.find_resources("AWS::Lex::BotVersion")) != set(matthew.find_resources("AWS::Lex::BotVersion"))


# --- the fulfillment function ----------------------------------------------------------------------


def test_function_uses_the_shared_defaults(api: Template) -> None:
    _, function = fulfillment_function(api)
    props = function["Properties"]
    assert props["Architectures"] == ["arm64"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Timeout"] == 25
    assert props["Layers"] == [
        f"arn:aws:lambda:{TEST_REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:38"
    ]
    log_group = api.to_json()["Resources"][props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Delete"


def test_function_timeout_lies_between_the_worst_case_turn_and_the_lex_limit(api: Template) -> None:
    """The Lambda's own bound (lambdas/lex_fulfillment/clients.py) against the stack's timeout."""
    spec = importlib.util.spec_from_file_location("fulfillment_clients", FULFILLMENT_CODE_DIR / "clients.py")
    assert spec and spec.loader
    clients = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = clients  # dataclasses look their module up there
    spec.loader.exec_module(clients)
    _, function = fulfillment_function(api)
    timeout = function["Properties"]["Timeout"]
    worst = max(clients.worst_case_turn_seconds(intent) for intent in clients.INTENT_CALLS)
    assert worst <= clients.TURN_BUDGET_SECONDS < timeout < clients.LEX_CODE_HOOK_LIMIT_SECONDS


def test_every_log_group_has_retention_and_is_deleted_with_the_stack(api: Template) -> None:
    log_groups = api.find_resources("AWS::Logs::LogGroup")
    assert len(log_groups) == 3  # function, conversation logs, sample upload
    for log_group in log_groups.values():
        assert log_group["Properties"]["RetentionInDays"] == 30
        assert log_group["DeletionPolicy"] == "Delete"
    # Every function in the stack logs to one of them (no implicit /aws/lambda/<name> left behind).
    for function in api.find_resources("AWS::Lambda::Function").values():
        assert function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in log_groups


def test_environment_is_exactly_the_contract(api: Template) -> None:
    table_id, _ = only(api, "AWS::DynamoDB::Table")
    _, function = fulfillment_function(api)
    variables = dict(function["Properties"]["Environment"]["Variables"])
    data_bucket = variables.pop("DATA_BUCKET")
    assert data_bucket["Fn::GetStackOutput"]["StackName"] == "Mlstack-Data"
    assert variables == {
        "RESULTS_TABLE": {"Ref": table_id},
        "SAMPLE_IMAGES_PREFIX": "samples/images/",
        "SAMPLE_IMAGES": ",".join(SAMPLE_NAMES),
        "USER_IMAGES_PREFIX": "images/",
        "SPEECH_PREFIX": "generated/speech/",
        "POLLY_VOICE": "Joanna",
        "SENTIMENT_ENDPOINT": "",
        "FORECAST_ENDPOINT": "mlstack-forecast",
        "FORECAST_HISTORY_PREFIX": "curated/ghcn/TMAX/latest-history/",
        "FORECAST_STATIONS": "Denver=USW00003017,Seattle=USW00024233,New York=USW00094728",
        "FORECAST_MAX_DATA_AGE_DAYS": "7",
        "RESULT_TTL_DAYS": "30",
        "PRESIGNED_URL_SECONDS": "3600",
        "POWERTOOLS_SERVICE_NAME": "lex-fulfillment",
        "POWERTOOLS_METRICS_NAMESPACE": "mlstack",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def test_settings_reach_the_environment(tmp_path: Path) -> None:
    template = synth_api(
        tmp_path,
        None,
        **{
            "api_services.locales": "en_GB",
            "api_services.polly_voice": "Amy",
            "api_services.result_ttl_days": "7",
            "api_services.presigned_url_seconds": "600",
        },
    )
    _, function = fulfillment_function(template)
    variables = function["Properties"]["Environment"]["Variables"]
    assert (variables["POLLY_VOICE"], variables["RESULT_TTL_DAYS"], variables["PRESIGNED_URL_SECONDS"]) == (
        "Amy",
        "7",
        "600",
    )


def _fulfillment_grants(template: Template) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    _, function = fulfillment_function(template)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return sorted(
        (tuple(sorted(as_list(s["Action"]))), tuple(sorted(str(prefix_of(r)) for r in as_list(s["Resource"]))))
        for s in role_statements(template, role_id)
    )


def _expected_grants(template: Template, endpoint: bool) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    table_id, _ = only(template, "AWS::DynamoDB::Table")
    _, function = fulfillment_function(template)
    log_group_id = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    grants = [
        (("logs:CreateLogStream", "logs:PutLogEvents"), (str({"Fn::GetAtt": [log_group_id, "Arn"]}),)),
        (("xray:PutTelemetryRecords", "xray:PutTraceSegments"), ("*",)),
        (("s3:GetObject",), ("/images/*", "/samples/images/*")),
        (("s3:GetObject", "s3:PutObject"), ("/generated/speech/*",)),
        # The forecast intent: its history documents only, and the one forecast endpoint.
        (("s3:GetObject",), ("/curated/ghcn/TMAX/latest-history/*",)),
        (("sagemaker:InvokeEndpoint",), (FORECAST_ENDPOINT_ARN,)),
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
    ]
    if endpoint:
        grants.append((("sagemaker:InvokeEndpoint",), (ENDPOINT_ARN,)))
    return sorted(grants)


def test_fulfillment_role_has_exactly_the_scoped_grants(api: Template) -> None:
    assert _fulfillment_grants(api) == _expected_grants(api, endpoint=False)


def test_sentiment_endpoint_from_the_platform_is_wired_and_granted(tmp_path: Path) -> None:
    template = synth_api(tmp_path, SimpleNamespace(endpoint_name=ENDPOINT_NAME, endpoint_arn=ENDPOINT_ARN))
    _, function = fulfillment_function(template)
    assert function["Properties"]["Environment"]["Variables"]["SENTIMENT_ENDPOINT"] == ENDPOINT_NAME
    assert _fulfillment_grants(template) == _expected_grants(template, endpoint=True)


@pytest.mark.parametrize(
    "platform",
    [None, SimpleNamespace(endpoint_name=None, endpoint_arn=None), SimpleNamespace()],
    ids=["no platform stack", "platform without endpoint", "platform without endpoint attributes"],
)
def test_without_an_endpoint_the_intent_stays_and_nothing_is_granted(tmp_path: Path, platform: Any) -> None:
    template = synth_api(tmp_path, platform)
    _, function = fulfillment_function(template)
    assert function["Properties"]["Environment"]["Variables"]["SENTIMENT_ENDPOINT"] == ""
    assert _fulfillment_grants(template) == _expected_grants(template, endpoint=False)
    assert "AnalyzeSentiment" in {intent["Name"] for intent in locale(template)["Intents"]}


def test_an_endpoint_name_without_its_arn_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs both its name and its ARN"):
        synth_api(tmp_path, SimpleNamespace(endpoint_name=ENDPOINT_NAME, endpoint_arn=None))


def test_missing_function_code_is_a_clear_error(tmp_path: Path) -> None:
    context = cdk_context(layers="data,api_services")
    settings = load_settings(context)
    app = cdk.App(context=context, outdir=str(tmp_path / "out"))
    data = DataStack(app, "Mlstack-Data", settings=settings)
    with pytest.raises(ValueError, match=r"no handler\.py in the function code directory"):
        ApiServicesStack(
            app, "Mlstack-ApiServices", settings=settings, data=data, platform=None, fulfillment_code_dir=tmp_path
        )


# --- results table, sample images, outputs ---------------------------------------------------------


def test_results_table_is_on_demand_with_pitr_ttl_and_encryption(api: Template) -> None:
    _, table = only(api, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": "session_id", "KeyType": "HASH"},
        {"AttributeName": "created_at", "KeyType": "RANGE"},
    ]
    assert props["AttributeDefinitions"] == [
        {"AttributeName": "session_id", "AttributeType": "S"},
        {"AttributeName": "created_at", "AttributeType": "S"},
    ]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionPolicy"] == "Delete"


def test_results_table_is_kept_when_data_is_retained(tmp_path: Path) -> None:
    template = synth_api(tmp_path, None, retain_data="true")
    _, table = only(template, "AWS::DynamoDB::Table")
    assert table["DeletionPolicy"] == "Retain"


def test_sample_images_are_uploaded_under_their_prefix_and_removed_with_the_stack(api: Template) -> None:
    assert SAMPLE_NAMES, "no sample images committed"
    _, upload = only(api, "Custom::CDKBucketDeployment")
    assert upload["Properties"]["DestinationBucketKeyPrefix"] == "samples/images/"
    assert upload["Properties"]["RetainOnDelete"] is False


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


def test_intent_table_matches_the_contract() -> None:
    assert {intent.name for intent in INTENTS} | {FALLBACK_INTENT} == set(EXPECTED_INTENT_SLOTS)


# --- nag, cfn-lint, settings -----------------------------------------------------------------------


def test_data_and_api_services_synthesize_alone_with_nag_clean() -> None:
    # synth_app raises on any unacknowledged AwsSolutions finding.
    assembly = synth_app(layers="data,api_services")
    assert [stack.stack_name for stack in assembly.stacks] == ["Mlstack-Data", "Mlstack-ApiServices"]


def test_cfn_lint_reports_no_error(api: Template, tmp_path: Path) -> None:
    assert cfn_lint_errors({"ApiServices": api.to_json()}) == ""


@pytest.mark.parametrize(
    ("overrides", "expected_line"),
    [
        (
            {"api_services.polly_voice": "Nicole"},
            "api_services.polly_voice='Nicole': not an English neural Amazon Polly voice, e.g. Joanna",
        ),
        (
            {"api_services.locales": "en_US,fr_FR"},
            "api_services.locales='en_US,fr_FR': unsupported locale 'fr_FR': one of en_US, en_GB, en_AU",
        ),
        ({"api_services.locales": "en_US,en_US"}, "each locale may appear once"),
        ({"api_services.locales": ""}, "api_services.locales='': give at least one of en_US"),
        (
            {"api_services.idle_session_ttl_seconds": "30"},
            "api_services.idle_session_ttl_seconds='30': a whole number from 60 to 86400, e.g. 300",
        ),
        (
            {"api_services.idle_session_ttl_seconds": "90000"},
            "api_services.idle_session_ttl_seconds='90000': a whole number from 60 to 86400, e.g. 300",
        ),
        ({"api_services.result_ttl_days": "0"}, "api_services.result_ttl_days='0': a whole number from 1 to 365"),
        (
            {"api_services.presigned_url_seconds": "86400"},
            "api_services.presigned_url_seconds='86400': a whole number from 60 to 43200, e.g. 3600",
        ),
        (
            {"api_services.log_retention_days": "31"},
            "api_services.log_retention_days='31': not a CloudWatch Logs retention in days; did you mean 30 or 60?",
        ),
        ({"api_services.bot_name": "x"}, "api_services.bot_name='x': unknown setting"),
    ],
)
def test_invalid_api_services_settings_give_one_line(overrides: dict[str, str], expected_line: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(**overrides))
    [problem] = caught.value.problems
    assert expected_line in problem
    assert "\n" not in problem


def test_defaults_load_from_cdk_json() -> None:
    api = load_settings(cdk_context()).api_services
    assert (api.locales, api.idle_session_ttl_seconds, api.polly_voice) == (("en_US",), 300, "Joanna")
    assert (api.result_ttl_days, api.presigned_url_seconds, api.log_retention_days) == (30, 3600, 30)


def test_nag_reference_names_same_stack_attributes_like_cdk_nag() -> None:
    from aws_cdk import aws_s3 as s3

    from stacks.constructs.nag import nag_resource

    stack = cdk.Stack(cdk.App(), "Solo")
    bucket = s3.Bucket(stack, "Bucket")
    logical_id = stack.resolve(bucket.bucket_arn)["Fn::GetAtt"][0]
    assert nag_resource(stack, bucket.bucket_arn, stack) == f"<{logical_id}.Arn>"


def test_a_custom_bootstrap_qualifier_keeps_nag_clean() -> None:
    # The sample upload's grant on the CDK asset bucket is acknowledged by the bucket's name, which
    # includes the bootstrap qualifier.
    assembly = synth_app(layers="data,api_services", **{"@aws-cdk/core:bootstrapQualifier": "team42abc"})
    template = template_of(assembly, "ApiServices")
    _, upload = only(template, "Custom::CDKBucketDeployment")
    assert upload["Properties"]["SourceBucketNames"] == [
        {"Fn::Sub": "cdk-team42abc-assets-${AWS::AccountId}-us-east-1"}
    ]
