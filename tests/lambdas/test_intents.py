"""Each intent end to end through the handler: moto for S3, DynamoDB, Rekognition, Polly and SageMaker runtime,
botocore's Stubber for Translate (moto lacks it) and for the error paths moto cannot produce."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from botocore.stub import Stubber

from mlstack.emulator.lex.response_format import lex_response_problems
from tests.lambdas.conftest import BUCKET, ENDPOINT, FakeLambdaContext, lex_event, recorded


def invoke(event: dict[str, Any], context: FakeLambdaContext | None = None) -> dict[str, Any]:
    from handler import handler

    response = handler(event, context or FakeLambdaContext())
    assert lex_response_problems(response) == []
    return response


def message(response: dict[str, Any]) -> str:
    return " ".join(item["content"] for item in response.get("messages", []))


def intent_state(response: dict[str, Any]) -> tuple[str, str]:
    state = response["sessionState"]
    return state["dialogAction"]["type"], state["intent"]["state"]


@contextmanager
def swapped(aws: Any, **services: Any) -> Iterator[None]:
    """Run with some clients replaced (e.g. by a client under a Stubber)."""
    from clients import use_clients

    use_clients(replace(aws, **services))
    try:
        yield
    finally:
        use_clients(aws)


def client_error(stubber: Stubber, method: str, code: str, status: int = 400) -> None:
    stubber.add_client_error(method, service_error_code=code, service_message=f"{code} (test)", http_status_code=status)


# --- DescribeImage and ReadText ---------------------------------------------------------------------------------


def test_describe_image_lists_the_labels_rekognition_finds(aws: Any) -> None:
    # given a sample image name the stack uploaded
    event = lex_event("DescribeImage", {"ImageName": "cat"})
    # when the bot fulfils DescribeImage
    response = invoke(event)
    # then the reply lists Rekognition's labels and the intent is fulfilled
    assert intent_state(response) == ("Close", "Fulfilled")
    assert "In cat I see: Mobile Phone (100%)" in message(response)
    # and the request is recorded with its outcome and a TTL thirty days ahead
    [item] = recorded(aws)
    assert item["intent"]["S"] == "DescribeImage"
    assert item["outcome"]["S"] == "Fulfilled"
    assert item["slots"]["M"]["ImageName"]["S"] == "cat"
    assert item["created_at"]["S"].endswith("#req-0001")
    assert abs(int(item["expires_at"]["N"]) - (time.time() + 30 * 86400)) < 60


def test_describe_image_reads_the_sample_key_from_the_data_bucket(aws: Any) -> None:
    # given Rekognition under a Stubber that insists on the exact S3 object
    stubber = Stubber(aws.rekognition)
    stubber.add_response(
        "detect_labels",
        {"Labels": [{"Name": "Cat", "Confidence": 97.2}]},
        {
            "Image": {"S3Object": {"Bucket": BUCKET, "Name": "samples/images/cat.png"}},
            "MaxLabels": 10,
            "MinConfidence": 70.0,
        },
    )
    # when the user says the sample name with its extension and in capitals
    with stubber, swapped(aws, rekognition=aws.rekognition):
        response = invoke(lex_event("DescribeImage", {"ImageName": "Cat.png"}))
    # then the sample key was read and its label reported
    stubber.assert_no_pending_responses()
    assert "Cat (97%)" in message(response)


def test_describe_image_reads_user_uploaded_keys_under_the_images_prefix(aws: Any) -> None:
    stubber = Stubber(aws.rekognition)
    expected = {"Image": {"S3Object": {"Bucket": BUCKET, "Name": "images/holiday/beach.jpg"}}}
    stubber.add_response("detect_text", {"TextDetections": []}, expected)
    stubber.add_response("detect_text", {"TextDetections": []}, expected)
    with stubber, swapped(aws, rekognition=aws.rekognition):
        bare = invoke(lex_event("ReadText", {"ImageName": "holiday/beach.jpg"}))
        prefixed = invoke(lex_event("ReadText", {"ImageName": "images/holiday/beach.jpg"}))
    stubber.assert_no_pending_responses()
    assert message(bare) == "I found no text in holiday/beach.jpg."
    assert message(prefixed) == "I found no text in images/holiday/beach.jpg."


@pytest.mark.parametrize(
    "spoken",
    ["../secret.png", "images/../config.png", "/etc/passwd", "notes.txt", "dog", "s3://other-bucket/x.png", "images/"],
)
def test_image_names_outside_the_allowed_prefixes_are_asked_again(aws: Any, spoken: str) -> None:
    # given a name that is neither a sample nor a PNG/JPEG under images/
    response = invoke(lex_event("DescribeImage", {"ImageName": spoken}))
    # then the bot asks for the image again, naming the samples, and never calls Rekognition
    assert intent_state(response) == ("ElicitSlot", "InProgress")
    assert response["sessionState"]["dialogAction"]["slotToElicit"] == "ImageName"
    assert response["sessionState"]["intent"]["slots"]["ImageName"] is None
    assert "cat, street-sign" in message(response)


def test_read_text_joins_the_lines_rekognition_detects(aws: Any) -> None:
    response = invoke(lex_event("ReadText", {"ImageName": "street-sign"}))
    assert intent_state(response) == ("Close", "Fulfilled")
    assert message(response) == "The text in street-sign reads: IT'S / MONDAY / but keep / Smiling"
    # the image the reply is about travels as a session attribute, for chat clients to show it
    assert response["sessionState"]["sessionAttributes"]["imageKey"] == "samples/images/street-sign.png"


# --- Speak ----------------------------------------------------------------------------------------------------------


def test_speak_stores_the_mp3_and_replies_with_a_presigned_link(aws: Any) -> None:
    # when the user asks the bot to say something
    response = invoke(lex_event("Speak", {"Text": "Hello from the bot"}))
    # then the reply is fulfilled and carries a presigned GET URL valid for an hour
    assert intent_state(response) == ("Close", "Fulfilled")
    intro, link = (item["content"] for item in response["messages"])
    assert "read by Joanna" in intro
    assert "60 minutes" in intro
    url = urlparse(link)
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    # and the MP3 is in the data bucket under the speech prefix, its key a session attribute for chat clients
    [stored] = aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="generated/speech/")["Contents"]
    assert response["sessionState"]["sessionAttributes"] == {
        "greeting": "hi",
        "speechUrl": link,
        "speechKey": stored["Key"],
    }
    assert stored["Key"].endswith(".mp3")
    assert stored["Key"] in url.path
    assert aws.s3.head_object(Bucket=BUCKET, Key=stored["Key"])["ContentType"] == "audio/mpeg"


def test_speak_without_text_asks_what_to_say(aws: Any) -> None:
    response = invoke(lex_event("Speak", {"Text": None}))
    assert intent_state(response) == ("ElicitSlot", "InProgress")
    assert message(response) == "What should I say?"
    assert aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="generated/").get("KeyCount") == 0


def test_speak_rejects_text_longer_than_polly_accepts(aws: Any) -> None:
    response = invoke(lex_event("Speak", {"Text": "la " * 1100}))
    assert intent_state(response) == ("ElicitSlot", "InProgress")
    assert "at most 3,000" in message(response)


def test_speak_when_polly_is_throttled_says_try_again(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the voice setting and Polly throttling the request made with it
    monkeypatch.setenv("POLLY_VOICE", "Matthew")
    stubber = Stubber(aws.polly)
    stubber.add_client_error(
        "synthesize_speech",
        service_error_code="ThrottlingException",
        http_status_code=400,
        expected_params={"Text": "hello", "OutputFormat": "mp3", "VoiceId": "Matthew", "Engine": "neural"},
    )
    # when the user asks to speak, then the reply says to try again
    with stubber, swapped(aws, polly=aws.polly):
        response = invoke(lex_event("Speak", {"Text": "hello"}))
    assert intent_state(response) == ("Close", "Failed")
    assert message(response) == "Amazon Polly is busy right now. Please try again in a few seconds."
    [item] = recorded(aws)
    assert item["outcome"]["S"] == "Failed"
    assert item["result"]["S"] == "error ThrottlingException"


# --- TranslateText --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spoken", "code"), [("French", "fr"), ("fr", "fr"), ("traditional chinese", "zh-TW")])
def test_translate_accepts_language_names_and_codes(aws: Any, spoken: str, code: str) -> None:
    # given Translate under a Stubber (moto has no Translate) expecting the mapped code
    stubber = Stubber(aws.translate)
    stubber.add_response(
        "translate_text",
        {"TranslatedText": "Bonjour", "SourceLanguageCode": "en", "TargetLanguageCode": code},
        {"Text": "good morning", "SourceLanguageCode": "auto", "TargetLanguageCode": code},
    )
    # when the user asks for a translation
    with stubber, swapped(aws, translate=aws.translate):
        response = invoke(lex_event("TranslateText", {"Text": "good morning", "TargetLanguage": spoken}))
    # then the translation comes back, named by language
    stubber.assert_no_pending_responses()
    assert intent_state(response) == ("Close", "Fulfilled")
    attributes = response["sessionState"]["sessionAttributes"]
    assert (attributes["sourceLanguage"], attributes["targetLanguage"]) == ("en", code)
    assert message(response).endswith(": Bonjour")


def test_translate_into_an_unknown_language_asks_again_with_the_supported_list(aws: Any) -> None:
    response = invoke(lex_event("TranslateText", {"Text": "good morning", "TargetLanguage": "Klingon"}))
    assert intent_state(response) == ("ElicitSlot", "InProgress")
    assert response["sessionState"]["dialogAction"]["slotToElicit"] == "TargetLanguage"
    assert "can't translate into Klingon" in message(response)
    assert "French" in message(response)
    assert "Japanese" in message(response)
    # the text the user already gave is kept
    assert response["sessionState"]["intent"]["slots"]["Text"]["value"]["interpretedValue"] == "good morning"


def test_translate_without_a_language_asks_for_one(aws: Any) -> None:
    response = invoke(lex_event("TranslateText", {"Text": "good morning", "TargetLanguage": None}))
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "TargetLanguage"}


def test_translate_access_denied_is_a_polite_failure(aws: Any) -> None:
    stubber = Stubber(aws.translate)
    client_error(stubber, "translate_text", "AccessDeniedException", 403)
    with stubber, swapped(aws, translate=aws.translate):
        response = invoke(lex_event("TranslateText", {"Text": "hi", "TargetLanguage": "German"}))
    assert intent_state(response) == ("Close", "Failed")
    assert "not allowed to use Amazon Translate" in message(response)


# --- AnalyzeSentiment -----------------------------------------------------------------------------------------------


def queue_endpoint_result(body: str) -> None:
    # moto's documented way to script sagemaker-runtime InvokeEndpoint results.
    requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results",
        json={"results": [{"Body": body, "ContentType": "application/json"}]},
        timeout=5,
    ).raise_for_status()


def test_sentiment_reports_the_models_top_label(aws: Any) -> None:
    # given the endpoint answers like the Hugging Face text-classification container
    queue_endpoint_result(json.dumps([{"label": "POSITIVE", "score": 0.9987}]))
    # when the user asks for the sentiment of a text
    response = invoke(lex_event("AnalyzeSentiment", {"Text": "I love this bot"}))
    # then the label and confidence are reported
    assert intent_state(response) == ("Close", "Fulfilled")
    assert message(response) == "That sounds positive (100% confident)."
    assert recorded(aws)[0]["result"]["S"] == "POSITIVE 0.999"


def test_sentiment_without_the_platform_layer_says_it_is_not_deployed(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTIMENT_ENDPOINT", "")
    response = invoke(lex_event("AnalyzeSentiment", {"Text": "I love this bot"}))
    assert intent_state(response) == ("Close", "Failed")
    assert "platform layer is not deployed" in message(response)


def test_sentiment_with_a_missing_endpoint_is_a_polite_failure(aws: Any) -> None:
    stubber = Stubber(aws.sagemaker_runtime)
    stubber.add_client_error(
        "invoke_endpoint",
        service_error_code="ValidationError",
        service_message=f"Endpoint {ENDPOINT} of account 123456789012 not found.",
        http_status_code=400,
        # the request the Hugging Face container expects
        expected_params={
            "EndpointName": ENDPOINT,
            "ContentType": "application/json",
            "Accept": "application/json",
            "Body": '{"inputs": "meh"}',
        },
    )
    with stubber, swapped(aws, sagemaker_runtime=aws.sagemaker_runtime):
        response = invoke(lex_event("AnalyzeSentiment", {"Text": "meh"}))
    assert intent_state(response) == ("Close", "Failed")
    assert "platform layer deployed" in message(response)


def test_sentiment_with_an_unreadable_model_answer_fails_politely(aws: Any) -> None:
    queue_endpoint_result("<html>oops</html>")
    response = invoke(lex_event("AnalyzeSentiment", {"Text": "something else"}))
    assert intent_state(response) == ("Close", "Failed")
    assert "couldn't read" in message(response)


# --- Error paths shared by every intent -----------------------------------------------------------------------------


def test_rekognition_access_denied_is_a_polite_failure(aws: Any) -> None:
    stubber = Stubber(aws.rekognition)
    client_error(stubber, "detect_labels", "AccessDeniedException", 403)
    with stubber, swapped(aws, rekognition=aws.rekognition):
        response = invoke(lex_event("DescribeImage", {"ImageName": "cat"}))
    assert intent_state(response) == ("Close", "Failed")
    assert message(response).startswith("Sorry, I'm not allowed to use Amazon Rekognition here.")


def test_missing_image_object_is_a_polite_failure(aws: Any) -> None:
    # Rekognition reports an S3 object that does not exist as InvalidS3ObjectException.
    stubber = Stubber(aws.rekognition)
    client_error(stubber, "detect_text", "InvalidS3ObjectException", 400)
    with stubber, swapped(aws, rekognition=aws.rekognition):
        response = invoke(lex_event("ReadText", {"ImageName": "images/not-uploaded.png"}))
    assert intent_state(response) == ("Close", "Failed")
    assert "couldn't find that image" in message(response)


def test_a_failure_to_record_does_not_reach_the_user(aws: Any) -> None:
    # given the results table does not exist
    aws.dynamodb.delete_table(TableName="mlstack-test-results")
    # when an intent is fulfilled, then the user still gets the normal reply
    response = invoke(lex_event("Help", {}))
    assert intent_state(response) == ("Close", "Fulfilled")


def test_unexpected_errors_in_an_intent_become_a_polite_failure(aws: Any) -> None:
    class Broken:
        def detect_labels(self, **_: Any) -> Any:
            raise RuntimeError("boom")

    with swapped(aws, rekognition=Broken()):
        response = invoke(lex_event("DescribeImage", {"ImageName": "cat"}))
    assert intent_state(response) == ("Close", "Failed")
    assert message(response) == "Sorry, something went wrong on my side. Please try again, or say 'help'."
    assert "boom" not in json.dumps(response)


# --- Help, fallback, unknown input, dialog code hook ----------------------------------------------------------------


def test_help_lists_every_capability_with_examples(aws: Any) -> None:
    response = invoke(lex_event("Help", {}))
    text = message(response)
    for example in (
        "'describe cat'",
        "'read the text in cat'",
        "'say hello world'",
        "'translate good morning to French'",
        "'what is the sentiment of I love this product'",
        "Sample images: cat, street-sign",
    ):
        assert example in text


@pytest.mark.parametrize("name", ["FallbackIntent", "AMAZON.FallbackIntent"])
def test_fallback_points_to_help(aws: Any, name: str) -> None:
    # given the fallback intent under the bot's name for it or its built-in signature
    response = invoke(lex_event(name, {}))
    # then the reply closes it, keeping the name Lex sent, and points to help
    assert intent_state(response) == ("Close", "Fulfilled")
    assert response["sessionState"]["intent"]["name"] == name
    assert "Say 'help'" in message(response)


@pytest.mark.parametrize("event", [{}, {"sessionState": {"intent": {"name": "OrderPizza"}}}, [], None, "hello"])
def test_unknown_or_malformed_events_get_a_polite_failed_close(aws: Any, event: Any) -> None:
    response = invoke(event)
    assert intent_state(response) == ("Close", "Failed")
    assert "Say 'help'" in message(response)


def test_dialog_code_hook_delegates_valid_slots_and_elicits_invalid_ones(aws: Any) -> None:
    valid = invoke(lex_event("TranslateText", {"Text": "hi", "TargetLanguage": "es"}, source="DialogCodeHook"))
    invalid = invoke(lex_event("TranslateText", {"Text": "hi", "TargetLanguage": "xx"}, source="DialogCodeHook"))
    assert valid["sessionState"]["dialogAction"] == {"type": "Delegate"}
    assert "messages" not in valid
    assert invalid["sessionState"]["dialogAction"]["type"] == "ElicitSlot"
