"""The deployed bots and aliases, read from their CloudFormation properties (AWS::Lex::Bot, AWS::Lex::BotAlias).

The Lex CloudFormation handlers (resources/lex.py) register what they create here; the runtime API reads it.
Only what RecognizeText needs is modelled: locales with their intents, sample utterances, slots and their
prompts, slot types with values, synonyms and resolution strategy, the idle session TTL, and each alias's
code hook Lambda per locale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FALLBACK_SIGNATURE = "AMAZON.FallbackIntent"
TEST_ALIAS_ID = "TSTALIASID"  # the alias Lex gives every bot's DRAFT version


@dataclass(frozen=True)
class SlotType:
    name: str
    # Canonical value -> the lowercase phrases that resolve to it (the value itself and its synonyms).
    values: dict[str, tuple[str, ...]]
    # ORIGINAL_VALUE: any text fills the slot as said; TOP_RESOLUTION: only a listed value or synonym does.
    strategy: str = "ORIGINAL_VALUE"

    def resolve(self, text: str) -> tuple[str, list[str]] | None:
        """(interpretedValue, resolvedValues) for what the user said, or None when the slot stays empty."""
        spoken = " ".join(text.split()).lower()
        matches = [value for value, phrases in self.values.items() if spoken in phrases]
        if self.strategy == "TOP_RESOLUTION":
            return (matches[0], matches) if matches else None
        return text.strip(), matches


@dataclass(frozen=True)
class Slot:
    name: str
    slot_type: str
    required: bool
    prompt: str


@dataclass(frozen=True)
class Intent:
    name: str
    utterances: tuple[str, ...]
    slots: tuple[Slot, ...]
    fulfillment_code_hook: bool
    dialog_code_hook: bool
    fallback: bool = False


@dataclass(frozen=True)
class Locale:
    locale_id: str
    intents: tuple[Intent, ...]
    slot_types: dict[str, SlotType]

    @property
    def fallback(self) -> Intent:
        return next(
            (intent for intent in self.intents if intent.fallback),
            Intent("FallbackIntent", (), (), fulfillment_code_hook=False, dialog_code_hook=False, fallback=True),
        )

    def intent(self, name: str) -> Intent | None:
        return next((intent for intent in self.intents if intent.name == name), None)


@dataclass(frozen=True)
class Alias:
    alias_id: str
    name: str
    version: str
    # Locale id -> the code hook Lambda's ARN.
    code_hooks: dict[str, str]


@dataclass
class Bot:
    bot_id: str
    name: str
    idle_session_ttl_seconds: int
    locales: dict[str, Locale]
    # By alias id; the test alias (TSTALIASID, the DRAFT version) from TestBotAliasSettings.
    aliases: dict[str, Alias] = field(default_factory=dict)


def _text(message_groups: Any) -> str:
    for group in message_groups or []:
        plain = (group.get("Message") or {}).get("PlainTextMessage") or {}
        if plain.get("Value"):
            return str(plain["Value"])
    return ""


def _slot_type(properties: dict[str, Any]) -> SlotType:
    values: dict[str, tuple[str, ...]] = {}
    for item in properties.get("SlotTypeValues") or []:
        value = str((item.get("SampleValue") or {}).get("Value", ""))
        synonyms = [str(s.get("Value", "")) for s in item.get("Synonyms") or []]
        values[value] = tuple(" ".join(p.split()).lower() for p in (value, *synonyms) if p)
    strategy = (properties.get("ValueSelectionSetting") or {}).get("ResolutionStrategy", "ORIGINAL_VALUE")
    return SlotType(str(properties.get("Name", "")), values, str(strategy))


def _intent(properties: dict[str, Any]) -> Intent:
    slots = []
    for slot in properties.get("Slots") or []:
        elicitation = slot.get("ValueElicitationSetting") or {}
        prompt = _text((elicitation.get("PromptSpecification") or {}).get("MessageGroupsList"))
        slots.append(
            Slot(
                name=str(slot["Name"]),
                slot_type=str(slot.get("SlotTypeName", "")),
                required=elicitation.get("SlotConstraint") == "Required",
                prompt=prompt,
            )
        )
    priorities = {p["SlotName"]: int(p["Priority"]) for p in properties.get("SlotPriorities") or []}
    slots.sort(key=lambda slot: priorities.get(slot.name, len(priorities) + 1))
    return Intent(
        name=str(properties["Name"]),
        utterances=tuple(str(u["Utterance"]) for u in properties.get("SampleUtterances") or []),
        slots=tuple(slots),
        fulfillment_code_hook=bool((properties.get("FulfillmentCodeHook") or {}).get("Enabled")),
        dialog_code_hook=bool((properties.get("DialogCodeHook") or {}).get("Enabled")),
        fallback=properties.get("ParentIntentSignature") == FALLBACK_SIGNATURE,
    )


def _code_hooks(locale_settings: Any) -> dict[str, str]:
    hooks = {}
    for item in locale_settings or []:
        setting = item.get("BotAliasLocaleSetting") or {}
        arn = ((setting.get("CodeHookSpecification") or {}).get("LambdaCodeHook") or {}).get("LambdaArn")
        if setting.get("Enabled", True) and arn:
            hooks[str(item["LocaleId"])] = str(arn)
    return hooks


def bot_from_properties(bot_id: str, properties: dict[str, Any]) -> Bot:
    locales = {}
    for locale in properties.get("BotLocales") or []:
        slot_types = {t.name: t for t in map(_slot_type, locale.get("SlotTypes") or [])}
        intents = tuple(_intent(intent) for intent in locale.get("Intents") or [])
        locales[str(locale["LocaleId"])] = Locale(str(locale["LocaleId"]), intents, slot_types)
    bot = Bot(
        bot_id=bot_id,
        name=str(properties.get("Name", bot_id)),
        idle_session_ttl_seconds=int(properties.get("IdleSessionTTLInSeconds", 300)),
        locales=locales,
    )
    test_alias = (properties.get("TestBotAliasSettings") or {}).get("BotAliasLocaleSettings")
    bot.aliases[TEST_ALIAS_ID] = Alias(TEST_ALIAS_ID, "TestBotAlias", "DRAFT", _code_hooks(test_alias))
    return bot


# What is deployed now, by bot id. The CloudFormation handlers keep it; the runtime API only reads it.
BOTS: dict[str, Bot] = {}


def register_bot(bot_id: str, properties: dict[str, Any]) -> None:
    aliases = BOTS[bot_id].aliases if bot_id in BOTS else {}
    bot = bot_from_properties(bot_id, properties)
    bot.aliases = {**aliases, **bot.aliases}  # an updated bot keeps its aliases
    BOTS[bot_id] = bot


def register_alias(bot_id: str, alias_id: str, properties: dict[str, Any]) -> None:
    if bot_id in BOTS:
        BOTS[bot_id].aliases[alias_id] = Alias(
            alias_id,
            str(properties.get("BotAliasName", alias_id)),
            str(properties.get("BotVersion", "DRAFT")),
            _code_hooks(properties.get("BotAliasLocaleSettings")),
        )


def unregister_bot(bot_id: str) -> None:
    BOTS.pop(bot_id, None)


def unregister_alias(bot_id: str, alias_id: str) -> None:
    if bot_id in BOTS:
        BOTS[bot_id].aliases.pop(alias_id, None)
