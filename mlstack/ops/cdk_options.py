"""The options the pinned CDK CLI declares, per subcommand, and the check of `mlstack cdk` arguments against them.

The CLI only warns about an option it does not know (`Unknown option(s): --prefix. These will be ignored.`)
and then acts: `cdk destroy --all --prefix ana` destroyed the default stacks. So every argument is checked
here first, against cdk_options.json, which `python -m mlstack.ops.cdk_options` generates from the installed
CLI's own registry of options (lib/cli/cli-type-registry.json, the source its yargs parser is generated from);
a test proves the committed file equals what the installed CLI declares.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from mlstack.ops import ui
from mlstack.paths import ROOT

PACKAGE = ROOT / "node_modules" / "aws-cdk"
REGISTRY = PACKAGE / "lib" / "cli" / "cli-type-registry.json"
PARSER = PACKAGE / "lib" / "cli" / "parse-command-line-arguments.js"
OPTIONS_FILE = Path(__file__).with_name("cdk_options.json")
# mlstack's own option, turned into `-c prefix=NAME` for the app.
PREFIX_OPTION = "prefix"
HELP_FLAGS = ("--help", "-h")


class ArgumentError(ui.CommandError):
    """An argument the pinned CLI does not declare for the subcommand (or a malformed one): one line, exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ui.EXIT_USAGE)


# ---- generation (from the installed CLI)
def _option_entry(spec: dict[str, Any]) -> dict[str, Any]:
    aliases = spec.get("alias", [])
    entry: dict[str, Any] = {
        "aliases": sorted([aliases] if isinstance(aliases, str) else aliases),
        "type": spec["type"],
    }
    if spec.get("negativeAlias"):
        entry["negative_alias"] = spec["negativeAlias"]
    return entry


def _options(specs: dict[str, Any]) -> dict[str, Any]:
    return {name: _option_entry(spec) for name, spec in sorted(specs.items())}


def declared(registry_path: Path = REGISTRY, parser_path: Path = PARSER) -> dict[str, Any]:
    """The options and subcommands the installed CLI declares, as cdk_options.json holds them."""
    registry = json.loads(registry_path.read_text())
    global_options = _options(registry["globalOptions"])
    parser = parser_path.read_text()
    # yargs's own --help and --version, switched on in the generated parser rather than in the registry.
    if ".help()" in parser:
        helper = re.search(r"\.alias\('(\w)', 'help'\)", parser)
        global_options["help"] = {"aliases": [helper.group(1)] if helper else [], "type": "boolean"}
    if ".version(" in parser:
        global_options["version"] = {"aliases": [], "type": "boolean"}
    version = json.loads((registry_path.parents[2] / "package.json").read_text())["version"]
    return {
        "cli_version": version,
        "global": dict(sorted(global_options.items())),
        "commands": {
            name: {"aliases": sorted(spec.get("aliases", [])), "options": _options(spec.get("options", {}))}
            for name, spec in sorted(registry["commands"].items())
        },
    }


def write(path: Path = OPTIONS_FILE) -> None:
    path.write_text(json.dumps(declared(), indent=1) + "\n")


# ---- the check of `mlstack cdk` arguments
@cache
def committed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPTIONS_FILE.read_text())
    return document


@dataclass
class CdkArguments:
    """`mlstack cdk` arguments once checked: the subcommand, `--prefix` if given, and the CLI's argv."""

    command: str | None
    prefix: str | None = None
    cli_args: list[str] = field(default_factory=list)
    help: bool = False


@dataclass(frozen=True)
class _Option:
    name: str
    takes_value: bool


class _Vocabulary:
    """The long and short names valid for one subcommand (global options included)."""

    def __init__(self, command: str | None) -> None:
        document = committed()
        tables = [document["global"]]
        if command is not None:
            tables.append(document["commands"][command]["options"])
        self.long: dict[str, _Option] = {}
        self.short: dict[str, _Option] = {}
        for table in tables:
            for name, spec in table.items():
                option = _Option(name, spec["type"] != "boolean")
                self.long[name] = option
                for alias in spec["aliases"]:
                    (self.short if len(alias) == 1 else self.long)[alias] = option
                if spec["type"] == "boolean":
                    self.long[f"no-{name}"] = _Option(name, False)
                    if "negative_alias" in spec:
                        self.short[spec["negative_alias"]] = _Option(name, False)


def _command_names() -> dict[str, str]:
    """Every subcommand name and alias -> the subcommand."""
    names = {}
    for name, spec in committed()["commands"].items():
        names[name] = name
        names.update(dict.fromkeys(spec["aliases"], name))
    return names


