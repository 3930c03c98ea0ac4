"""The spending stop in the Data stack: budget notification, trigger topic, function, and a role scoped by tag."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tests.conftest import synth_app, template_of

EMAIL = "me@example.com"
TAG_CONDITION = {"StringEquals": {"aws:ResourceTag/mlstack:prefix": "mlstack"}}
# Statements that need no tag condition, and why: listing has no resource-level permissions, reading tags is how
# the function learns the tag, and the report goes to the deployment's own topic and key.
# Scoped otherwise: listing and reading tags change nothing; Spark runs are cancelled on one application's ARN.
UNTAGGED_SIDS = {"FindRunningCompute", "ReadSageMakerTags", "ReportToAlerts", "EncryptReport", "CancelSparkJobRuns"}


@pytest.fixture(scope="module")
def data() -> Template:
    assembly = synth_app(
        budget_email=EMAIL,
        budget_stop_percent="100",
        budget_scope="prefix",
        **{"platform.endpoint_instance_type": "ml.m5.large"},
    )
    return template_of(assembly, "Data")


def _stop_policy(data: Template) -> dict[str, Any]:
    [policy] = data.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": Match.string_like_regexp("stop compute")}}
    ).values()
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def _function(data: Template) -> tuple[str, dict[str, Any]]:
    [(logical_id, function)] = data.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "spending_stop.handler"}}
    ).items()
    return logical_id, function


def test_off_by_default() -> None:
    template = template_of(synth_app(layers="data", budget_email=EMAIL), "Data")
    assert not template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": "spending_stop.handler"}})
    [budget] = template.find_resources("AWS::Budgets::Budget").values()
    assert len(budget["Properties"]["NotificationsWithSubscribers"]) == 2
    assert "CostFilters" not in budget["Properties"]["Budget"]


def test_budget_publishes_actual_spend_past_the_threshold_to_the_trigger_topic(data: Template) -> None:
    [trigger] = data.find_resources("AWS::SNS::Topic", {"Properties": {"DisplayName": "mlstack spending stop"}})
    [budget] = data.find_resources("AWS::Budgets::Budget").values()
    stop = [
        n
        for n in budget["Properties"]["NotificationsWithSubscribers"]
        if n["Notification"]
        == {
            "NotificationType": "ACTUAL",
            "ComparisonOperator": "GREATER_THAN",
            "Threshold": 100,
            "ThresholdType": "PERCENTAGE",
        }
    ]
    assert [n["Subscribers"] for n in stop] == [
        [{"SubscriptionType": "EMAIL", "Address": EMAIL}, {"SubscriptionType": "SNS", "Address": {"Ref": trigger}}]
    ]
    assert any(d.startswith("SpendingStopTriggerPolicy") for d in budget["DependsOn"])


def test_a_stop_at_the_warning_threshold_replaces_the_warning() -> None:
    template = template_of(synth_app(layers="data", budget_email=EMAIL, budget_stop_percent="80"), "Data")
    [budget] = template.find_resources("AWS::Budgets::Budget").values()
    thresholds = [(n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in
                  budget["Properties"]["NotificationsWithSubscribers"]]  # fmt: skip
    assert sorted(thresholds) == [("ACTUAL", 80), ("FORECASTED", 100)]


def test_prefix_scope_filters_the_budget_on_the_cost_allocation_tag(data: Template) -> None:
    data.has_resource_properties(
        "AWS::Budgets::Budget", {"Budget": {"CostFilters": {"TagKeyValue": ["user:mlstack:prefix$mlstack"]}}}
    )


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


def test_trigger_topic_invokes_the_function(data: Template) -> None:
    function_id, _ = _function(data)
    data.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "lambda", "Endpoint": {"Fn::GetAtt": [function_id, "Arn"]}}
    )
    data.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Principal": "sns.amazonaws.com", "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]}},
    )


def test_function_is_told_the_prefix_tag_topic_and_the_stacks_instance_endpoint(data: Template) -> None:
    _, function = _function(data)
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["PREFIX"] == "mlstack"
    assert variables["PREFIX_TAG_KEY"] == "mlstack:prefix"
    assert variables["STACK_ENDPOINT_NAME"] == "mlstack-endpoint"
    assert variables["ALERTS_TOPIC_ARN"] == {"Ref": next(iter(data.find_resources("AWS::SNS::Topic", {
        "Properties": {"DisplayName": "mlstack alerts"}})))}  # fmt: skip
    # Standard library and boto3 only: no Powertools layer.
    assert "Layers" not in function["Properties"]
    assert function["Properties"]["Runtime"] == "python3.14"


def test_role_acts_only_on_resources_carrying_the_prefix_tag(data: Template) -> None:
    statements = _stop_policy(data)
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
    statements = _stop_policy(data)
    user = statements["DeleteUserEndpoints"]
    assert user["Action"] == "sagemaker:DeleteEndpoint"
    assert user["Condition"]["Null"] == {"aws:ResourceTag/aws:cloudformation:stack-name": "true"}
    own = statements["DeleteStackInstanceEndpoint"]
    assert own["Resource"] == {
        "Fn::Join": ["", ["arn:aws:sagemaker:us-east-1:", {"Ref": "AWS::AccountId"}, ":endpoint/mlstack-endpoint"]]
    }


def test_wildcards_are_limited_to_list_calls_without_resource_permissions(data: Template) -> None:
    statements = _stop_policy(data)
    star = [sid for sid, s in statements.items() if s["Resource"] == "*"]
    assert star == ["FindRunningCompute"]
    assert sorted(statements["FindRunningCompute"]["Action"]) == [
        "ec2:DescribeInstances",
        "sagemaker:ListEndpoints",
        "sagemaker:ListNotebookInstances",
        "sagemaker:ListTrainingJobs",
    ]


def test_a_serverless_stack_endpoint_gets_no_delete_grant() -> None:
    template = template_of(synth_app(layers="data,platform", budget_email=EMAIL, budget_stop_percent="100"), "Data")
    assert "DeleteStackInstanceEndpoint" not in _stop_policy(template)
    _, function = _function(template)
    assert function["Properties"]["Environment"]["Variables"]["STACK_ENDPOINT_NAME"] == ""


def test_spark_job_runs_are_cancelled_on_the_stacks_own_application_only(data: Template) -> None:
    statement = _stop_policy(data)["CancelSparkJobRuns"]
    assert sorted(statement["Action"]) == ["emr-serverless:CancelJobRun", "emr-serverless:ListJobRuns"]
    [application_id] = data.find_resources("AWS::EMRServerless::Application")
    application_arn = {"Fn::GetAtt": [application_id, "Arn"]}
    assert statement["Resource"] == [
        application_arn,
        {"Fn::Join": ["", [application_arn, "/jobruns/*"]]},
    ]
    _, function = _function(data)
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["SPARK_APPLICATION_ID"] == {"Fn::GetAtt": [application_id, "ApplicationId"]}
