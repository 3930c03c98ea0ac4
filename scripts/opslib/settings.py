"""Settings for the operator scripts, loaded exactly like app.py does: cdk.json context plus `-c` overrides."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import boto3

from stacks.config import DEFAULT_REGION, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def add_settings_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`--prefix NAME` and repeatable `-c key=value`, the same keys `cdk synth -c` accepts."""
    parser.add_argument("--prefix", help="deployment prefix (default: cdk.json's prefix)")
    parser.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, as with cdk -c (repeatable)",
    )
    return parser


def overrides_from(args: argparse.Namespace) -> dict[str, str]:
    """The `-c` and `--prefix` overrides as a context dict; raises SettingsError on a malformed pair."""
    overrides: dict[str, str] = {}
    for pair in getattr(args, "context", None) or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SettingsError([f"-c {pair!r}: expected KEY=VALUE, e.g. -c prefix=ana"])
        overrides[key.strip()] = value
    if getattr(args, "prefix", None):
        overrides["prefix"] = args.prefix
    return overrides


def cdk_context(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """cdk.json's context with overrides applied, as the CDK CLI hands it to app.py."""
    context = dict(json.loads((ROOT / "cdk.json").read_text())["context"])
    context.update(overrides or {})
    return context


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Validated settings; raises SettingsError (one line per problem) like `cdk synth` would."""
    return load_settings(cdk_context(overrides))


def region_of(settings: Settings) -> str:
    """The region the app deploys to: the setting, else the CLI's region, else us-east-1 (as app.py)."""
    return (
        settings.region
        or os.environ.get("AWS_REGION")
        or boto3.session.Session().region_name
        or os.environ.get("CDK_DEFAULT_REGION")
        or DEFAULT_REGION
    )
