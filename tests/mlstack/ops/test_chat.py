"""The chat library: the bot's address from the stack outputs, conversations, the interactive loop (Stubber'd
lexv2-runtime, moto CloudFormation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mlstack.ops import chat
from mlstack.ops.deployment import Deployment, OutputMissing, StackNotDeployed
from stacks import outputs
from tests.mlstack.lex_runtime_stub import BOT, TEMPLATE, expect, lex_reply


@pytest.fixture
def lex() -> Any:
    return boto3.client("lexv2-runtime", region_name="us-east-1")


def test_the_bots_address_is_read_from_the_stack_outputs_by_key(moto_account: str) -> None:
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(StackName="Mlstack-ApiServices", TemplateBody=json.dumps(TEMPLATE))
    assert chat.bot_address(Deployment.load()) == BOT
    with pytest.raises(StackNotDeployed, match="stack Team-ApiServices is not deployed in us-east-1"):
        chat.bot_address(Deployment.load(prefix="team"))


def test_a_missing_output_is_named(moto_account: str) -> None:
    template = {**TEMPLATE, "Outputs": {outputs.BOT_ID: {"Value": "x"}}}
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(StackName="Mlstack-ApiServices", TemplateBody=json.dumps(template))
    with pytest.raises(OutputMissing, match=f"stack Mlstack-ApiServices has no output {outputs.BOT_ALIAS_ID}"):
        chat.bot_address(Deployment.load())


def test_conversations_pass_when_intent_and_fragment_match(lex: Any, tmp_path: Path) -> None:
    # given a two-turn conversation and a bot that answers as expected
    path = tmp_path / "c.yaml"
    path.write_text(
        "conversations:\n"
        "  - name: translate\n"
        "    turns:\n"
        "      - {say: translate hi, intent: TranslateText, reply: language}\n"
        "      - {say: French, intent: TranslateText, reply: [In French, Bonjour]}\n"
    )
    stubber = Stubber(lex)
    expect(stubber, "translate hi", lex_reply("TranslateText", "InProgress", "Which language?"))
    expect(stubber, "French", lex_reply("TranslateText", "Fulfilled", "In French: Salut"))
    lines: list[str] = []
    # when the harness runs it
    sessions: list[str] = []

    class Recording:
        def recognize_text(self, **request: Any) -> Any:
            sessions.append(request["sessionId"])
            return lex.recognize_text(**request)

    with stubber:
        outcomes = chat.run_conversations(Recording(), BOT, chat.load_conversations(path))
    code = chat.report(outcomes, write=lines.append)
    # then both turns pass, in one session, and the exit code is 0
    assert len(sessions) == 2
    assert sessions[0] == sessions[1]
    assert code == 0
    assert [outcome.passed for outcome in outcomes] == [True, True]
    assert lines[-1] == "2 passed, 0 failed"
    stubber.assert_no_pending_responses()


def test_conversations_fail_on_a_wrong_intent_or_missing_fragment(lex: Any, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "conversations:\n"
        "  - name: one\n"
        "    turns: [{say: help, intent: Help, reply: I can}]\n"
        "  - name: two\n"
        "    turns: [{say: describe house, intent: DescribeImage, reply: I see}]\n"
    )
    stubber = Stubber(lex)
    expect(stubber, "help", lex_reply("FallbackIntent", "Fulfilled", "Sorry, I didn't understand that."))
    expect(stubber, "describe house", lex_reply("DescribeImage", "Failed", "Sorry, I'm not allowed to use it."))
    lines: list[str] = []
    with stubber:
        code = chat.report(chat.run_conversations(lex, BOT, chat.load_conversations(path)), write=lines.append)
    assert code == 1
    assert lines[-1] == "0 passed, 2 failed"
    assert sum(line.startswith("FAIL") for line in lines) == 2
    assert any("expected the reply to contain one of: 'I see'" in line for line in lines)


def test_aws_errors_during_conversations_are_failures_not_crashes(lex: Any) -> None:
    stubber = Stubber(lex)
    stubber.add_client_error("recognize_text", service_error_code="ResourceNotFoundException", http_status_code=404)
    checks = [[chat.Check("c", "help", "Help", ("I can",))]]
    with stubber:
        outcomes = chat.run_conversations(lex, BOT, checks)
    assert not outcomes[0].passed
    assert "ResourceNotFoundException" in outcomes[0].error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "top-level 'conversations' list"),
        ("conversations: [{name: x}]", "non-empty 'turns' list"),
        ("conversations: [{name: x, turns: [{say: hi}]}]", "needs string fields say and intent"),
        ("conversations: [{name: x, turns: [{say: hi, intent: Help}]}]", "needs a reply fragment"),
        ("conversations: [", "cannot read conversations"),
    ],
)
def test_bad_conversation_files_get_a_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(chat.ChatError, match=message):
        chat.load_conversations(path)


def test_a_turn_may_expect_lex_to_refuse_it_and_pad_to_lengthens_it(lex: Any, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("conversations: [{name: long, turns: [{say: say, pad_to: 1100, error: ValidationException}]}]")
    [[check]] = chat.load_conversations(path)
    assert len(check.say) == 1100 and check.say.startswith("say la la") and check.error == "ValidationException"
    stubber = Stubber(lex)
    stubber.add_client_error("recognize_text", service_error_code="ValidationException", http_status_code=400)
    expect(stubber, check.say, lex_reply("Speak", "Fulfilled", "Here is your text"))
    with stubber:
        refused = chat.run_conversations(lex, BOT, [[check]])
        answered = chat.run_conversations(lex, BOT, [[check]])
    assert refused[0].passed  # Lex refused it with the expected code
    assert not answered[0].passed  # an answer where a refusal was expected fails


def test_the_shipped_conversations_cover_every_intent() -> None:
    conversations = chat.load_conversations(chat.CONVERSATIONS)
    intents = {check.intent for checks in conversations for check in checks if not check.error}
    assert intents == {
        "Help",
        "Forecast",
        "DescribeImage",
        "ReadText",
        "Speak",
        "TranslateText",
        "AnalyzeSentiment",
        "FallbackIntent",
    }


def test_interactive_mode_shows_replies_until_quit(lex: Any) -> None:
    stubber = Stubber(lex)
    expect(stubber, "help", lex_reply("Help", "Fulfilled", "I can: describe an image."))
    typed = iter(["help", "", "quit"])
    lines: list[str] = []
    with stubber:
        code = chat.interactive(lex, BOT, read=lambda _: next(typed), write=lines.append)
    assert code == 0
    assert "bot> I can: describe an image." in lines
    assert "     [Help: Fulfilled]" in lines


def test_region_prefers_the_setting_then_aws_region_then_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    from mlstack.ops import settings as ops_settings

    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert ops_settings.region_of(ops_settings.load({"region": "eu-west-1"})) == "eu-west-1"
    assert ops_settings.region_of(ops_settings.load({"region": ""})) == "ap-south-1"
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "sa-east-1")
    assert ops_settings.region_of(ops_settings.load({"region": ""})) == "sa-east-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert ops_settings.region_of(ops_settings.load({"region": ""})) == "us-east-1"
