"""AI service calls of the fulfillment function that moto lacks or answers blindly, answered visibly emulated.

Every answer here says it is emulated, so that nobody mistakes the emulator's replies for the service's:
- Amazon Translate TranslateText: moto has no Translate. The answer is the text marked
  `[emulated <target>]`, source language `en` (Translate's `auto` would ask Comprehend for the dominant
  language, which moto does not have either): deterministic, and plainly not a translation.
- SageMaker runtime InvokeEndpoint: moto answers any endpoint with a canned body. Here a missing endpoint is
  refused as the service refuses it; a script-mode model's endpoint (SAGEMAKER_PROGRAM in its container's
  environment: the forecast model) answers through the model's own inference code (script_mode.py); any other
  deployed one answers in the Hugging Face text-classification output format
  (`[{"label": "[emulated] POSITIVE", "score": 0.9}]`), the label from a small word list.
- Rekognition DetectLabels/DetectText: moto labels any image "Mobile Phone", even one that does not exist.
  Here a missing S3 object is refused with InvalidS3ObjectException and an image that is neither PNG nor
  JPEG with InvalidImageFormatException, as the service does; the labels describe the image itself (format,
  size, colour) and the text answer says none was read, each marked `[emulated]` (image_labels.py).
- Polly SynthesizeSpeech: moto answers eight zero bytes. Here a valid mp3 request gets audible speech: the
  text spoken by espeak-ng after "Emulated speech." where the machine has espeak-ng, else a short tone
  (speech.py). Other output formats and invalid requests are left to moto.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from mlstack.emulator import image_labels, script_mode, speech
from mlstack.emulator.wsgi import WSGIApp, json_response, register_request_handler, request_body, signing_scope

_INVOCATIONS = re.compile(r"^/endpoints/(?P<name>[^/]+)/invocations$")
POSITIVE_WORDS = frozenset(
    [
        "love",
        "loved",
        "great",
        "good",
        "excellent",
        "wonderful",
        "amazing",
        "happy",
        "like",
        "best",
        "nice",
        "fantastic",
    ]
)
NEGATIVE_WORDS = frozenset(
    ["hate", "hated", "terrible", "bad", "awful", "worst", "poor", "horrible", "sad", "disappointing", "broken", "slow"]
)
AMZ_JSON = "application/x-amz-json-1.1"  # the JSON protocol of Translate and Rekognition
MARK = "[emulated]"
_SPEECH_PATH = "/v1/speech"
ACCOUNT_ID = "123456789012"  # the account moto serves by default, where `mlstack local` deploys


def translate_text(request: dict[str, Any]) -> dict[str, Any]:
    target = str(request.get("TargetLanguageCode", ""))
    source = str(request.get("SourceLanguageCode", "auto"))
    return {
        "TranslatedText": f"[emulated {target}] {request.get('Text', '')}",
        "SourceLanguageCode": "en" if source == "auto" else source,
        "TargetLanguageCode": target,
    }


def sentiment(text: str) -> list[dict[str, Any]]:
    """The Hugging Face text-classification output for `text`, from a word list (more positive words: POSITIVE)."""
    words = re.findall(r"[a-z']+", text.lower())
    score = sum(word in POSITIVE_WORDS for word in words) - sum(word in NEGATIVE_WORDS for word in words)
    label = "NEGATIVE" if score < 0 else "POSITIVE"
    return [{"label": f"{MARK} {label}", "score": round(min(0.6 + 0.1 * abs(score), 0.99), 4)}]


def _sagemaker(region: str) -> Any:
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[ACCOUNT_ID][region]


def _s3_entry(bucket: str, key: str) -> Any:
    from moto.s3.models import s3_backends

    buckets = s3_backends[ACCOUNT_ID]["aws"].buckets
    if bucket not in buckets or key not in buckets[bucket].keys:
        return None
    return buckets[bucket].keys[key]


def _s3_object(bucket: str, key: str) -> bytes | None:
    """The object's bytes from the emulator's S3, or None when there is no such object."""
    entry = _s3_entry(bucket, key)
    return None if entry is None else bytes(entry.value)


def _s3_object_and_etag(bucket: str, key: str) -> tuple[bytes, str] | None:
    entry = _s3_entry(bucket, key)
    return None if entry is None else (bytes(entry.value), str(entry.etag))


MODELS = script_mode.ModelHost(_s3_object_and_etag)


def invoke_endpoint(name: str, region: str, body: bytes, content_type: str = "", accept: str = "") -> WSGIApp:
    """A deployed endpoint's answer: a script-mode model's own, else text classification; a missing endpoint
    refused as SageMaker refuses it."""
    backend = _sagemaker(region)
    if name not in backend.endpoints:
        message = f"Endpoint {name} of account {ACCOUNT_ID} not found."
        return json_response(400, {"__type": "ValidationError", "message": message}, error="ValidationError")
    container = script_mode.script_mode_container(backend, name)
    if container is not None:
        try:
            answer, answer_type = MODELS.invoke(container, body, content_type, accept)
        except script_mode.ModelFailure as failure:
            return script_mode.model_error(container, region, ACCOUNT_ID, failure)
        return script_mode.answer(container, answer, answer_type)
    payload = json.loads(body or b"{}")
    text = payload.get("inputs", "") if isinstance(payload, dict) else ""
    return json_response(200, sentiment(str(text)))


def _rekognition_error(error: str, message: str) -> WSGIApp:
    return json_response(400, {"__type": error, "Message": message}, content_type=AMZ_JSON, error=error)


def rekognition(operation: str, request: dict[str, Any]) -> WSGIApp | None:
    """DetectLabels/DetectText on an S3 object or inline bytes; None (moto answers) for any other image source."""
    image = request.get("Image") or {}
    location = image.get("S3Object") or {}
    if location:
        data = _s3_object(str(location.get("Bucket", "")), str(location.get("Name", "")))
        if data is None:
            message = "Unable to get object metadata from S3. Check object key, region and/or access permissions."
            return _rekognition_error("InvalidS3ObjectException", message)
    elif "Bytes" in image:
        try:
            data = base64.b64decode(str(image["Bytes"]), validate=True)
        except binascii.Error:
            return _rekognition_error("InvalidParameterException", "Image bytes are not valid base64")
    else:
        return None
    try:
        if operation == "DetectLabels":
            answer = image_labels.detect_labels(data, request.get("MaxLabels"), request.get("MinConfidence"))
        else:
            answer = image_labels.detect_text(data)
    except image_labels.InvalidImageFormat as error:
        return _rekognition_error("InvalidImageFormatException", str(error))
    return json_response(200, answer, content_type=AMZ_JSON)


def _polly_voice(voice_id: str) -> dict[str, Any] | None:
    from moto.polly.resources import VOICE_DATA

    return next((voice for voice in VOICE_DATA if voice["Id"] == voice_id), None)


def polly_speech(request: dict[str, Any]) -> WSGIApp | None:
    """An audible MP3 for a valid mp3 request; None (moto answers, or refuses) for anything else."""
    text, voice = request.get("Text"), _polly_voice(str(request.get("VoiceId", "")))
    if request.get("OutputFormat") != "mp3" or not isinstance(text, str) or voice is None or len(text) > 3000:
        return None
    if request.get("TextType") == "ssml":
        text = re.sub(r"<[^>]+>", " ", text)
    audio = speech.synthesize(text, voice["LanguageCode"], voice["Gender"]).mp3
    return _audio_response(audio, characters=len(text))


def _audio_response(audio: bytes, *, characters: int) -> WSGIApp:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = [
            ("Content-Type", "audio/mpeg"),
            ("Content-Length", str(len(audio))),
            ("x-amzn-RequestCharacters", str(characters)),
        ]
        start_response(f"200 {HTTPStatus.OK.phrase}", headers)
        return [audio]

    return app


def handle(environ: dict[str, Any]) -> WSGIApp | None:
    scope = signing_scope(environ)
    if scope is None:
        return None
    service, region = scope
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if service == "translate" and target.endswith(".TranslateText"):
        return json_response(200, translate_text(json.loads(request_body(environ) or b"{}")), content_type=AMZ_JSON)
    invocation = _INVOCATIONS.match(environ.get("PATH_INFO", ""))
    if service == "sagemaker" and invocation and environ.get("REQUEST_METHOD") == "POST":
        body = request_body(environ)
        content_type, accept = environ.get("CONTENT_TYPE", ""), environ.get("HTTP_ACCEPT", "")
        return invoke_endpoint(unquote(invocation["name"]), region, body, content_type, accept)
    operation = target.split(".")[-1]
    if service == "rekognition" and operation in ("DetectLabels", "DetectText"):
        return rekognition(operation, json.loads(request_body(environ) or b"{}"))
    if service == "polly" and environ.get("PATH_INFO") == _SPEECH_PATH and environ.get("REQUEST_METHOD") == "POST":
        return polly_speech(json.loads(request_body(environ) or b"{}"))
    return None


def install_ai_services() -> None:
    register_request_handler(handle)
