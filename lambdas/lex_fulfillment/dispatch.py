"""Routes a parsed request to its intent module and turns every failure into a polite Lex reply."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from failures import error_code, polite_message
from intents import Deps, registry
from lex import DIALOG_CODE_HOOK, LexRequest, Reply, delegate, fail

logger = Logger(child=True)

INTENTS = registry()
UNKNOWN_INTENT = "Sorry, I can't help with that yet. Say 'help' to hear what I can do."


def dispatch(request: LexRequest, deps: Deps) -> Reply:
    """Validate slots, then fulfil (or Delegate back to Lex on the dialog code hook). Never raises."""
    intent = INTENTS.get(request.intent_name or "")
    if intent is None:
        logger.warning("unknown intent", extra={"intent": request.intent_name})
        return fail(request, UNKNOWN_INTENT, result="unknown intent")
    try:
        problem = intent.validate(request, deps)
        if problem is not None:
            return problem
        if request.invocation_source == DIALOG_CODE_HOOK:
            return delegate(request)
        return intent.fulfil(request, deps)
    except Exception as error:  # Lex must always get a reply, whatever failed
        code = error_code(error)
        logger.exception("intent failed", extra={"intent": request.intent_name, "error_code": code})
        return fail(request, polite_message(error, intent.SERVICE), result=f"error {code}")
