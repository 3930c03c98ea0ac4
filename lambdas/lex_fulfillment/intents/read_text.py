"""ReadText: the lines of text Rekognition DetectText finds in an image in the data bucket."""

from __future__ import annotations

from images import image_key
from lex import LexRequest, Reply, close

from intents import Deps, describe_image

SERVICE = "Amazon Rekognition"
SLOT = describe_image.SLOT


def validate(request: LexRequest, deps: Deps) -> Reply | None:
    return describe_image.validate(request, deps)


def fulfil(request: LexRequest, deps: Deps) -> Reply:
    name = request.slot(SLOT) or ""
    key = image_key(name, deps.env)
    response = deps.clients.rekognition.detect_text(Image={"S3Object": {"Bucket": deps.env.data_bucket, "Name": key}})
    lines = [
        item["DetectedText"]
        for item in response.get("TextDetections", [])
        if isinstance(item, dict) and item.get("Type") == "LINE" and item.get("DetectedText")
    ]
    shown = {describe_image.IMAGE_ATTRIBUTE: key or ""}
    if not lines:
        return close(request, f"I found no text in {name}.", result="no text", session_attributes=shown)
    text = " / ".join(lines)
    return close(request, f"The text in {name} reads: {text}", result=text, session_attributes=shown)
