"""Lex V2 bots, versions and aliases give the ids and ARNs templates read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import (
    delete,
    deploy,
    outputs_of,
    template,
)


def test_lex_bot_version_and_alias_give_the_attributes_templates_read(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Bot": {"Type": "AWS::Lex::Bot", "Properties": {"Name": "b", "RoleArn": "arn:aws:iam::1:role/r"}},
                "Version": {"Type": "AWS::Lex::BotVersion", "Properties": {"BotId": {"Ref": "Bot"}}},
                "Alias": {
                    "Type": "AWS::Lex::BotAlias",
                    "Properties": {
                        "BotId": {"Fn::GetAtt": ["Bot", "Id"]},
                        "BotVersion": {"Fn::GetAtt": ["Version", "BotVersion"]},
                        "BotAliasName": "live",
                    },
                },
            },
            {
                "BotRef": {"Ref": "Bot"},
                "BotId": {"Fn::GetAtt": ["Bot", "Id"]},
                "BotArn": {"Fn::GetAtt": ["Bot", "Arn"]},
                "Version": {"Fn::GetAtt": ["Version", "BotVersion"]},
                "AliasRef": {"Ref": "Alias"},
                "AliasId": {"Fn::GetAtt": ["Alias", "BotAliasId"]},
                "AliasArn": {"Fn::GetAtt": ["Alias", "Arn"]},
            },
        ),
    )
    out = outputs_of(stack)
    assert out["BotRef"] == out["BotId"] and len(out["BotId"]) == 10
    assert out["BotArn"] == f"arn:aws:lex:us-east-1:123456789012:bot/{out['BotId']}"
    assert out["Version"] == "1"
    assert out["AliasRef"] == f"{out['AliasId']}|{out['BotId']}"
    assert out["AliasArn"] == f"arn:aws:lex:us-east-1:123456789012:bot-alias/{out['BotId']}/{out['AliasId']}"
    delete(aws, stack)
