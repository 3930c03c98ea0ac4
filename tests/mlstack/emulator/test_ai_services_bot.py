"""The bot's replies in the emulator, from the app's bot and its real fulfillment function: every answer of an
emulated AI service reaches the user marked `[emulated]`, and the speech it links to is a playable MP3."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mlstack.emulator.lex import bot_model
from tests.mlstack.emulator.test_ai_services import mp3_frames

ROOT = Path(__file__).resolve().parents[3]
FUNCTION_CODE = ROOT / "lambdas" / "lex_fulfillment"
SAMPLE_IMAGES = ROOT / "stacks" / "assets" / "sample_images"
BUCKET = "bot-data"
BOT, ALIAS, ENDPOINT = "BOTAI12345", "ALIASAI123", "sentiment"


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, str(path.relative_to(folder)))
    return buffer.getvalue()


def _sentiment_endpoint(aws: Callable[[str], Any]) -> None:
    sagemaker = aws("sagemaker")
    role = "arn:aws:iam::123456789012:role/model"
    image = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:cpu"
    sagemaker.create_model(ModelName=ENDPOINT, ExecutionRoleArn=role, PrimaryContainer={"Image": image})
    variant = {"VariantName": "all", "ModelName": ENDPOINT, "InitialInstanceCount": 1, "InstanceType": "ml.t2.medium"}
    sagemaker.create_endpoint_config(EndpointConfigName=ENDPOINT, ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=ENDPOINT)


@pytest.fixture(scope="module")
def bot(aws: Callable[[str], Any]) -> Iterator[str]:
    from tests.conftest import synth_app

    template = synth_app(layers="data,api_services").get_stack_by_name("Mlstack-ApiServices").template
    [properties] = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Lex::Bot"]
    aws("s3").create_bucket(Bucket=BUCKET)
    for path in SAMPLE_IMAGES.glob("*.png"):
        aws("s3").put_object(Bucket=BUCKET, Key=f"samples/images/{path.name}", Body=path.read_bytes())
    _sentiment_endpoint(aws)
    role = aws("iam").create_role(RoleName="bot-fulfillment", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    environment = {"DATA_BUCKET": BUCKET, "SAMPLE_IMAGES": "house,poster,sign", "SENTIMENT_ENDPOINT": ENDPOINT}
    function = aws("lambda").create_function(
        FunctionName="bot-fulfillment",
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _zipped(FUNCTION_CODE)},
        Timeout=25,
        Environment={"Variables": {**environment, "POWERTOOLS_SERVICE_NAME": "bot"}},
    )
    bot_model.register_bot(BOT, properties)
    hook = {"LambdaCodeHook": {"LambdaArn": function["FunctionArn"], "CodeHookInterfaceVersion": "1.0"}}
    settings = [{"LocaleId": "en_US", "BotAliasLocaleSetting": {"Enabled": True, "CodeHookSpecification": hook}}]
    bot_model.register_alias(
        BOT, ALIAS, {"BotAliasName": "live", "BotVersion": "1", "BotAliasLocaleSettings": settings}
    )
    yield BOT
    bot_model.unregister_bot(BOT)


def say(aws: Callable[[str], Any], text: str, session: str) -> dict[str, Any]:
    return aws("lexv2-runtime").recognize_text(
        botId=BOT, botAliasId=ALIAS, localeId="en_US", sessionId=session, text=text
    )


def first_message(reply: dict[str, Any]) -> str:
    return str(reply["messages"][0]["content"])


def test_the_labels_in_the_reply_describe_the_image_and_are_marked(aws: Callable[[str], Any], bot: str) -> None:
    reply = first_message(say(aws, "describe house", "labels"))
    assert reply == (
        "In house I see: [emulated] PNG image (99%), [emulated] landscape 320x240 (99%), [emulated] mostly grey (99%)."
    )


def test_the_text_reply_says_nothing_was_read(aws: Callable[[str], Any], bot: str) -> None:
    assert first_message(say(aws, "read the text in sign", "text")) == (
        "The text in sign reads: [emulated] no text recognition offline"
    )


def test_the_sentiment_reply_is_marked(aws: Callable[[str], Any], bot: str) -> None:
    reply = first_message(say(aws, "what is the sentiment of I love this product", "sentiment"))
    assert reply.startswith("That sounds [emulated] positive (")


def test_the_speech_the_reply_links_to_is_a_playable_mp3(aws: Callable[[str], Any], bot: str) -> None:
    reply = say(aws, "say hello world", "speech")
    assert reply["sessionState"]["intent"]["state"] == "Fulfilled", json.dumps(reply)
    key = reply["sessionState"]["sessionAttributes"]["speechKey"]
    stored = aws("s3").get_object(Bucket=BUCKET, Key=key)
    assert stored["ContentType"] == "audio/mpeg"
    frames, seconds = mp3_frames(stored["Body"].read())
    assert frames > 10 and seconds > 0.4
