"""AnalyzeSentiment: the Platform layer's SageMaker endpoint (a Hugging Face text classifier) rates the text."""

from __future__ import annotations

import json
from typing import Any

from lex import LexRequest, Reply, close, fail

from intents import Deps, require_text

SERVICE = "the sentiment model"
SLOT = "Text"
# Text classifiers read about 512 tokens; longer input is an error in the Hugging Face pipeline.
MAX_CHARS = 2000
NOT_DEPLOYED = (
    "Sentiment analysis needs the platform layer's SageMaker endpoint, and the platform layer is not deployed. "
    "Deploy it with layers including platform and ask me again."
)


def validate(request: LexRequest, deps: Deps) -> Reply | None:
    return require_text(request, SLOT, "Which text should I analyse?", MAX_CHARS, "the sentiment model")


def parse_prediction(body: Any) -> tuple[str, float] | None:
    """The top label and score from `[{"label": ..., "score": ...}]`, a nested list, or a single object."""
    while isinstance(body, list) and body:
        body = max(
            (item for item in body if isinstance(item, dict | list)),
            key=lambda item: item.get("score", 0) if isinstance(item, dict) else 0,
            default=None,
        )
    if isinstance(body, dict) and isinstance(body.get("label"), str):
        score = body.get("score")
        return body["label"], float(score) if isinstance(score, int | float) else 0.0
    return None


def fulfil(request: LexRequest, deps: Deps) -> Reply:
    endpoint = deps.env.sentiment_endpoint
    if not endpoint:
        return fail(request, NOT_DEPLOYED, result="platform layer not deployed")
    text = request.slot(SLOT) or ""
    response = deps.clients.sagemaker_runtime.invoke_endpoint(
        EndpointName=endpoint,
        ContentType="application/json",
        Accept="application/json",
        Body=json.dumps({"inputs": text}),
    )
    raw = response["Body"].read()
    try:
        prediction = parse_prediction(json.loads(raw))
    except ValueError:
        prediction = None
    if prediction is None:
        return fail(request, "Sorry, the sentiment model gave an answer I couldn't read.", result="unreadable")
    label, score = prediction
    return close(request, f"That sounds {label.lower()} ({score:.0%} confident).", result=f"{label} {score:.3f}")
