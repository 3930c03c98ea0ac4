"""The whole app: stacks per layer, tags, cdk-nag on every synth, cfn-lint clean, clear CLI errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_s3 as s3

from tests.conftest import ROOT, TEST_REGION, cdk_context, cfn_lint_errors, synth_app


def test_default_app_is_exactly_one_stack_per_layer_and_passes_nag(default_assembly: Any) -> None:
    # synth_app raises on any unacknowledged AwsSolutions finding, so reaching here means nag passed.
    names = sorted(stack.stack_name for stack in default_assembly.stacks)
    assert names == ["Mlstack-ApiServices", "Mlstack-Data", "Mlstack-Frameworks", "Mlstack-Platform"]


def test_app_passes_nag_with_credentials_too() -> None:
    """With credentials the CLI sets CDK_DEFAULT_ACCOUNT: ARNs in nag findings hold the literal account
    instead of a token, and every acknowledgement must still match (as `make deploy` and `make local` see it).
    """
    assembly = synth_app(account="123456789012")
    assert {stack.environment.account for stack in assembly.stacks} == {"123456789012"}


def test_an_unacknowledged_nag_finding_fails_synth() -> None:
    from app import create_app

    app, _ = create_app(cdk_context(layers="data"))
    stack = app.node.find_child("Mlstack-Data")
    s3.Bucket(stack, "Careless")  # no TLS policy, no access logs: AwsSolutions-S1 and S10
    with pytest.raises(RuntimeError, match="AwsSolutions-S10"):
        app.synth()


# CDK's singleton custom-resource providers are raw CfnResources that the Tags aspect cannot reach; they are
# the provider Lambda and its role, which cost nothing while idle and go with the stack.
UNTAGGABLE_BY_CDK = (
    "CustomS3AutoDeleteObjectsCustomResourceProvider",
    "CustomVpcRestrictDefaultSGCustomResourceProvider",
)
EXPECTED_TAGS = {"owner": "mlstack-user", "project": "mlstack", "cost-center": "sandbox", "mlstack:prefix": "mlstack"}


def _tags(value: Any) -> dict[str, Any]:
    """Tags as {key: value} from CloudFormation's list of {Key, Value} or a plain map (the type decides)."""
    if isinstance(value, list):
        return {str(tag.get("Key")): tag.get("Value") for tag in value if isinstance(tag, dict)}
    return dict(value) if isinstance(value, dict) else {}


def test_every_taggable_resource_of_every_stack_carries_owner_project_cost_center_and_prefix(
    default_assembly: Any,
) -> None:
    # Which types take tags, and under which property (Tags, BotTags, ResourceTags...), comes from the
    # CloudFormation resource schemas cfn-lint ships, not from a list kept here.
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    checked, untagged = 0, []
    for stack in default_assembly.stacks:
        for logical_id, resource in stack.template["Resources"].items():
            schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(TEST_REGION, resource["Type"]).schema
            tagging = schema.get("tagging") or {}
            if not tagging.get("taggable") or logical_id.startswith(UNTAGGABLE_BY_CDK):
                continue
            prop = str(tagging.get("tagProperty", "/properties/Tags")).rsplit("/", 1)[-1]
            tags = _tags(resource.get("Properties", {}).get(prop))
            checked += 1
            if {key: tags.get(key) for key in EXPECTED_TAGS} != EXPECTED_TAGS:
                untagged.append(f"{stack.stack_name}/{logical_id} ({resource['Type']}.{prop}): {sorted(tags)}")
    assert checked >= 30  # every stack's buckets, roles, functions, notebook, instance, bot...
    assert untagged == []


def test_cfn_lint_finds_no_errors_in_any_template(default_assembly: Any) -> None:
    templates = {stack.stack_name: stack.template for stack in default_assembly.stacks}
    assert cfn_lint_errors(templates) == ""


def test_the_cfn_lint_helper_reports_an_error_and_ignores_warnings(default_assembly: Any) -> None:
    data = default_assembly.get_stack_by_name("Mlstack-Data").template
    broken = {
        **data,
        "Resources": {**data["Resources"], "Broken": {"Type": "AWS::S3::Bucket", "Properties": {"Nope": 1}}},
    }
    assert "E3002" in cfn_lint_errors({"Data": broken})  # an unknown property is an error
    assert cfn_lint_errors({"Data": data}) == ""  # the Data stack has only warnings (W3005)


def _run_app(context: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(tmp_path)}
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("prefix", "Bad_Name", "mlstack: invalid setting: prefix='Bad_Name': 1 to 20 lowercase letters, digits"),
        ("layers", "data,gpu", "mlstack: invalid setting: layers[1]='gpu': one of data, platform, frameworks"),
    ],
)
def test_bad_setting_exits_non_zero_with_one_line_and_no_traceback(
    setting: str, value: str, message: str, tmp_path: Path
) -> None:
    result = _run_app(cdk_context(**{setting: value}), tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("mlstack:")]
    assert lines and lines[0].startswith(message), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "overrides",
    [{}, {"frameworks.spot": "true", "frameworks.network": "private-endpoints", "platform.notebook_network": "vpc"}],
    ids=["defaults", "spot-and-vpcs"],
)
def test_every_function_logs_to_a_log_group_its_stack_deletes(overrides: dict[str, str], request: Any) -> None:
    """No `/aws/lambda/<name>` created by the service (and left after destroy), CDK's own handlers included."""
    assembly = request.getfixturevalue("default_assembly") if not overrides else synth_app(**overrides)
    functions_seen = 0
    for stack in assembly.stacks:
        resources = stack.template["Resources"]
        for logical_id, resource in resources.items():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            functions_seen += 1
            group_ref = resource["Properties"].get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
            assert group_ref in resources, f"{stack.stack_name}/{logical_id} has no log group of the stack"
            group = resources[group_ref]
            assert group["Type"] == "AWS::Logs::LogGroup"
            assert group["DeletionPolicy"] == "Delete"
            assert "RetentionInDays" in group["Properties"]
    assert functions_seen >= 4  # bucket emptying, sample uploads, fulfillment, default-SG restriction


def test_the_settings_check_reads_the_context_as_cdk_app_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """main() checks settings before aws_cdk loads, so it must see what cdk.App will: the CLI's JSON over the
    defaults, and the overflow file the CLI writes when the context is too large for a variable."""
    import app

    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"prefix": "from-file"}))
    monkeypatch.setenv(app.CLI_CONTEXT_VARIABLE, json.dumps({"prefix": "from-variable", "region": "eu-west-1"}))
    monkeypatch.setenv(app.CLI_CONTEXT_OVERFLOW_FILE_VARIABLE, str(overflow))

    defaults = {"prefix": "default", "layers": "data"}
    merged = app.cli_context(defaults)

    assert merged == {"prefix": "from-file", "region": "eu-west-1", "layers": "data"}
