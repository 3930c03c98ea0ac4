"""Settings for the commands, loaded exactly like app.py does: cdk.json context plus `-c` overrides."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import boto3
import click

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
    """cdk.json's context with overrides applied, as the CDK CLI hands it to app.py."""
    context = dict(json.loads((ROOT / "cdk.json").read_text())["context"])
    context.update(overrides or {})
    return context


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Validated settings; raises SettingsError (one line per problem) like `cdk synth` would."""
    return load_settings(cdk_context(overrides))


def region_of(settings: Settings) -> str:
    """The region every command and the app use: `-c region=`, AWS_REGION/AWS_DEFAULT_REGION, the profile's,
    else us-east-1 (stacks.config.resolve_region)."""
    profile_region = None
    if not (settings.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        profile_region = boto3.session.Session().region_name
    return resolve_region(settings.region, profile_region)


def session_for(settings: Settings) -> boto3.session.Session:
    """A boto3 session in the settings' region."""
    return boto3.session.Session(region_name=region_of(settings))
