"""LexBot in a bare stack: conversation logs with the log group ARN Lex V2 documents, and the bot role's scope."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from stacks.constructs.lex_bot import LexBot
from tests.unit.constructs.conftest import bare_stack, statements_of

# Lex V2's CloudWatchLogGroupArn pattern (API reference, CloudWatchLogGroupLogDestination; read 2026-12-04).
LEX_LOG_GROUP_ARN = r"arn:[\w\-]+:logs:[\w\-]+:[\d]{12}:log-group:[\.\-_/#A-Za-z0-9]{1,512}(?::\*)?"


@pytest.fixture(scope="module")
def bot() -> tuple[LexBot, Template]:
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
        name="mlstack-bot",
        fulfillment=fulfillment,
        locales=["en_US"],
        idle_session_ttl_seconds=300,
        voice_id="Joanna",
        sample_image_names=[],
        log_retention_days=30,
    )
    return bot, Template.from_stack(stack)


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


def test_bot_role_may_write_its_conversation_logs_only(bot: tuple[LexBot, Template]) -> None:
    lex_bot, template = bot
    log_group_id = _log_group_id(lex_bot)
    statements = list(statements_of(template, lex_bot.role).values())
    assert [(sorted(s["Action"]), s["Resource"]) for s in statements] == [
        (["logs:CreateLogStream", "logs:PutLogEvents"], {"Fn::GetAtt": [log_group_id, "Arn"]})
    ]
