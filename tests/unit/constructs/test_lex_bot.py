"""LexBot in a bare stack: the intents, slots and slot types of the bot model, the bot's role and conversation logs
(with the log group ARN Lex V2 documents), the published version, both aliases' code hook, Lex's permission on
the function, the locale and voice props, and a new version for a changed definition."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from stacks.api_services_stack import FULFILLMENT_CODE_DIR
from stacks.config import ApiServicesSettings
from stacks.constructs.lex_bot import FALLBACK_INTENT, INTENTS, TARGET_LANGUAGES, LexBot
from stacks.constructs.sample_images import SAMPLE_IMAGES_DIR
from tests.conftest import load_file_module
from tests.unit.constructs.conftest import bare_stack, statements_of

# Lex V2's CloudWatchLogGroupArn pattern (API reference, CloudWatchLogGroupLogDestination; read 2026-12-04).
LEX_LOG_GROUP_ARN = r"arn:[\w\-]+:logs:[\w\-]+:[\d]{12}:log-group:[\.\-_/#A-Za-z0-9]{1,512}(?::\*)?"
TEST_REGION = "us-east-1"
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
SAMPLE_NAMES = sorted(path.stem for path in SAMPLE_IMAGES_DIR.glob("*.png"))


def _bot(**props: Any) -> tuple[LexBot, Template]:
    stack = bare_stack()
    fulfillment = lambda_.Function(
        stack,
        "Fulfillment",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    )
    bot = LexBot(
        stack,
        "Bot",
        **{
            "name": "mlstack-bot",
            "fulfillment": fulfillment,
            "locales": ["en_US"],
            "idle_session_ttl_seconds": 300,
            "voice_id": "Joanna",
            "sample_image_names": SAMPLE_NAMES,
            "log_retention_days": 30,
            **props,
        },
    )
    return bot, Template.from_stack(stack)


@pytest.fixture(scope="module")
def bot() -> tuple[LexBot, Template]:
    return _bot()


@pytest.fixture(scope="module")
def api(bot: tuple[LexBot, Template]) -> Template:
    return bot[1]


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = template.find_resources(resource_type).items()
    return logical_id, resource


def locale(template: Template, locale_id: str = "en_US") -> dict[str, Any]:
    _, bot = only(template, "AWS::Lex::Bot")
    [found] = [loc for loc in bot["Properties"]["BotLocales"] if loc["LocaleId"] == locale_id]
    return found


def _hooked(function_id: str) -> dict[str, Any]:
    """An alias's en_US setting that sends every turn to the function's code hook."""
    return {
        "LocaleId": "en_US",
        "BotAliasLocaleSetting": {
            "Enabled": True,
            "CodeHookSpecification": {
                "LambdaCodeHook": {"CodeHookInterfaceVersion": "1.0", "LambdaArn": {"Fn::GetAtt": [function_id, "Arn"]}}
            },
        },
    }


def _function_id(template: Template) -> str:
    [function_id] = template.find_resources("AWS::Lambda::Function")
    return str(function_id)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(template: Template, role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of every AWS::IAM::Policy attached to the role."""
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _log_group_id(bot: LexBot) -> str:
    return cdk.Stack.of(bot).get_logical_id(bot.conversation_log_group.node.default_child)  # type: ignore[arg-type]


def _text_log(template: Template) -> dict[str, Any]:
    [alias] = template.find_resources("AWS::Lex::BotAlias").values()
    [setting] = alias["Properties"]["ConversationLogSettings"]["TextLogSettings"]
    return setting


def test_conversation_logs_get_the_plain_log_group_arn_lex_documents(bot: tuple[LexBot, Template]) -> None:
    lex_bot, template = bot
    parts = _text_log(template)["Destination"]["CloudWatch"]["CloudWatchLogGroupArn"]["Fn::Join"][1]
    pseudo = {"AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::Region": "us-east-1"}
    rendered = "".join(p if isinstance(p, str) else pseudo.get(p["Ref"], "Bot-ConversationLogs-1a2b") for p in parts)
    assert re.fullmatch(LEX_LOG_GROUP_ARN, rendered), rendered
    assert not rendered.endswith(":*")
    assert {"Ref": _log_group_id(lex_bot)} in parts


