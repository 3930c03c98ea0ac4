"""The function's small pure pieces: settings from the environment, image keys, languages, model answers, errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from tests.lambdas.conftest import FUNCTION_ENV


def test_environment_reads_the_stack_settings_and_defaults_bad_numbers() -> None:
    from environment import Environment

    env = Environment.from_env({**FUNCTION_ENV, "SAMPLE_IMAGES": " House, poster ,,", "RESULT_TTL_DAYS": "soon"})
    assert env.sample_images == ("house", "poster")
    assert env.result_ttl_days == 30
    assert env.presigned_url_seconds == 3600
    assert Environment.from_env({"PRESIGNED_URL_SECONDS": "99999999"}).presigned_url_seconds == 604800
    assert Environment.from_env({"POLLY_VOICE": ""}).polly_voice == "Joanna"
    assert Environment.from_env({}).sentiment_endpoint == ""


@pytest.mark.parametrize(
    ("spoken", "key"),
    [
        ("house", "samples/images/house.png"),
        ("House.PNG", "samples/images/house.png"),
        ("beach.jpg", "images/beach.jpg"),
        ("images/2024/beach.JPEG", "images/2024/beach.JPEG"),
        ("my photo.png", "images/my photo.png"),
        ("images/../samples/images/house.png", None),
        ("images//x.png", None),
        ("./x.png", None),
        ("x.gif", None),
        ("images/", None),
        ("x\n.png", None),
        ("a" * 1100 + ".png", None),
    ],
)
def test_image_keys_stay_under_the_allowed_prefixes(spoken: str, key: str | None) -> None:
    from environment import Environment
    from images import image_key

    assert image_key(spoken, Environment(sample_images=("house",))) == key


@pytest.mark.parametrize(
    ("spoken", "code"),
    [("French", "fr"), ("  french ", "fr"), ("FR", "fr"), ("zh-tw", "zh-TW"), ("zh_TW", "zh-TW"), ("Elvish", None)],
)
def test_language_names_and_codes(spoken: str, code: str | None) -> None:
    from intents.translate_text import language_code

    assert language_code(spoken) == code


@pytest.mark.parametrize(
    ("body", "prediction"),
    [
        ([{"label": "POSITIVE", "score": 0.9}], ("POSITIVE", 0.9)),
        ([[{"label": "NEGATIVE", "score": 0.2}, {"label": "POSITIVE", "score": 0.8}]], ("POSITIVE", 0.8)),
        ({"label": "LABEL_1", "score": 1}, ("LABEL_1", 1.0)),
        ([{"label": "NEUTRAL"}], ("NEUTRAL", 0.0)),
        ([], None),
        ({"generated_text": "hi"}, None),
        ("POSITIVE", None),
    ],
)
def test_model_answers_are_parsed_or_rejected(body: Any, prediction: tuple[str, float] | None) -> None:
    from intents.analyze_sentiment import parse_prediction

    assert parse_prediction(body) == prediction


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ClientError({"Error": {"Code": "AccessDeniedException"}}, "Op"), "not allowed to use Amazon Polly"),
        (ClientError({"Error": {"Code": "SlowDown"}}, "Op"), "Amazon Polly is busy"),
        (ClientError({"Error": {"Code": "NoSuchKey"}}, "Op"), "couldn't find that image"),
        (ClientError({"Error": {"Code": "Brand new"}}, "Op"), "Amazon Polly couldn't handle that request"),
        (ReadTimeoutError(endpoint_url="https://x"), "took too long"),
        (EndpointConnectionError(endpoint_url="https://x"), "couldn't handle that request"),
        (ZeroDivisionError("secret detail"), "something went wrong on my side"),
    ],
)
def test_errors_become_polite_sentences_without_details(error: Exception, expected: str) -> None:
    from failures import polite_message

    message = polite_message(error, "Amazon Polly")
    assert expected in message
    assert "secret" not in message
    assert message[0].isupper()


def test_result_item_has_the_table_keys_and_ttl() -> None:
    from environment import Environment
    from lex import LexRequest, close
    from results import result_item

    request = LexRequest(intent_name="Speak", slots={"Text": "x" * 2000, "Empty": None}, session_id="abc")
    item = result_item(request, close(request, "done"), "req-9", Environment(result_ttl_days=2), now=1_700_000_000.5)
    assert item["session_id"] == {"S": "abc"}
    assert item["created_at"] == {"S": "2023-11-14T22:13:20.500+00:00#req-9"}
    assert item["expires_at"] == {"N": str(1_700_000_000 + 2 * 86400)}
    assert len(item["slots"]["M"]["Text"]["S"]) == 500
    assert "Empty" not in item["slots"]["M"]
    assert item["outcome"] == {"S": "Fulfilled"}
