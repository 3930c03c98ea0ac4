"""boto3's lexv2-runtime against the emulator, with the app's bot and its real fulfillment function."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlstack.emulator.lex import bot_model
from tests.mlstack.emulator.templates import REGION

FUNCTION_CODE = Path(__file__).resolve().parents[4] / "lambdas" / "lex_fulfillment"


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            archive.write(path, str(path.relative_to(folder)))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bot_id(aws: Callable[[str], Any], bot_properties: dict[str, Any]) -> Iterator[str]:
    role = aws("iam").create_role(RoleName="fulfillment", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function = aws("lambda").create_function(
        FunctionName="fulfillment",
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": zipped(FUNCTION_CODE)},
        Timeout=25,
        Environment={"Variables": {"SAMPLE_IMAGES": "house,poster,sign", "POWERTOOLS_SERVICE_NAME": "bot"}},
    )
    bot_model.register_bot("BOT1234567", bot_properties)
    settings = [{"LocaleId": "en_US", "BotAliasLocaleSetting": {"Enabled": True, "CodeHookSpecification": {
        "LambdaCodeHook": {"LambdaArn": function["FunctionArn"], "CodeHookInterfaceVersion": "1.0"}}}}]  # fmt: skip
    bot_model.register_alias(
        "BOT1234567", "ALIAS12345", {"BotAliasName": "live", "BotVersion": "1", "BotAliasLocaleSettings": settings}
    )
    yield "BOT1234567"
    bot_model.unregister_bot("BOT1234567")


def say(aws: Callable[[str], Any], text: str, session: str = "s1-session", alias: str = "ALIAS12345") -> dict[str, Any]:
    return aws("lexv2-runtime").recognize_text(
        botId="BOT1234567", botAliasId=alias, localeId="en_US", sessionId=session, text=text
    )


def test_help_is_answered_by_the_real_fulfillment_function(aws: Callable[[str], Any], bot_id: str) -> None:
    reply = say(aws, "help")
    assert reply["sessionState"]["intent"]["name"] == "Help"
    assert reply["sessionState"]["intent"]["state"] == "Fulfilled"
    assert reply["messages"][0]["content"].startswith("I can:")
    assert "house, poster, sign" in reply["messages"][0]["content"]  # from the function's own environment


def test_translation_is_visibly_emulated_and_carries_both_languages(aws: Callable[[str], Any], bot_id: str) -> None:
    reply = say(aws, "translate good night to French", session="tt")
    assert reply["messages"][0]["content"] == "In French: [emulated fr] good night"
    assert reply["sessionState"]["sessionAttributes"] == {"sourceLanguage": "en", "targetLanguage": "fr"}


def test_a_session_can_be_read_and_deleted(aws: Callable[[str], Any], bot_id: str) -> None:
    say(aws, "describe an image", session="gs")
    runtime = aws("lexv2-runtime")
    ids = {"botId": "BOT1234567", "botAliasId": "ALIAS12345", "localeId": "en_US", "sessionId": "gs"}
    state = runtime.get_session(**ids)["sessionState"]
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "ImageName"}
    runtime.delete_session(**ids)
    with pytest.raises(ClientError) as gone:
        runtime.get_session(**ids)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_unknown_alias_is_not_found(aws: Callable[[str], Any], bot_id: str) -> None:
    with pytest.raises(ClientError) as missing:
        say(aws, "help", alias="NOALIAS123")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_describe_bot_reports_the_deployed_bot_available(aws: Callable[[str], Any], bot_id: str) -> None:
    described = aws("lexv2-models").describe_bot(botId="BOT1234567")
    assert described["botStatus"] == "Available"
    assert described["botName"] == bot_model.BOTS["BOT1234567"].name


def test_a_reply_outside_the_lex_format_fails_the_turn_as_lex_would(aws: Callable[[str], Any], bot_id: str) -> None:
    broken = aws("lambda").create_function(
        FunctionName="broken",
        Runtime="python3.11",
        Role=aws("iam").get_role(RoleName="fulfillment")["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": _one_file("index.py", "def handler(event, context):\n    return {'dialogAction': 'Close'}\n")},
    )
    hooks = {"en_US": broken["FunctionArn"]}
    bot_model.BOTS["BOT1234567"].aliases["BROKEN1234"] = bot_model.Alias("BROKEN1234", "broken", "1", hooks)
    with pytest.raises(ClientError) as failed:
        say(aws, "help", alias="BROKEN1234")
    assert failed.value.response["Error"]["Code"] == "DependencyFailedException"
    assert "outside the Lex V2 format" in failed.value.response["Error"]["Message"]


def _one_file(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def test_region_of_the_fixture_is_the_emulators() -> None:
    assert REGION == "us-east-1"
