"""A Lex V2 bot whose every intent is fulfilled by one Lambda, with a published version and a `live` alias."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lex as lex
from constructs import Construct

from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import INLINE_POLICY, acknowledge_aws_solutions, acknowledge_nist

ALIAS_NAME = "live"
# Lex V2's Lambda request/response format version for code hooks.
CODE_HOOK_INTERFACE_VERSION = "1.0"
NLU_CONFIDENCE_THRESHOLD = 0.40

# The bot's intents, slots, slot types and target languages: one file, next to the fulfillment function,
# which reads the same file, so the bot and the function cannot disagree on what the bot understands.
BOT_MODEL_FILE = Path(__file__).resolve().parents[2] / "lambdas" / "lex_fulfillment" / "bot_model.json"
# Free text (what to say, translate or analyse): a custom type with ORIGINAL_VALUE resolution returns
# whatever the user typed. AMAZON.FreeFormInput cannot appear in intent sample utterances (so no
# "translate {Text} to {TargetLanguage}") and is only recognised when elicited; AMAZON.AlphaNumeric is
# meant for codes, not sentences. The model's sample values only teach Lex what such text looks like.
# LanguageName resolves with TOP_RESOLUTION: "fr" and "French" both resolve to "French". ImageName with
# ORIGINAL_VALUE: the value is what the user said, so keys beyond the samples work.


@dataclass(frozen=True)
class Slot:
    name: str
    slot_type: str
    prompt: str


@dataclass(frozen=True)
class Intent:
    name: str
    description: str
    utterances: tuple[str, ...]
    slots: tuple[Slot, ...] = field(default=())


@dataclass(frozen=True)
class SlotType:
    name: str
    description: str
    resolution: str
    # Literal values, or where they come from: "sample_images" or "target_languages".
    values: tuple[str, ...] = ()
    values_from: str = ""


@dataclass(frozen=True)
class BotModel:
    """bot_model.json, typed."""

    intents: tuple[Intent, ...]
    slot_types: tuple[SlotType, ...]
    fallback_intent: str
    # Spoken name -> the synonyms the slot type also resolves (e.g. its ISO 639-1 code).
    target_languages: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path = BOT_MODEL_FILE) -> BotModel:
        raw = json.loads(path.read_text(encoding="utf-8"))
        slots = {name: Slot(name, slot["slot_type"], slot["prompt"]) for name, slot in raw["slots"].items()}
        return cls(
            intents=tuple(
                Intent(
                    intent["name"],
                    intent["description"],
                    tuple(intent["utterances"]),
                    tuple(slots[name] for name in intent["slots"]),
                )
                for intent in raw["intents"]
            ),
            slot_types=tuple(
                SlotType(
                    name,
                    slot_type["description"],
                    slot_type["resolution"],
                    tuple(slot_type.get("values", ())),
                    slot_type.get("values_from", ""),
                )
                for name, slot_type in raw["slot_types"].items()
            ),
            fallback_intent=raw["fallback_intent"],
            target_languages={language["name"]: tuple(language["synonyms"]) for language in raw["target_languages"]},
        )


BOT_MODEL = BotModel.load()
INTENTS = BOT_MODEL.intents
FALLBACK_INTENT = BOT_MODEL.fallback_intent
TARGET_LANGUAGES = BOT_MODEL.target_languages


class LexBot(Construct):
    """Lex V2 bot, its version and `live` alias, both aliases hooked to the fulfillment function.

    Text conversation logs of the alias go to a log group with retention. Exposes `bot`, `version`,
    `alias`, `role`, `conversation_log_group` (and its `conversation_log_group_plain_arn`) and `locale_ids`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        fulfillment: lambda_.IFunction,
        locales: Sequence[str],
        idle_session_ttl_seconds: int,
        voice_id: str,
        sample_image_names: Sequence[str],
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, id_)
        self.locale_ids = tuple(locales)
        stack = cdk.Stack.of(self)

        self.conversation_log_group = destroyable_log_group(self, "ConversationLogs", retention_days=log_retention_days)
        # The group's ARN without the `:*` CDK's log_group_arn (CloudFormation's Arn attribute) ends with: Lex V2's
        # CloudWatchLogGroupArn pattern accepts both, and the plain form is the one its documentation shows.
        self.conversation_log_group_plain_arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=self.conversation_log_group.log_group_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        # The bot's runtime role: Lex writes text conversation logs and synthesizes voice replies with it.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "lexv2.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    # Lex assumes the role for the bot (building) and for its aliases (conversation logs).
                    "ArnLike": {
                        "aws:SourceArn": [
                            stack.format_arn(service="lex", resource=resource, resource_name="*")
                            for resource in ("bot", "bot-alias")
                        ]
                    },
                },
            ),
            description=f"Runtime role of the Lex bot {name}",
        )
        self.conversation_log_group.grant_write(self.role)
        voice = iam.Policy(
            self,
            "VoicePolicy",
            roles=[self.role],
            statements=[iam.PolicyStatement(actions=["polly:SynthesizeSpeech"], resources=["*"])],
        )
        acknowledge_nist(voice, "IAMNoInlinePolicy", INLINE_POLICY)
        acknowledge_nist(self.role.node.find_child("DefaultPolicy"), "IAMNoInlinePolicy", INLINE_POLICY)
        acknowledge_aws_solutions(
            voice,
            "IAM5[Resource::*]",
            "Lex speaks replies on the voice channel with polly:SynthesizeSpeech, whose only resource "
            "type is lexicons, which this bot does not use.",
        )

        lambda_hook = {
            "code_hook_interface_version": CODE_HOOK_INTERFACE_VERSION,
            "lambda_arn": fulfillment.function_arn,
        }
        bot_locales = [self._locale(locale, voice_id, sample_image_names) for locale in self.locale_ids]
        self.bot = lex.CfnBot(
            self,
            "Bot",
            name=name,
            description="mlstack: sees, speaks and translates with AWS AI services",
            role_arn=self.role.role_arn,
            data_privacy={"ChildDirected": False},
            idle_session_ttl_in_seconds=idle_session_ttl_seconds,
            # Builds every locale on deploy, so the DRAFT (test alias) works and a version can be made.
            auto_build_bot_locales=True,
            bot_locales=bot_locales,
            test_bot_alias_settings=lex.CfnBot.TestBotAliasSettingsProperty(
                bot_alias_locale_settings=[
                    lex.CfnBot.BotAliasLocaleSettingsItemProperty(
                        locale_id=locale,
                        bot_alias_locale_setting=lex.CfnBot.BotAliasLocaleSettingsProperty(
                            enabled=True,
                            code_hook_specification=lex.CfnBot.CodeHookSpecificationProperty(
                                lambda_code_hook=lex.CfnBot.LambdaCodeHookProperty(**lambda_hook)
                            ),
                        ),
                    )
                    for locale in self.locale_ids
                ],
            ),
        )

        # A bot version is immutable: a changed definition must produce a new CfnBotVersion resource, so
        # the id carries a digest of everything the version snapshots (locales hold literals only).
        definition = {"locales": stack.resolve(bot_locales), "idle_session_ttl": idle_session_ttl_seconds}
        digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:8]
        self.version = lex.CfnBotVersion(
            self,
            f"Version{digest}",
            bot_id=self.bot.attr_id,
            bot_version_locale_specification=[
                lex.CfnBotVersion.BotVersionLocaleSpecificationProperty(
                    locale_id=locale,
                    bot_version_locale_details=lex.CfnBotVersion.BotVersionLocaleDetailsProperty(
                        source_bot_version="DRAFT"
                    ),
                )
                for locale in self.locale_ids
            ],
            description=f"Definition {digest}",
        )
        self.alias = lex.CfnBotAlias(
            self,
            "LiveAlias",
            bot_alias_name=ALIAS_NAME,
            bot_id=self.bot.attr_id,
            bot_version=self.version.attr_bot_version,
            description="Published version with the fulfillment Lambda and conversation logs",
            bot_alias_locale_settings=[
                lex.CfnBotAlias.BotAliasLocaleSettingsItemProperty(
                    locale_id=locale,
                    bot_alias_locale_setting=lex.CfnBotAlias.BotAliasLocaleSettingsProperty(
                        enabled=True,
                        code_hook_specification=lex.CfnBotAlias.CodeHookSpecificationProperty(
                            lambda_code_hook=lex.CfnBotAlias.LambdaCodeHookProperty(**lambda_hook)
                        ),
                    ),
                )
                for locale in self.locale_ids
            ],
            conversation_log_settings=lex.CfnBotAlias.ConversationLogSettingsProperty(
                text_log_settings=[
                    lex.CfnBotAlias.TextLogSettingProperty(
                        enabled=True,
                        destination=lex.CfnBotAlias.TextLogDestinationProperty(
                            cloud_watch=lex.CfnBotAlias.CloudWatchLogGroupLogDestinationProperty(
                                cloud_watch_log_group_arn=self.conversation_log_group_plain_arn,
                                log_prefix=f"{ALIAS_NAME}/",
                            )
                        ),
                    )
                ]
            ),
        )
        # Lex checks on create that its role may write to the log group.
        self.alias.node.add_dependency(self.role)
        acknowledge_aws_solutions(
            self.alias,
            "LEX4",
            "Text logs go to a log group that CloudWatch Logs encrypts at rest with its own key; a "
            "customer managed KMS key would cost $1 a month idle and outlive `cdk destroy` for its "
            "7-30 day pending-deletion window, against the sandbox's idle-cost and teardown defaults.",
        )

        # One permission for every alias of this bot: the test alias (TSTALIASID) and `live`.
        self.invoke_permission = lambda_.CfnPermission(
            self,
            "InvokeFulfillment",
            action="lambda:InvokeFunction",
            function_name=fulfillment.function_arn,
            principal="lexv2.amazonaws.com",
            source_account=stack.account,
            source_arn=stack.format_arn(
                service="lex",
                resource="bot-alias",
                resource_name=f"{self.bot.attr_id}/*",
            ),
        )

    @staticmethod
    def _locale(locale: str, voice_id: str, sample_image_names: Sequence[str]) -> lex.CfnBot.BotLocaleProperty:
        samples = ", ".join(sample_image_names)
        return lex.CfnBot.BotLocaleProperty(
            locale_id=locale,
            nlu_confidence_threshold=NLU_CONFIDENCE_THRESHOLD,
            voice_settings=lex.CfnBot.VoiceSettingsProperty(voice_id=voice_id, engine="neural"),
            slot_types=[LexBot._slot_type(slot_type, sample_image_names) for slot_type in BOT_MODEL.slot_types],
            intents=[
                *(LexBot._intent(intent, samples) for intent in INTENTS),
                lex.CfnBot.IntentProperty(
                    name=FALLBACK_INTENT,
                    description="Anything the bot does not understand; the Lambda replies with help",
                    parent_intent_signature="AMAZON.FallbackIntent",
                    fulfillment_code_hook=lex.CfnBot.FulfillmentCodeHookSettingProperty(enabled=True),
                ),
            ],
        )

    @staticmethod
    def _slot_type(slot_type: SlotType, sample_image_names: Sequence[str]) -> lex.CfnBot.SlotTypeProperty:
        if slot_type.values_from == "sample_images":
            values = [_value(sample) for sample in sample_image_names]
        elif slot_type.values_from == "target_languages":
            values = [_value(name, *synonyms) for name, synonyms in TARGET_LANGUAGES.items()]
        elif slot_type.values_from:
            raise ValueError(
                f"{BOT_MODEL_FILE}: slot type {slot_type.name} takes values_from "
                f"{slot_type.values_from!r}; allowed: sample_images, target_languages"
            )
        else:
            values = [_value(value) for value in slot_type.values]
        return lex.CfnBot.SlotTypeProperty(
            name=slot_type.name,
            description=slot_type.description,
            slot_type_values=values,
            value_selection_setting=_selection(slot_type.resolution),
        )

    @staticmethod
    def _intent(intent: Intent, samples: str) -> lex.CfnBot.IntentProperty:
        return lex.CfnBot.IntentProperty(
            name=intent.name,
            description=intent.description,
            sample_utterances=[lex.CfnBot.SampleUtteranceProperty(utterance=u) for u in intent.utterances],
            fulfillment_code_hook=lex.CfnBot.FulfillmentCodeHookSettingProperty(enabled=True),
            slots=[
                lex.CfnBot.SlotProperty(
                    name=slot.name,
                    slot_type_name=slot.slot_type,
                    value_elicitation_setting=lex.CfnBot.SlotValueElicitationSettingProperty(
                        slot_constraint="Required",
                        prompt_specification=lex.CfnBot.PromptSpecificationProperty(
                            max_retries=2,
                            allow_interrupt=True,
                            message_groups_list=[
                                lex.CfnBot.MessageGroupProperty(
                                    message=lex.CfnBot.MessageProperty(
                                        plain_text_message=lex.CfnBot.PlainTextMessageProperty(
                                            value=slot.prompt.format(samples=samples)
                                        )
                                    )
                                )
                            ],
                        ),
                    ),
                )
                for slot in intent.slots
            ]
            or None,
            slot_priorities=[
                lex.CfnBot.SlotPriorityProperty(priority=index + 1, slot_name=slot.name)
                for index, slot in enumerate(intent.slots)
            ]
            or None,
        )


def _value(value: str, *synonyms: str) -> lex.CfnBot.SlotTypeValueProperty:
    return lex.CfnBot.SlotTypeValueProperty(
        sample_value=lex.CfnBot.SampleValueProperty(value=value),
        synonyms=[lex.CfnBot.SampleValueProperty(value=synonym) for synonym in synonyms] or None,
    )


def _selection(strategy: str) -> lex.CfnBot.SlotValueSelectionSettingProperty:
    return lex.CfnBot.SlotValueSelectionSettingProperty(resolution_strategy=strategy)
