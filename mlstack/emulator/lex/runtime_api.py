"""The Lex V2 runtime API (RecognizeText, GetSession, DeleteSession) and DescribeBot, for the deployed bots.

A request handler of the emulator's server (wsgi.register_request_handler): it claims requests signed
for the `lex` service whose path is a runtime session of a bot in the bot model, or DescribeBot of one;
everything else goes on to moto. Answers are JSON in the botocore service model's shapes; errors carry
`x-amzn-ErrorType` so that boto3 raises the same ClientError codes as the service.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from mlstack.emulator.lex import bot_model
from mlstack.emulator.lex.code_hook import CodeHookFailed, deployed_function, invoke
from mlstack.emulator.lex.dialog import LexError, Sessions, recognize_text
from mlstack.emulator.wsgi import WSGIApp, json_response, register_request_handler, request_body, signing_scope

_SESSION_PATH = re.compile(
    r"^/bots/(?P<bot>[^/]+)/botAliases/(?P<alias>[^/]+)/botLocales/(?P<locale>[^/]+)/sessions/(?P<session>[^/]+)"
    r"(?P<text>/text)?/?$"
)
_BOT_PATH = re.compile(r"^/bots/(?P<bot>[^/]+)/?$")

SESSIONS = Sessions()


def _error(error: LexError) -> WSGIApp:
    return json_response(error.status, {"__type": error.code, "message": str(error)}, error=error.code)


def _read_json(environ: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(request_body(environ) or b"{}")
    return document if isinstance(document, dict) else {}


def _signed_for_lex(environ: dict[str, Any]) -> bool:
    scope = signing_scope(environ)
    return scope is not None and scope[0] == "lex"


def handle(environ: dict[str, Any]) -> WSGIApp | None:
    """The WSGI app answering this request, or None to leave it to moto."""
    if not _signed_for_lex(environ):
        return None
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
    session_match = _SESSION_PATH.match(path)
    if session_match:
        return _session_request(environ, method, session_match)
    bot_match = _BOT_PATH.match(path)
    if bot_match and method == "GET" and bot_match["bot"] in bot_model.BOTS:
        return json_response(200, describe_bot(bot_model.BOTS[bot_match["bot"]]))
    return None


def describe_bot(bot: bot_model.Bot) -> dict[str, Any]:
    """DescribeBot for a deployed bot: it was built on deploy (AutoBuildBotLocales), so Available."""
    now = datetime.now(UTC).timestamp()
    return {
        "botId": bot.bot_id,
        "botName": bot.name,
        "botStatus": "Available",
        "idleSessionTTLInSeconds": bot.idle_session_ttl_seconds,
        "dataPrivacy": {"childDirected": False},
        "botType": "Bot",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
    }


def _session_request(environ: dict[str, Any], method: str, match: re.Match[str]) -> WSGIApp:
    bot = bot_model.BOTS.get(match["bot"])
    alias = bot.aliases.get(match["alias"]) if bot else None
    if bot is None or alias is None:
        message = f"bot {match['bot']} alias {match['alias']} not found"
        return _error(LexError("ResourceNotFoundException", 404, message))
    key = (bot.bot_id, alias.alias_id, match["locale"], match["session"])
    if method == "DELETE":
        SESSIONS.delete(key)
        ids = {"botId": bot.bot_id, "botAliasId": alias.alias_id, "localeId": match["locale"]}
        return json_response(200, {**ids, "sessionId": match["session"]})
    if method == "GET":
        session = SESSIONS.get(key, bot.idle_session_ttl_seconds)
        if session is None:
            return _error(LexError("ResourceNotFoundException", 404, f"session {match['session']} not found"))
        state = session.state()
        return json_response(
            200, {"sessionId": match["session"], "messages": [], "interpretations": [], "sessionState": state}
        )
    if method != "POST" or not match["text"]:
        return _error(LexError("ValidationException", 400, f"{method} {environ.get('PATH_INFO')} is not emulated"))
    return _recognize(environ, bot, alias, match)


def _recognize(environ: dict[str, Any], bot: bot_model.Bot, alias: bot_model.Alias, match: re.Match[str]) -> WSGIApp:
    request = _read_json(environ)
    endpoint_url = f"http://{environ.get('HTTP_HOST', 'localhost')}"

    def code_hook(arn: str, event: dict[str, Any]) -> dict[str, Any]:
        return invoke(deployed_function(arn), event, endpoint_url=endpoint_url, region=arn.split(":")[3])

    try:
        response = recognize_text(
            bot,
            alias,
            match["locale"],
            match["session"],
            str(request.get("text", "")),
            sessions=SESSIONS,
            code_hook=code_hook,
            request_attributes=request.get("requestAttributes"),
            session_state=request.get("sessionState"),
        )
    except LexError as error:
        return _error(error)
    except CodeHookFailed as error:
        return _error(LexError("DependencyFailedException", 424, f"Invalid Lambda Response: {error}"))
    return json_response(200, response)


def install_lex_runtime() -> None:
    register_request_handler(handle)
