"""PythonFunction in a bare stack: the project's one Lambda definition, its defaults, overrides and refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from stacks.constructs.python_function import PythonFunction
from tests.unit.constructs.conftest import bare_stack, statements_of

POWERTOOLS_LAYER = "arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:38"


def _code(folder: Path, module: str = "handler") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text("def handler(event, context):\n    return {}\n")
    return folder


def _function(code_dir: Path, region: str = "us-east-1", **kwargs: Any) -> tuple[PythonFunction, Template]:
    stack = bare_stack(region)
    function = PythonFunction(
        stack,
        "Fn",
        code_dir=code_dir,
        description="does a thing",
        service_name="thing",
        metrics_namespace="mlstack",
        log_retention_days=kwargs.pop("log_retention_days", 30),
        **kwargs,
    )
    return function, Template.from_stack(stack)


def _props(template: Template) -> dict[str, Any]:
    [function] = template.find_resources("AWS::Lambda::Function").values()
    return dict(function["Properties"])


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> tuple[PythonFunction, Template]:
    return _function(_code(tmp_path_factory.mktemp("code")))


def test_arm64_latest_runtime_active_tracing_and_short_defaults(default: tuple[PythonFunction, Template]) -> None:
    props = _props(default[1])
    assert props["Architectures"] == ["arm64"]
    assert props["Runtime"] == "python3.14"
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert (props["Handler"], props["MemorySize"], props["Timeout"]) == ("handler.handler", 256, 15)
    assert "DeadLetterConfig" not in props


def test_powertools_layer_and_its_environment_by_default(default: tuple[PythonFunction, Template]) -> None:
    props = _props(default[1])
    assert props["Layers"] == [POWERTOOLS_LAYER.format(region="us-east-1")]
    assert props["Environment"]["Variables"] == {
        "POWERTOOLS_SERVICE_NAME": "thing",
        "POWERTOOLS_METRICS_NAMESPACE": "mlstack",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def test_the_layer_arn_follows_the_region(tmp_path: Path) -> None:
    _, template = _function(_code(tmp_path), region="eu-west-1")
    assert _props(template)["Layers"] == [POWERTOOLS_LAYER.format(region="eu-west-1")]


def test_logs_go_to_its_own_group_with_the_retention_that_destroy_removes(
    default: tuple[PythonFunction, Template],
) -> None:
    function, template = default
    log_group_id = cdk.Stack.of(function).get_logical_id(function.log_group.node.default_child)  # type: ignore[arg-type]
    assert _props(template)["LoggingConfig"] == {"LogGroup": {"Ref": log_group_id}}
    log_group = template.to_json()["Resources"][log_group_id]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert "KmsKeyId" not in log_group["Properties"]
    assert log_group["DeletionPolicy"] == "Delete"


def test_its_own_role_may_write_its_logs_and_traces_only(default: tuple[PythonFunction, Template]) -> None:
    function, template = default
    role_id = cdk.Stack.of(function).get_logical_id(function.role.node.default_child)  # type: ignore[arg-type]
    role = template.to_json()["Resources"][role_id]["Properties"]
    # No AWSLambdaBasicExecutionRole: CloudWatch Logs on every log group of the account.
    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert _props(template)["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    log_group_id = cdk.Stack.of(function).get_logical_id(function.log_group.node.default_child)  # type: ignore[arg-type]
    assert sorted((s["Action"], str(s["Resource"])) for s in statements_of(template, function.role).values()) == [
        (["logs:CreateLogStream", "logs:PutLogEvents"], str({"Fn::GetAtt": [log_group_id, "Arn"]})),
        (["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "*"),
    ]


def test_environment_handler_memory_and_timeout_are_overridable(tmp_path: Path) -> None:
    _, template = _function(
        _code(tmp_path, "main"),
        handler="main.run",
        memory_size_mb=512,
        timeout_seconds=25,
        environment={"TABLE": "t", "POWERTOOLS_LOG_LEVEL": "DEBUG"},
    )
    props = _props(template)
    assert (props["Handler"], props["MemorySize"], props["Timeout"]) == ("main.run", 512, 25)
    # The caller's environment wins over the shared defaults.
    assert props["Environment"]["Variables"]["TABLE"] == "t"
    assert props["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"


def test_without_powertools_there_is_no_layer_and_no_powertools_environment(tmp_path: Path) -> None:
    _, template = _function(_code(tmp_path), powertools=False, environment={"A": "1"})
    props = _props(template)
    assert "Layers" not in props
    assert props["Environment"]["Variables"] == {"A": "1"}


def test_a_log_key_encrypts_the_log_group_and_a_topic_takes_failed_async_events(tmp_path: Path) -> None:
    stack = bare_stack()
    key = kms.Key(stack, "Key")
    topic = sns.Topic(stack, "Dead")
    function = PythonFunction(
        stack,
        "Fn",
        code_dir=_code(tmp_path),
        description="d",
        service_name="s",
        metrics_namespace="m",
        log_retention_days=7,
        log_key=key,
        dead_letter_topic=topic,
    )
    template = Template.from_stack(stack)

    def logical_id(construct: Any) -> str:
        return stack.get_logical_id(construct.node.default_child)

    log_group = template.to_json()["Resources"][logical_id(function.log_group)]
    assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [logical_id(key), "Arn"]}
    assert log_group["Properties"]["RetentionInDays"] == 7
    assert _props(template)["DeadLetterConfig"] == {"TargetArn": {"Ref": logical_id(topic)}}


def test_a_code_folder_without_the_handler_module_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"Fn: no handler\.py in the function code directory"):
        _function(tmp_path)
    with pytest.raises(ValueError, match=r"Fn: no main\.py in the function code directory"):
        _function(_code(tmp_path), handler="main.run")


def test_an_unknown_log_retention_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="31 days is not a CloudWatch Logs retention"):
        _function(_code(tmp_path), log_retention_days=31)
