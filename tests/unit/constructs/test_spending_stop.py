"""SpendingStop in a bare stack: the trigger topic only Budgets may publish to, the function it invokes and what the
function is told, and a role that acts only on resources carrying the prefix tag. How the Data stack wires it to
the budget, the Platform endpoint and the Spark application: tests/unit/test_spending_stop_wiring.py."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_emrserverless as emrserverless
from aws_cdk.assertions import Match, Template

from stacks.constructs.alerts import AlertsTopic
from stacks.constructs.spending_stop import SpendingStop
from tests.unit.constructs.conftest import bare_stack

EMAIL = "me@example.com"
TAG_CONDITION = {"StringEquals": {"aws:ResourceTag/mlstack:prefix": "mlstack"}}
# Statements that need no tag condition, and why: listing has no resource-level permissions, reading tags is how
# the function learns the tag, and the report goes to the deployment's own topic and key.
# Scoped otherwise: listing and reading tags change nothing; Spark runs are cancelled on one application's ARN.
UNTAGGED_SIDS = {"FindRunningCompute", "ReadSageMakerTags", "ReportToAlerts", "EncryptReport", "CancelSparkJobRuns"}


def _stop(stack_endpoint_name: str | None = "mlstack-endpoint", spark: bool = True) -> Template:
    stack = bare_stack()
    alerts = AlertsTopic(stack, "Alerts", email=EMAIL, name="mlstack")
    application = (
        emrserverless.CfnApplication(stack, "Spark", release_label="emr-7.12.0", type="SPARK") if spark else None
    )
    SpendingStop(
        stack,
        "SpendingStop",
        prefix="mlstack",
        tag_key="mlstack:prefix",
        key=alerts.key,
        alerts_topic=alerts.topic,
        stack_endpoint_name=stack_endpoint_name,
        spark_application_arn=application.attr_arn if application else None,
        spark_application_id=application.attr_application_id if application else None,
    )
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def data() -> Template:
    return _stop()


def stop_policy(data: Template) -> dict[str, Any]:
    [policy] = data.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": Match.string_like_regexp("stop compute")}}
    ).values()
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def stop_function(data: Template) -> tuple[str, dict[str, Any]]:
    [(logical_id, function)] = data.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "spending_stop.handler"}}
    ).items()
    return logical_id, function


def test_trigger_topic_is_encrypted_tls_only_and_only_budgets_may_publish(data: Template) -> None:
    [(trigger, topic)] = data.find_resources(
        "AWS::SNS::Topic", {"Properties": {"DisplayName": "mlstack spending stop"}}
    ).items()
    assert "KmsMasterKeyId" in topic["Properties"]
    [policy] = [
        p
        for p in data.find_resources("AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": trigger}]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert [(s["Effect"], s["Principal"]) for s in statements] == [
        ("Deny", "*"),
        ("Allow", {"Service": "budgets.amazonaws.com"}),
    ]


def test_trigger_topic_invokes_thestop_function(data: Template) -> None:
    function_id, _ = stop_function(data)
    data.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "lambda", "Endpoint": {"Fn::GetAtt": [function_id, "Arn"]}}
    )
    data.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Principal": "sns.amazonaws.com", "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]}},
    )


def test_role_acts_only_on_resources_carrying_the_prefix_tag(data: Template) -> None:
    statements = stop_policy(data)
    acting = {sid: s for sid, s in statements.items() if sid not in UNTAGGED_SIDS}
    assert set(acting) == {
        "StopTaggedCompute",
        "DescribeTaggedEndpoints",
        "DeleteUserEndpoints",
        "DeleteStackInstanceEndpoint",
    }
    for sid, statement in acting.items():
        assert statement["Condition"]["StringEquals"] == TAG_CONDITION["StringEquals"], sid
    assert sorted(statements["StopTaggedCompute"]["Action"]) == [
        "ec2:StopInstances",
        "sagemaker:StopNotebookInstance",
        "sagemaker:StopTrainingJob",
    ]


def test_only_endpoints_no_stack_owns_are_deleted_besides_the_stacks_instance_endpoint(data: Template) -> None:
    statements = stop_policy(data)
    user = statements["DeleteUserEndpoints"]
    assert user["Action"] == "sagemaker:DeleteEndpoint"
    assert user["Condition"]["Null"] == {"aws:ResourceTag/aws:cloudformation:stack-name": "true"}
    own = statements["DeleteStackInstanceEndpoint"]
    assert own["Resource"] == {
        "Fn::Join": ["", ["arn:aws:sagemaker:us-east-1:", {"Ref": "AWS::AccountId"}, ":endpoint/mlstack-endpoint"]]
    }


def test_wildcards_are_limited_to_list_calls_without_resource_permissions(data: Template) -> None:
    statements = stop_policy(data)
    star = [sid for sid, s in statements.items() if s["Resource"] == "*"]
    assert star == ["FindRunningCompute"]
    assert sorted(statements["FindRunningCompute"]["Action"]) == [
        "ec2:DescribeInstances",
        "sagemaker:ListEndpoints",
        "sagemaker:ListNotebookInstances",
        "sagemaker:ListTrainingJobs",
    ]


def test_the_function_is_told_the_prefix_tag_alerts_topic_endpoint_and_spark_application(data: Template) -> None:
    _, function = stop_function(data)
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["PREFIX"] == "mlstack"
    assert variables["PREFIX_TAG_KEY"] == "mlstack:prefix"
    assert variables["STACK_ENDPOINT_NAME"] == "mlstack-endpoint"
    [alerts_topic] = data.find_resources("AWS::SNS::Topic", {"Properties": {"DisplayName": "mlstack alerts"}})
    assert variables["ALERTS_TOPIC_ARN"] == {"Ref": alerts_topic}
    [application_id] = data.find_resources("AWS::EMRServerless::Application")
    assert variables["SPARK_APPLICATION_ID"] == {"Fn::GetAtt": [application_id, "ApplicationId"]}
    # Standard library and boto3 only: no Powertools layer.
    assert "Layers" not in function["Properties"]
    assert function["Properties"]["Runtime"] == "python3.14"


def test_spark_job_runs_are_cancelled_on_the_given_application_only(data: Template) -> None:
    statement = stop_policy(data)["CancelSparkJobRuns"]
    assert sorted(statement["Action"]) == ["emr-serverless:CancelJobRun", "emr-serverless:ListJobRuns"]
    [application_id] = data.find_resources("AWS::EMRServerless::Application")
    application_arn = {"Fn::GetAtt": [application_id, "Arn"]}
    assert statement["Resource"] == [application_arn, {"Fn::Join": ["", [application_arn, "/jobruns/*"]]}]


def test_without_a_stack_endpoint_or_spark_there_is_no_delete_or_cancel_grant() -> None:
    template = _stop(stack_endpoint_name=None, spark=False)
    statements = stop_policy(template)
    assert "DeleteStackInstanceEndpoint" not in statements
    assert "CancelSparkJobRuns" not in statements
    _, function = stop_function(template)
    assert function["Properties"]["Environment"]["Variables"]["STACK_ENDPOINT_NAME"] == ""
