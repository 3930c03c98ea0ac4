"""Settings for the commands, loaded exactly like app.py does: cdk.json context plus `-c` overrides."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import boto3
import click

from mlstack.ops.sessions import new_session
from mlstack.paths import ROOT
from stacks.config import Settings, SettingsError, load_settings, resolve_region

F = TypeVar("F", bound=Callable[..., Any])


def settings_options(function: F) -> F:
    """`--prefix NAME` and repeatable `-c key=value`: the same keys `cdk deploy -c` accepts."""
    function = click.option(
        "-c",
        "--context",
        "context",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a setting, as with `cdk -c` (repeatable), e.g. -c region=eu-west-1.",
    )(function)
    return click.option("--prefix", help="Deployment prefix (default: cdk.json's prefix).")(function)


def parse_overrides(context: Iterable[str] = (), prefix: str | None = None) -> dict[str, str]:
    """The `-c` pairs and `--prefix` as a context dict; raises SettingsError on a malformed pair."""
    overrides: dict[str, str] = {}
    for pair in context:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SettingsError([f"-c {pair!r}: expected KEY=VALUE, e.g. -c prefix=ana"])
        overrides[key.strip()] = value
    if prefix:
        overrides["prefix"] = prefix
    return overrides


def context_pairs(cdk_args: Iterable[str]) -> list[str]:
    """The KEY=VALUE of every `-c`/`--context` in CDK CLI arguments (to validate them before the CLI runs)."""
    args = list(cdk_args)
    pairs = []
    for index, arg in enumerate(args):
        if arg in ("-c", "--context") and index + 1 < len(args):
            pairs.append(args[index + 1])
        elif arg.startswith("--context="):
            pairs.append(arg.removeprefix("--context="))
    return pairs


def cdk_context(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """cdk.json's context with overrides applied, as the CDK CLI hands it to app.py.

    A cdk.json the CLI could not read either is a bad setting (exit 2), not a crash.
    """
    path = ROOT / "cdk.json"
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise SettingsError(
            [f"{path}: cannot read it ({error.strerror}); run mlstack from a clone of the repo"]
        ) from None
    except json.JSONDecodeError as error:
        raise SettingsError(
            [f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}); fix that line"]
        ) from None
    context = document.get("context") if isinstance(document, dict) else None
    if not isinstance(context, dict):
        raise SettingsError(
            [
                f'{path}: needs a "context" object holding the "mlstack" settings, '
                'e.g. {"context": {"mlstack": {}}}'
            ]
        )
    context = dict(context)
    context.update(overrides or {})
    return context


def profile_region() -> str | None:
    """The region of the boto3 profile (AWS_PROFILE or default), as the CDK CLI would read it."""
    return new_session().region_name


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Validated settings; raises SettingsError (one line per problem) like `cdk synth` would.

    Region rules check the region the commands and the app will use; the profile is read only when no
    setting or variable names a region.
    """
    return load_settings(cdk_context(overrides), profile_region=profile_region)


def region_of(settings: Settings) -> str:
    """The region every command and the app use: `-c region=`, AWS_REGION/AWS_DEFAULT_REGION, the profile's,
    else us-east-1 (stacks.config.resolve_region)."""
    return resolve_region(settings.region, profile_region)


def session_for(settings: Settings) -> boto3.session.Session:
    """A boto3 session in the settings' region."""
    return new_session(region_name=region_of(settings))
