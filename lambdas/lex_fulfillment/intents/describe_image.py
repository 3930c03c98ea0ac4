"""DescribeImage: the labels Rekognition DetectLabels finds in an image in the data bucket."""

from __future__ import annotations

from images import image_key, image_question
from lex import LexRequest, Reply, close, elicit_slot

from intents import Deps

SERVICE = "Amazon Rekognition"
SLOT = "ImageName"
MAX_LABELS = 10
MIN_CONFIDENCE = 70.0
# Session attribute naming the S3 key of the image the reply is about, so a chat client can show it.
IMAGE_ATTRIBUTE = "imageKey"


def validate(request: LexRequest, deps: Deps) -> Reply | None:
    name = request.slot(SLOT)
    if not name or image_key(name, deps.env) is None:
        return elicit_slot(request, SLOT, image_question(deps.env))
    return None


def fulfil(request: LexRequest, deps: Deps) -> Reply:
    name = request.slot(SLOT) or ""
    key = image_key(name, deps.env)
    response = deps.clients.rekognition.detect_labels(
        Image={"S3Object": {"Bucket": deps.env.data_bucket, "Name": key}},
        MaxLabels=MAX_LABELS,
        MinConfidence=MIN_CONFIDENCE,
    )
    labels = [
        f"{label['Name']} ({label.get('Confidence', 0):.0f}%)"
        for label in response.get("Labels", [])
        if isinstance(label, dict) and label.get("Name")
    ]
    shown = {IMAGE_ATTRIBUTE: key or ""}
    if not labels:
        message = f"I couldn't recognise anything in {name} with confidence."
        return close(request, message, result="no labels", session_attributes=shown)
    return close(request, f"In {name} I see: {', '.join(labels)}.", result=", ".join(labels), session_attributes=shown)