def test_text_logs_are_kept_for_the_retention_and_destroyed(bot: tuple[LexBot, Template]) -> None:
    lex_bot, template = bot
    assert _text_log(template)["Enabled"] is True
    log_group = template.to_json()["Resources"][_log_group_id(lex_bot)]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Delete"


def test_the_bot_roles_default_policy_writes_its_conversation_logs_only(bot: tuple[LexBot, Template]) -> None:
    lex_bot, template = bot
    log_group_id = _log_group_id(lex_bot)
    statements = list(statements_of(template, lex_bot.role).values())
    assert [(sorted(s["Action"]), s["Resource"]) for s in statements] == [
        (["logs:CreateLogStream", "logs:PutLogEvents"], {"Fn::GetAtt": [log_group_id, "Arn"]})
    ]


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
    return load_file_module("fulfillment_bot_model", FULFILLMENT_CODE_DIR / "bot_model.py")


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
    assert props["BotAliasLocaleSettings"] == [_hooked(_function_id(api))]
    [text_log] = props["ConversationLogSettings"]["TextLogSettings"]
    assert text_log["Enabled"] is True
    assert text_log["Destination"]["CloudWatch"]["LogPrefix"] == "live/"
    log_group = api.to_json()["Resources"][_conversation_log_group_id(api)]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Delete"


def test_test_alias_has_the_same_code_hook(api: Template) -> None:
    _, bot = only(api, "AWS::Lex::Bot")
    assert bot["Properties"]["TestBotAliasSettings"]["BotAliasLocaleSettings"] == [_hooked(_function_id(api))]


def test_lex_may_invoke_the_function_from_every_alias_of_this_bot_only(api: Template) -> None:
    function_id = _function_id(api)
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


def test_intent_table_matches_the_contract() -> None:
    assert {intent.name for intent in INTENTS} | {FALLBACK_INTENT} == set(EXPECTED_INTENT_SLOTS)


def test_the_locale_and_voice_reach_the_bot_its_version_and_both_aliases() -> None:
    # One Polly voice serves every locale and must speak each one's language (a deploy fails otherwise),
    # so a second English locale needs its own voice: the settings refuse en_GB with Joanna.
    lex_bot, template = _bot(locales=["en_GB"], voice_id="Amy", idle_session_ttl_seconds=600)
    assert lex_bot.locale_ids == ("en_GB",)
    _, bot = only(template, "AWS::Lex::Bot")
    assert bot["Properties"]["IdleSessionTTLInSeconds"] == 600
    assert [loc["LocaleId"] for loc in bot["Properties"]["BotLocales"]] == ["en_GB"]
    assert bot["Properties"]["BotLocales"][0]["VoiceSettings"]["VoiceId"] == "Amy"
    test_alias = bot["Properties"]["TestBotAliasSettings"]["BotAliasLocaleSettings"]
    assert [s["LocaleId"] for s in test_alias] == ["en_GB"]
    _, version = only(template, "AWS::Lex::BotVersion")
    assert [s["LocaleId"] for s in version["Properties"]["BotVersionLocaleSpecification"]] == ["en_GB"]
    _, alias = only(template, "AWS::Lex::BotAlias")
    assert [s["LocaleId"] for s in alias["Properties"]["BotAliasLocaleSettings"]] == ["en_GB"]


def test_a_changed_bot_definition_publishes_a_new_version(api: Template) -> None:
    _, matthew = _bot(voice_id="Matthew")
    _, again = _bot()
    assert set(api.find_resources("AWS::Lex::BotVersion")) == set(again.find_resources("AWS::Lex::BotVersion"))
    assert set(api.find_resources("AWS::Lex::BotVersion")) != set(matthew.find_resources("AWS::Lex::BotVersion"))
