"""Chat with the deployed Lex bot: interactively, one utterance (--say), a web page, or scripted conversations.

The bot, alias and locale ids come from the ApiServices stack's outputs (ops.deployment); the prefix from
cdk.json (plus `--prefix`). Uses the default AWS credentials and the settings' region.

    mlstack chat                              # interactive, type `quit` to stop
    mlstack chat --say "describe house"       # one turn, prints the reply
    mlstack conversations                     # mlstack/conversations.yaml: pass/fail table, exit 1 on a failure
"""

from __future__ import annotations

import uuid
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import BotoCoreError, ClientError

from mlstack.ops import ui
from mlstack.ops.deployment import Deployment
from mlstack.paths import ROOT
from stacks import outputs

# The scripted conversations `mlstack conversations`, `mlstack smoke` and `mlstack local` run.
CONVERSATIONS = ROOT / "mlstack" / "conversations.yaml"


class ChatError(ui.CommandError):
    """A problem the user can fix: a bad conversations file or option (exit 2)."""


@dataclass(frozen=True)
class BotAddress:
    """Where the deployed bot answers."""

    bot_id: str
    alias_id: str
    locale_id: str


@dataclass(frozen=True)
class Turn:
    """One bot reply: the intent Lex chose, its state, and the messages."""

    intent: str
    state: str
    messages: tuple[str, ...]
    session_attributes: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.messages)


def bot_address(deployment: Deployment) -> BotAddress:
    """The bot's ids from the ApiServices stack's outputs (StackNotDeployed or OutputMissing: exit 3)."""
    keys = (outputs.BOT_ID, outputs.BOT_ALIAS_ID, outputs.BOT_LOCALE_ID)
    return BotAddress(*(deployment.output("api_services", key) for key in keys))


def ask(lex: Any, bot: BotAddress, session_id: str, text: str) -> Turn:
    """Send one utterance with RecognizeText and read the reply."""
    response = lex.recognize_text(
        botId=bot.bot_id, botAliasId=bot.alias_id, localeId=bot.locale_id, sessionId=session_id, text=text
    )
    state = response.get("sessionState", {})
    intent = state.get("intent", {})
    return Turn(
        intent=intent.get("name", ""),
        state=intent.get("state", state.get("dialogAction", {}).get("type", "")),
        messages=tuple(message.get("content", "") for message in response.get("messages", [])),
        session_attributes=state.get("sessionAttributes", {}),
    )


@dataclass(frozen=True)
class Check:
    """One scripted turn and what the bot must answer."""

    conversation: str
    say: str
    intent: str
    # The reply must contain one of these fragments (case-insensitive).
    replies: tuple[str, ...]
    # Instead of a reply: the error code Lex must refuse the turn with (e.g. ValidationException).
    error: str = ""


@dataclass(frozen=True)
class Outcome:
    check: Check
    turn: Turn | None
    error: str = ""

    @property
    def passed(self) -> bool:
        if self.check.error:
            return self.turn is None and self.error.startswith(f"{self.check.error}:")
        return (
            self.turn is not None
            and self.turn.intent == self.check.intent
            and any(fragment.lower() in self.turn.text.lower() for fragment in self.check.replies)
        )