def _where(command: str | None) -> str:
    return f"cdk {command}" if command else "cdk"


def _unknown(what: str, command: str | None, known: list[str]) -> ArgumentError:
    close = difflib.get_close_matches(what, known, n=1, cutoff=0.7)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return ArgumentError(
        f"{_where(command)}: {what} is not an option of the pinned CDK CLI{hint}; "
        f"see `mlstack cdk {command or ''} --help`".replace("  ", " ")
    )


def check(args: list[str] | tuple[str, ...]) -> CdkArguments:
    """Check `mlstack cdk ARGS` against the pinned CLI's declared options; `--prefix NAME` is taken out and
    becomes `-c prefix=NAME`. ArgumentError names the first problem."""
    return _Parser(list(args)).parse()


class _Parser:
    """One pass over the arguments: options are checked against the subcommand's once it is known."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.kept: list[str] = []
        self.result = CdkArguments(command=None)
        self.vocabulary = _Vocabulary(None)

    def parse(self) -> CdkArguments:
        while self.index < len(self.tokens):
            token = self._next()
            if token == "--":  # the rest is the CLI's, unparsed
                self.kept.extend(self.tokens[self.index - 1 :])
                break
            if token.startswith("--"):
                self._long(token)
            elif token.startswith("-") and len(token) > 1:
                self._short(token)
            else:
                self._positional(token)
        result = self.result
        result.help = result.help or not self.tokens
        result.cli_args = _with_prefix(self.kept, result) if result.prefix is not None else self.kept
        return result

    def _next(self) -> str:
        self.index += 1
        return self.tokens[self.index - 1]

    def _keep_value(self, option: _Option) -> None:
        if option.takes_value and self.index < len(self.tokens):
            self.kept.append(self._next())

    def _long(self, token: str) -> None:
        name, equals, value = token[2:].partition("=")
        if name == PREFIX_OPTION:
            if not equals:
                if self.index >= len(self.tokens) or self.tokens[self.index].startswith("-"):
                    raise ArgumentError(f"{_where(self.result.command)}: --prefix needs a value, e.g. --prefix ana")
                value = self._next()
            self.result.prefix = value
            return
        option = self.vocabulary.long.get(name)
        if option is None:
            known = [f"--{known}" for known in [*self.vocabulary.long, PREFIX_OPTION]]
            raise _unknown(f"--{name}", self.result.command, known)
        self.result.help = self.result.help or option.name == "help"
        self.kept.append(token)
        if not equals:
            self._keep_value(option)

    def _short(self, token: str) -> None:
        letters = token[1:]
        for position, letter in enumerate(letters):
            option = self.vocabulary.short.get(letter)
            if option is None:
                raise _unknown(f"-{letter}", self.result.command, [f"-{known}" for known in self.vocabulary.short])
            self.result.help = self.result.help or option.name == "help"
            if option.takes_value and position < len(letters) - 1:
                raise ArgumentError(f"{_where(self.result.command)}: -{letter} takes a value: give it on its own")
        self.kept.append(token)
        self._keep_value(self.vocabulary.short[letters[-1]])

    def _positional(self, token: str) -> None:
        if self.result.command is None:
            commands = _command_names()
            if token not in commands:
                close = difflib.get_close_matches(token, list(commands), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]}? " if close else ""
                raise ArgumentError(
                    f"cdk: {token!r} is not a command of the pinned CDK CLI; {hint}"
                    "see `mlstack cdk --help` (e.g. synth, diff, deploy, destroy, bootstrap)"
                )
            self.result.command = commands[token]
            self.vocabulary = _Vocabulary(self.result.command)
        self.kept.append(token)


def _with_prefix(kept: list[str], result: CdkArguments) -> list[str]:
    """`kept` with `-c prefix=NAME` added before any `--`; a `-c prefix=` naming another prefix is refused."""
    from mlstack.ops.settings import context_pairs

    others = {
        value for key, _, value in (pair.partition("=") for pair in context_pairs(kept)) if key.strip() == "prefix"
    }
    if others - {result.prefix}:
        raise ArgumentError(
            f"{_where(result.command)}: --prefix {result.prefix} and -c prefix={sorted(others)[0]} disagree; give one"
        )
    end = kept.index("--") if "--" in kept else len(kept)
    return [*kept[:end], "-c", f"prefix={result.prefix}", *kept[end:]]


if __name__ == "__main__":
    write()
    sys.exit(0)
