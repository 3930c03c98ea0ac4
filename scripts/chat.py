#!/usr/bin/env python3
"""Chat with the deployed Lex bot: interactively, one utterance (--say), or a scripted check (--conversations).

The bot, alias and locale ids come from the `<Prefix>-ApiServices` stack outputs; the prefix from cdk.json
(plus `--prefix`). Uses the default AWS credentials and region (AWS_PROFILE, AWS_REGION).

    python scripts/chat.py                                   # interactive, type `quit` to stop
    python scripts/chat.py --say "describe the image cat"     # one turn, prints the reply
    python scripts/chat.py --conversations tests/conversations.yaml   # pass/fail table, exit 1 on a failure
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.exceptions import BotoCoreError, ClientError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.opslib import settings as ops_settings  # noqa: E402
from stacks import outputs  # noqa: E402 - needs ROOT on sys.path when run as a script
from stacks.config import Settings, SettingsError, load_settings  # noqa: E402


class ChatError(Exception):
    """A problem the user can fix (no stack, missing output, bad file); printed as one line."""


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


def deployment_settings(prefix: str | None, context: dict[str, Any] | None = None) -> Settings:
    """The app's settings from cdk.json (plus an optional prefix override), validated as app.py does."""
    if context is None:
        context = ops_settings.cdk_context()
    if prefix is not None:
        context = {**context, "prefix": prefix}
    try:
        return load_settings(context)
    except SettingsError as error:
        raise ChatError("; ".join(error.problems)) from None


def stack_name(prefix: str | None, context: dict[str, Any] | None = None) -> str:
    """`<Prefix>-ApiServices`, named as app.py names it."""
    return f"{deployment_settings(prefix, context).stack_prefix}-ApiServices"


def region(explicit: str | None, settings: Settings) -> str | None:
    """--region, else the app's `region` setting, else AWS_REGION (which botocore alone ignores), else the profile's."""
    return explicit or settings.region or os.environ.get("AWS_REGION") or None


def find_bot(cloudformation: Any, name: str) -> BotAddress:
    """The bot's ids from the stack's outputs."""
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        raise ChatError(
            f"stack {name} not found ({error.response['Error'].get('Message', '')}); deploy it first"
        ) from None
    values = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
    keys = (outputs.BOT_ID, outputs.BOT_ALIAS_ID, outputs.BOT_LOCALE_ID)
    missing = [key for key in keys if not values.get(key)]
    if missing:
        raise ChatError(f"stack {name} has no output {', '.join(missing)}; is it an mlstack ApiServices stack?")
    return BotAddress(*(values[key] for key in keys))


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


@dataclass(frozen=True)
class Outcome:
    check: Check
    turn: Turn | None
    error: str = ""

    @property
    def passed(self) -> bool:
        return (
            self.turn is not None
            and self.turn.intent == self.check.intent
            and any(fragment.lower() in self.turn.text.lower() for fragment in self.check.replies)
        )


def _fragments(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    return tuple(item for item in values if isinstance(item, str) and item.strip())


def load_conversations(path: Path) -> list[list[Check]]:
    """Conversations from YAML: each a name and turns of {say, intent, reply}; each runs in a fresh session."""
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ChatError(f"{path}: cannot read conversations ({error})") from None
    conversations = document.get("conversations") if isinstance(document, dict) else None
    if not isinstance(conversations, list) or not conversations:
        raise ChatError(f"{path}: expected a top-level 'conversations' list")
    result: list[list[Check]] = []
    for index, conversation in enumerate(conversations):
        name = str(conversation.get("name") or f"conversation {index + 1}") if isinstance(conversation, dict) else ""
        turns = conversation.get("turns") if isinstance(conversation, dict) else None
        if not isinstance(turns, list) or not turns:
            raise ChatError(f"{path}: conversations[{index}] needs a name and a non-empty 'turns' list")
        checks = []
        for number, turn in enumerate(turns):
            replies = _fragments(turn.get("reply")) if isinstance(turn, dict) else ()
            if not isinstance(turn, dict) or not all(isinstance(turn.get(key), str) for key in ("say", "intent")):
                raise ChatError(f"{path}: {name} turn {number + 1} needs string fields say and intent")
            if not replies:
                raise ChatError(f"{path}: {name} turn {number + 1} needs a reply fragment (or a list of them)")
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
            except (ClientError, BotoCoreError) as error:
                outcomes.append(Outcome(check, None, error=str(error)))
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
            f"{_cut(outcome.check.say, 34):34}  {outcome.check.intent:17}  {_cut(got, 17):17}  {_cut(reply, 70)}"
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


def main(argv: list[str] | None = None, session: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--say", help="send one utterance and print the reply")
    mode.add_argument("--conversations", type=Path, help="YAML of utterances with expected intent and reply")
    parser.add_argument("--prefix", help="deployment prefix (default: cdk.json's prefix)")
    parser.add_argument("--region", help="AWS region (default: the CLI's)")
    args = parser.parse_args(argv)
    try:
        checks = load_conversations(args.conversations) if args.conversations else None
        settings = deployment_settings(args.prefix)
        session = session or boto3.session.Session(region_name=region(args.region, settings))
        bot = find_bot(session.client("cloudformation"), f"{settings.stack_prefix}-ApiServices")
        lex = session.client("lexv2-runtime")
        if checks is not None:
            return report(run_conversations(lex, bot, checks))
        if args.say is not None:
            turn = ask(lex, bot, f"chat-{uuid.uuid4()}", args.say)
            print("\n".join(turn.messages) or "(no message)")
            print(f"[{turn.intent or 'no intent'}: {turn.state}]")
            return 0
        return interactive(lex, bot)
    except ChatError as error:
        print(f"chat: {error}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:
        print(f"chat: AWS error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
