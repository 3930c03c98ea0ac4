"""Records every request's outcome in the results table; a failure to record is logged, never surfaced."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from environment import Environment
from lex import LexRequest, Reply

logger = Logger(child=True)

# Keep items far below DynamoDB's 400 KB item limit whatever the user typed.
MAX_ATTRIBUTE_CHARS = 500


def _short(text: str) -> str:
    return text if len(text) <= MAX_ATTRIBUTE_CHARS else text[: MAX_ATTRIBUTE_CHARS - 1] + "…"


def result_item(request: LexRequest, reply: Reply, request_id: str, env: Environment, now: float) -> dict[str, Any]:
    """The DynamoDB item (low-level attribute values) for one request."""
    created = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
    slots = {name: {"S": _short(value)} for name, value in request.slots.items() if value}
    return {
        "session_id": {"S": request.session_id},
        # ISO time sorts a session's turns; the request id keeps two requests in one millisecond apart.
        "created_at": {"S": f"{created}#{request_id}"},
        "expires_at": {"N": str(int(now) + env.result_ttl_days * 86400)},
        "intent": {"S": reply.intent_name},
        "slots": {"M": slots},
        "outcome": {"S": reply.intent_state},
        "dialog_action": {"S": reply.dialog_action},
        "result": {"S": _short(reply.result or "-")},
    }


def record_result(
    dynamodb: Any, env: Environment, request: LexRequest, reply: Reply, *, request_id: str, now: float | None = None
) -> bool:
    """Write the item; True when stored. Errors are logged and swallowed: the user still gets the reply."""
    if not env.results_table:
        logger.warning("RESULTS_TABLE is not set; result not recorded")
        return False
    try:
        item = result_item(request, reply, request_id, env, time.time() if now is None else now)
        dynamodb.put_item(TableName=env.results_table, Item=item)
    except Exception:  # recording is best effort by design
        logger.exception("could not record the result", extra={"table": env.results_table})
        return False
    return True
