"""`mlstack chat` and `mlstack conversations`: talk to the deployed Lex bot (mlstack.ops.chat does the talking).

mlstack chat                              # interactive, type `quit` to stop
mlstack chat --say "describe house"       # one turn, prints the reply
mlstack conversations                     # mlstack/conversations.yaml: pass/fail table, exit 1 on a failure
"""

from __future__ import annotations

from pathlib import Path

import click

from mlstack.ops.chat import CONVERSATIONS, chat, conversations
from mlstack.ops.settings import settings_options

ENDPOINT_OPTION = click.option("--endpoint-url", help="An emulator's endpoint (default: the real AWS endpoints).")


@click.command(
    "chat",
    epilog='Examples: mlstack chat    mlstack chat --say "describe house"    mlstack chat --web    '
    "mlstack chat --prefix ana",
)
@settings_options
@click.option("--say", help="Send one utterance, print the reply and exit.")
@click.option("--web", is_flag=True, help="Serve a chat page on 127.0.0.1 and open it in the browser.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port for --web (default: a free one).")
@click.option("--no-browser", is_flag=True, help="With --web: print the page's URL, do not open a browser.")
@ENDPOINT_OPTION
def command(
    *,
    prefix: str | None,
    context: tuple[str, ...],
    say: str | None,
    web: bool,
    port: int,
    no_browser: bool,
    endpoint_url: str | None,
) -> int:
    """Chat with the deployed bot: interactively (type `quit` to stop), one turn with --say, or a web page.

    The bot, alias and locale come from the `<Prefix>-ApiServices` stack's outputs. `--web` serves a page
    on 127.0.0.1 only; it calls Lex with your credentials, and refuses requests from other sites.
    """
    return chat(context, prefix, say=say, web=web, port=port, open_browser=not no_browser, endpoint_url=endpoint_url)


@click.command("conversations", epilog="Example: mlstack conversations --prefix ana my-conversations.yaml")
@settings_options
@ENDPOINT_OPTION
@click.argument("path", type=click.Path(path_type=Path), default=CONVERSATIONS, required=False)
def conversations_command(prefix: str | None, context: tuple[str, ...], endpoint_url: str | None, path: Path) -> int:
    """Run scripted conversations against the deployed bot; print pass/fail per turn, exit 1 on a failure.

    PATH is a YAML file of conversations (default: mlstack/conversations.yaml), each turn giving what to
    say, the intent the bot must pick and a fragment its reply must contain.
    """
    return conversations(context, prefix, endpoint_url, path)
