"""The app as a user synthesizes it, through the CDK CLI in processes of their own: a bad setting's one line,
a full `mlstack cdk synth` without credentials (cdk-nag and CDK's built-in validation on), and checkov over the
templates it writes. `make test-cli` runs them (about 20 s of CPU: Node, jsii and checkov start-ups), apart from
the gate, which builds the same app in-process (tests/unit/test_app.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def test_cdk_cli_reports_a_bad_setting(tmp_path: Path) -> None:
    """The path a user takes: `npx cdk synth -c prefix=Bad_Name` prints the line and fails."""
    npx = Path(sys.executable).parent / "npx"
    result = subprocess.run(
        [str(npx), "cdk", "synth", "-q", "-c", "prefix=Bad_Name", "--output", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode != 0
    assert "mlstack: invalid setting: prefix='Bad_Name'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def synth_without_credentials(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`mlstack cdk synth` as a user runs it, with no AWS credentials or config anywhere, and CDK's built-in
    validation asked for; returns the cloud assembly folder and the command's output."""
    out = tmp_path_factory.mktemp("cli-synth")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_")) and k != "MLSTACK_DEBUG"}
    env |= {"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"}
    env["CDK_VALIDATION"] = "true"  # the app leaves CDK's built-in validation off unless asked (app.py)
    mlstack = Path(sys.executable).parent / "mlstack"
    result = subprocess.run(
        [str(mlstack), "cdk", "synth", "--quiet", "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    return out, result.stdout + result.stderr


def test_synth_needs_no_credentials(synth_without_credentials: tuple[Path, str]) -> None:
    out, output = synth_without_credentials
    assert sorted(path.name for path in out.glob("*.template.json")) == [
        f"Mlstack-{layer}.template.json" for layer in ("ApiServices", "Data", "Frameworks", "Platform")
    ]
    assert "Traceback" not in output
    assert "[Warning" not in output  # neither CDK's built-in validation nor any construct warns


CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def test_checkov_passes_on_the_synthesized_templates(synth_without_credentials: tuple[Path, str]) -> None:
    """checkov (its own venv: it pins packages that break this one) over the CLI's cloud assembly; the only
    skips are in .ci/checkov.yaml and on single resources, each with its reason."""
    out, _ = synth_without_credentials
    assert CHECKOV.exists(), "checkov is missing: `make test-cli` installs it into .venv-checkov"
    result = subprocess.run(
        [str(CHECKOV), "--quiet", "--compact", "--framework", "cloudformation", "--skip-download",
         "--config-file", str(ROOT / ".ci" / "checkov.yaml"), "--directory", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


# The Data layer with one property CloudFormation does not know, on a type cdk-nag has no rule for, synthesized.
_APP_WITH_AN_UNKNOWN_PROPERTY = """
import aws_cdk as cdk
from app import create_app
from mlstack.ops.settings import cdk_context

app, _ = create_app(cdk_context({"layers": "data"}))
[stack] = [child for child in app.node.children if isinstance(child, cdk.Stack)]
cdk.CfnResource(stack, "Unknown", type="AWS::CloudFormation::WaitConditionHandle", properties={"NoSuch": 1})
app.synth()
"""


@pytest.mark.parametrize("requested", [True, False])
def test_cdk_builtin_validation_runs_only_when_cdk_validation_is_true(requested: bool, tmp_path: Path) -> None:
    """app.py leaves CDK's built-in CloudFormation validation off (it costs seconds per synth) unless
    CDK_VALIDATION=true, which `mlstack cdk deploy` sets; then it checks every template of the app and, with
    cdk.json's feature flag, its findings fail the synth. In a process of its own: jsii's Node reads the variable
    once, when it starts."""
    env = {**os.environ, "CDK_VALIDATION": "true" if requested else "", "CDK_OUTDIR": str(tmp_path / "out")}
    result = subprocess.run(
        [sys.executable, "-c", _APP_WITH_AN_UNKNOWN_PROPERTY], cwd=ROOT, env=env, capture_output=True, text=True
    )
    report_file = tmp_path / "out" / "validation-report.json"
    report = report_file.read_text() if report_file.exists() else ""
    # the built-in validation names the property and fails the synth exactly when it was asked for
    assert ("'NoSuch' was unexpected" in report) == requested, report[:2000]
    assert (result.returncode != 0) == requested, result.stderr[-2000:]