def _fragments(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    return tuple(item for item in values if isinstance(item, str) and item.strip())


def _padded(text: str, length: int) -> str:
    """`text` lengthened to `length` characters with a repeated filler word (for over-long input turns)."""
    filler = " la"
    return (text + filler * (max(length - len(text), 0) // len(filler) + 1))[:length]


def load_conversations(path: Path) -> list[list[Check]]:
    """Conversations from YAML: each a name and turns of {say, intent, reply}; each runs in a fresh session.

    A turn may instead name the `error` Lex refuses it with, and `pad_to: N` lengthens `say` to N characters.
    """
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ChatError(f"{path}: cannot read conversations ({error})", ui.EXIT_USAGE) from None
    conversations = document.get("conversations") if isinstance(document, dict) else None
    if not isinstance(conversations, list) or not conversations:
        raise ChatError(f"{path}: expected a top-level 'conversations' list", ui.EXIT_USAGE)
    result: list[list[Check]] = []
    for index, conversation in enumerate(conversations):
        name = str(conversation.get("name") or f"conversation {index + 1}") if isinstance(conversation, dict) else ""
        turns = conversation.get("turns") if isinstance(conversation, dict) else None
        if not isinstance(turns, list) or not turns:
            raise ChatError(f"{path}: conversations[{index}] needs a name and a non-empty 'turns' list", ui.EXIT_USAGE)
        checks = []
        for number, written in enumerate(turns):
            turn = written
            if isinstance(turn, dict) and isinstance(turn.get("pad_to"), int) and isinstance(turn.get("say"), str):
                turn = {**turn, "say": _padded(turn["say"], turn["pad_to"])}
            if isinstance(turn, dict) and isinstance(turn.get("error"), str) and isinstance(turn.get("say"), str):
                checks.append(Check(name, turn["say"], "", (), error=turn["error"]))
                continue
            replies = _fragments(turn.get("reply")) if isinstance(turn, dict) else ()
            if not isinstance(turn, dict) or not all(isinstance(turn.get(key), str) for key in ("say", "intent")):
                raise ChatError(f"{path}: {name} turn {number + 1} needs string fields say and intent", ui.EXIT_USAGE)
            if not replies:
                raise ChatError(
                    f"{path}: {name} turn {number + 1} needs a reply fragment (or a list of them)", ui.EXIT_USAGE
                )
            checks.append(Check(name, turn["say"], turn["intent"], replies))
        result.append(checks)
    return result


def run_conversations(lex: Any, bot: BotAddress, conversations: Iterable[list[Check]]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for checks in conversations:
        session_id = f"conversations-{uuid.uuid4()}"
        for check in checks:
            try:
                outcomes.append(Outcome(check, ask(lex, bot, session_id, check.say)))
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "ClientError")
                outcomes.append(Outcome(check, None, error=f"{code}: {error}"))
            except BotoCoreError as error:
                outcomes.append(Outcome(check, None, error=f"{type(error).__name__}: {error}"))
    return outcomes


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def report(outcomes: list[Outcome], write: Callable[[str], None] = print) -> int:
    """Print the pass/fail table; the exit code is 1 when any turn failed."""
    write(f"{'result':6}  {'conversation':24}  {'say':34}  {'expected intent':17}  {'got':17}  reply")
    for outcome in outcomes:
        turn = outcome.turn
        got = turn.intent if turn else "error"
        reply = turn.text if turn else outcome.error
        write(
            f"{'PASS' if outcome.passed else 'FAIL':6}  {_cut(outcome.check.conversation, 24):24}  "
            f"{_cut(outcome.check.say, 34):34}  {_cut(outcome.check.intent or outcome.check.error, 17):17}  "
            f"{_cut(got, 17):17}  {_cut(reply, 70)}"
        )
        if not outcome.passed and turn:
            write(f"{'':8}expected the reply to contain one of: {', '.join(map(repr, outcome.check.replies))}")
    failed = sum(not outcome.passed for outcome in outcomes)
    write(f"{len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


def interactive(
    lex: Any, bot: BotAddress, read: Callable[[str], str] = input, write: Callable[[str], None] = print
) -> int:
    session_id = f"chat-{uuid.uuid4()}"
    write("Talking to the bot; type 'quit' to stop. Try 'help'.")
    while True:
        try:
            text = read("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return 0
        if text.lower() in {"quit", "exit"}:
            return 0
        if not text:
            continue
        try:
            turn = ask(lex, bot, session_id, text)
        except (ClientError, BotoCoreError) as error:
            write(f"error: {error}")
            continue
        for message in turn.messages or ("(no message)",):
            write(f"bot> {message}")
        write(f"     [{turn.intent or 'no intent'}: {turn.state}]")


def connect(
    context: tuple[str, ...], prefix: str | None, endpoint_url: str | None
) -> tuple[Any, BotAddress, Deployment]:
    """The Lex V2 runtime client, the deployed bot's address and the deployment, in the settings' region."""
    deployment = Deployment.load(context, prefix, endpoint_url=endpoint_url)
    return deployment.client("lexv2-runtime"), bot_address(deployment), deployment


def serve_web(lex: Any, bot: BotAddress, deployment: Deployment, *, port: int, open_browser: bool) -> int:
    """Serve the chat page on 127.0.0.1 until Ctrl-C (images and speech the bot names live in the data bucket)."""
    from mlstack.webchat.server import BotConnection, ChatServer

    bucket = deployment.output("data", outputs.DATA_BUCKET)
    connection = BotConnection(
        lex,
        deployment.client("s3"),
        bot_id=bot.bot_id,
        alias_id=bot.alias_id,
        locale_id=bot.locale_id,
        data_bucket=bucket,
    )
    try:
        server = ChatServer(connection, port=port)
    except OSError as error:
        message = f"cannot listen on 127.0.0.1:{port}: {error.strerror}; pick another --port"
        raise ChatError(message, ui.EXIT_USAGE) from None
    ui.console.print(f"Chat page (this URL carries the run's token; Ctrl-C stops): {server.url}", soft_wrap=True)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        ui.console.print("stopped")
    finally:
        server.server_close()
    return ui.EXIT_OK


def chat(
    context: tuple[str, ...],
    prefix: str | None,
    *,
    say: str | None,
    web: bool,
    port: int,
    open_browser: bool,
    endpoint_url: str | None,
) -> int:
    """`mlstack chat`: one turn with `say`, the web page with `web`, else interactively."""
    if say is not None and web:
        raise ChatError("--say and --web do not go together: choose one", ui.EXIT_USAGE)
    lex, bot, deployment = connect(context, prefix, endpoint_url)
    if web:
        return serve_web(lex, bot, deployment, port=port, open_browser=open_browser)
    if say is not None:
        turn = ask(lex, bot, f"chat-{uuid.uuid4()}", say)
        print("\n".join(turn.messages) or "(no message)")
        print(f"[{turn.intent or 'no intent'}: {turn.state}]")
        return ui.EXIT_OK
    return interactive(lex, bot)


def conversations(context: tuple[str, ...], prefix: str | None, endpoint_url: str | None, path: Path) -> int:
    """`mlstack conversations`: the file's conversations against the deployed bot; 1 when a turn failed."""
    checks = load_conversations(path)
    lex, bot, _ = connect(context, prefix, endpoint_url)
    return report(run_conversations(lex, bot, checks))
