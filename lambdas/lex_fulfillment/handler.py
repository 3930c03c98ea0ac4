"""Lex V2 fulfillment entry point: parse the event, dispatch to the intent, record the result, reply."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from clients import get_clients
from dispatch import INTENTS, dispatch
from environment import Environment
from intents import Deps
from lex import LexRequest, Reply, fail
from results import record_result

logger = Logger()
# Only botocore is patched: every call the handler makes goes through boto3, and patching everything the X-Ray
# SDK supports imports requests, httpx and the SQL drivers' hooks into every cold start (`mlstack bench`).
tracer = Tracer(patch_modules=("botocore",))
# An explicit fallback namespace: Metrics refuses to flush without one, and the handler must not fail.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "mlstack")

LAST_RESORT = "Sorry, something went wrong on my side. Please try again, or say 'help'."


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point. Never raises: the worst case is a polite Failed reply."""
    try:
        return _instrumented(event, context)
    except Exception:  # even a broken instrumentation layer must not reach Lex as an error
        logger.exception("handler failed outside the intent")
        return fail(LexRequest.from_event(event), LAST_RESORT, result="handler error").to_lex()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def _instrumented(event: Any, context: Any) -> dict[str, Any]:
    request = LexRequest.from_event(event)
    deps = Deps(env=Environment.from_env(), clients=get_clients())
    logger.append_keys(intent=request.intent_name, session_id=request.session_id)
    reply = answer(request, deps, request_id=str(getattr(context, "aws_request_id", "") or "local"))
    return reply.to_lex()


def answer(request: LexRequest, deps: Deps, request_id: str) -> Reply:
    """Dispatch, record and count one request."""
    reply = dispatch(request, deps)
    # Known intent names only: a dimension per arbitrary name would multiply metric cost.
    metrics.add_dimension(name="intent", value=reply.intent_name if reply.intent_name in INTENTS else "Unknown")
    metrics.add_metric(name=f"Outcome{reply.intent_state}", unit=MetricUnit.Count, value=1)
    if not record_result(deps.clients.dynamodb, deps.env, request, reply, request_id=request_id):
        metrics.add_metric(name="ResultNotRecorded", unit=MetricUnit.Count, value=1)
    logger.info("replied", extra={"outcome": reply.intent_state, "dialog_action": reply.dialog_action})
    return reply
