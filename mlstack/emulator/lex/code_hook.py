"""The alias's code hook: the Lex V2 Lambda input event, the deployed function run for real, its reply checked.

The event follows the Lex V2 developer guide ("Understanding the Lambda input event format"). The function
is the one deployed in the emulator's Lambda service: its code archive, handler and environment variables,
run in a subprocess (no Docker) with the emulator as every AWS endpoint and its timeout enforced. Its reply
must pass the Lex V2 response-format validator, as Lex would insist, or the turn fails like Lex's
DependencyFailedException.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlstack.emulator.front import serving_credentials
from mlstack.emulator.lex.response_format import lex_response_problems

RUNNER = Path(__file__).with_name("run_handler.py")
_CODE_DIRS: dict[str, Path] = {}


class CodeHookFailed(Exception):
    """The function failed, timed out or answered outside the response format (Lex: DependencyFailed)."""


@dataclass(frozen=True)
class TurnContext:
    """Who is talking to which bot: everything of the event that is not the intent."""

    session_id: str
    input_transcript: str
    bot: dict[str, str]
    session_attributes: dict[str, str]
    request_attributes: dict[str, str]


def lex_event(turn: TurnContext, intent: dict[str, Any], invocation_source: str, confidence: float) -> dict[str, Any]:
    """The Lex V2 Lambda input event for one turn."""
    return {
        "messageVersion": "1.0",
        "invocationSource": invocation_source,
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": turn.session_id,
        "inputTranscript": turn.input_transcript,
        "bot": dict(turn.bot),
        "interpretations": [{"intent": intent, "nluConfidence": confidence, "interpretationSource": "Lex"}],
        "requestAttributes": dict(turn.request_attributes),
        "sessionState": {
            "activeContexts": [],
            "sessionAttributes": dict(turn.session_attributes),
            "intent": intent,
            "originatingRequestId": str(uuid.uuid4()),
        },
        "transcriptions": [{"transcription": turn.input_transcript, "transcriptionConfidence": 1.0}],
    }


def _code_dir(function: Any) -> Path:
    """The function's code archive unpacked once per code digest."""
    digest = hashlib.sha256(function.code_bytes).hexdigest()
    if digest not in _CODE_DIRS:
        folder = Path(tempfile.mkdtemp(prefix="mlstack-lambda-"))
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(folder)
        _CODE_DIRS[digest] = folder
    return _CODE_DIRS[digest]


def deployed_function(arn: str) -> Any:
    """The function an ARN names, from the emulator's Lambda service (arn:aws:lambda:REGION:ACCOUNT:function:NAME)."""
    from moto.awslambda.models import lambda_backends

    _, _, _, region, account_id, *_ = arn.split(":")
    return lambda_backends[account_id][region].get_function(arn)


def write_logs(function: Any, output: str) -> None:
    """The invocation's output into the function's log group, as Lambda does, when that group exists (the
    app creates it; creating it here would leave a log group behind after `cdk destroy`)."""
    from moto.logs.models import logs_backends

    backend = logs_backends[function.account_id][function.region]
    configured = (getattr(function, "logging_config", None) or {}).get("LogGroup")  # properties.py keeps it
    group = configured or f"/aws/lambda/{function.function_name}"
    lines = [line for line in output.splitlines() if line.strip()]
    if group not in backend.groups or not lines:
        return
    stream = f"emulated/{uuid.uuid4().hex}"
    backend.create_log_stream(group, stream)
    now = int(time.time() * 1000)
    backend.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])


def invoke(function: Any, event: dict[str, Any], *, endpoint_url: str, region: str) -> dict[str, Any]:
    """Run the function's handler on `event` with its deployed environment; the validated reply."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(_code_dir(function)),
        **{str(key): str(value) for key, value in (function.environment_vars or {}).items()},
        # The run's credentials, which the emulator requires of every call the function makes back to it.
        **serving_credentials().environment(),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "MLSTACK_FUNCTION_ARN": function.function_arn,
        "MLSTACK_FUNCTION_TIMEOUT": str(function.timeout),
        # No X-Ray daemon here: Powertools' Tracer stays off, as it does outside Lambda.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    with tempfile.TemporaryDirectory(prefix="mlstack-invoke-") as scratch:
        result_file = Path(scratch) / "result.json"
        try:
            finished = subprocess.run(
                # -P: the runner's own folder (which has a bot_model.py too) stays off the path; the function's
                # code is found through PYTHONPATH, as Lambda's runtime finds /var/task.
                [sys.executable, "-P", str(RUNNER), function.handler, str(result_file)],
                input=json.dumps(event),
                capture_output=True,
                text=True,
                env=env,
                # The Lambda timeout, plus the interpreter's start that Lambda does before the clock runs.
                timeout=float(function.timeout) + 5,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CodeHookFailed(f"{function.function_name} timed out after {function.timeout} s") from None
        write_logs(function, finished.stdout + finished.stderr)
        if finished.returncode != 0 or not result_file.exists():
            last = (finished.stderr.strip().splitlines() or ["no output"])[-1]
            raise CodeHookFailed(f"{function.function_name} failed: {last}")
        reply = json.loads(result_file.read_text())
    problems = lex_response_problems(reply)
    if problems:
        raise CodeHookFailed(f"{function.function_name} answered outside the Lex V2 format: {'; '.join(problems)}")
    return dict(reply)
