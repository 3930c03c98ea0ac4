"""AI service calls of the fulfillment function that moto lacks or answers blindly, answered visibly emulated.

- Amazon Translate TranslateText: moto has no Translate. The answer is the text marked
  `[emulated <target>]`, source language `en` (Translate's `auto` would ask Comprehend for the dominant
  language, which moto does not have either): deterministic, and plainly not a translation.
- SageMaker runtime InvokeEndpoint: moto answers any endpoint with a canned body. Here a missing endpoint is
  refused as the service refuses it, and a deployed one answers in the Hugging Face text-classification
  output format (`[{"label": "POSITIVE", "score": 0.9}]`), the label from a small word list.
- Rekognition DetectLabels/DetectText: moto labels any image, even one that does not exist. Here a missing
  S3 object is refused with InvalidS3ObjectException, as the service does; moto answers the rest.
"""

from __future__ import annotations

import json
import re
from typing import Any

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
    return [{"label": label, "score": round(min(0.6 + 0.1 * abs(score), 0.99), 4)}]


def _endpoint_exists(name: str, region: str) -> bool:
    from moto.sagemaker.models import sagemaker_backends

    return name in sagemaker_backends[ACCOUNT_ID][region].endpoints


def _s3_object_exists(bucket: str, key: str) -> bool:
    from moto.s3.models import s3_backends

    buckets = s3_backends[ACCOUNT_ID]["aws"].buckets
    return bucket in buckets and key in buckets[bucket].keys


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
        name = invocation["name"]
        if not _endpoint_exists(name, region):
            message = f"Endpoint {name} of account {ACCOUNT_ID} not found."
            return json_response(400, {"__type": "ValidationError", "message": message}, error="ValidationError")
        payload = json.loads(request_body(environ) or b"{}")
        text = payload.get("inputs", "") if isinstance(payload, dict) else ""
        return json_response(200, sentiment(str(text)))
    if service == "rekognition" and target.split(".")[-1] in ("DetectLabels", "DetectText"):
        image = json.loads(request_body(environ) or b"{}").get("Image", {}).get("S3Object", {})
        if image and not _s3_object_exists(str(image.get("Bucket", "")), str(image.get("Name", ""))):
            message = "Unable to get object metadata from S3. Check object key, region and/or access permissions."
            error = "InvalidS3ObjectException"
            return json_response(400, {"__type": error, "Message": message}, content_type=AMZ_JSON, error=error)
    return None


def install_ai_services() -> None:
    register_request_handler(handle)
