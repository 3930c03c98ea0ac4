"""Lex V2 CloudFormation resources: moto has no Lex V2 at all. Bots and aliases are kept in the emulator's
bot model (mlstack.emulator.lex.bot_model), which its Lex V2 runtime answers from; versions are numbers."""

from __future__ import annotations

from typing import ClassVar

from mlstack.emulator.lex import bot_model
from mlstack.emulator.resources.base import EmulatedResource, short_id


class LexBot(EmulatedResource):
    """AWS::Lex::Bot: moto has no Lex V2. Ref is the bot id; GetAtt Id and Arn."""

    CFN_TYPE = "AWS::Lex::Bot"
    ATTRIBUTES = ("Id", "Arn")

    def create(self) -> None:
        self.name = short_id()
        self.attributes = {"Id": self.name, "Arn": self.arn("lex", f"bot/{self.name}")}
        bot_model.register_bot(self.name, self.properties)

    def update_from(self, original: EmulatedResource) -> None:
        # A bot keeps its id across updates, so aliases and Lambda permissions stay valid.
        self.name, self.attributes = original.name, dict(original.attributes)
        bot_model.register_bot(self.name, self.properties)

    def delete(self, account_id: str, region_name: str) -> None:
        bot_model.unregister_bot(self.name)


class LexBotVersion(EmulatedResource):
    """AWS::Lex::BotVersion: Ref and GetAtt BotVersion are the version number, counted per bot."""

    CFN_TYPE = "AWS::Lex::BotVersion"
    ATTRIBUTES = ("BotVersion",)
    _versions: ClassVar[dict[str, int]] = {}

    def create(self) -> None:
        bot_id = str(self.properties.get("BotId", ""))
        number = LexBotVersion._versions.get(bot_id, 0) + 1
        LexBotVersion._versions[bot_id] = number
        self.name = str(number)
        self.attributes = {"BotVersion": self.name}

    def update_from(self, original: EmulatedResource) -> None:
        self.create()  # CloudFormation publishes a new version; the old one is deleted by the service later


class LexBotAlias(EmulatedResource):
    """AWS::Lex::BotAlias: Ref is `aliasId|botId` (as in CloudFormation); GetAtt BotAliasId and Arn."""

    CFN_TYPE = "AWS::Lex::BotAlias"
    ATTRIBUTES = ("BotAliasId", "Arn")

    def create(self) -> None:
        alias_id = short_id()
        bot_id = self.properties.get("BotId", "")
        self.name = f"{alias_id}|{bot_id}"
        self.attributes = {"BotAliasId": alias_id, "Arn": self.arn("lex", f"bot-alias/{bot_id}/{alias_id}")}
        bot_model.register_alias(str(bot_id), alias_id, self.properties)

    def update_from(self, original: EmulatedResource) -> None:
        self.name, self.attributes = original.name, dict(original.attributes)
        alias_id, _, bot_id = self.name.partition("|")
        bot_model.register_alias(bot_id, alias_id, self.properties)

    def delete(self, account_id: str, region_name: str) -> None:
        alias_id, _, bot_id = self.name.partition("|")
        bot_model.unregister_alias(bot_id, alias_id)
