"""The spending stop in the app: off without budget_stop_percent; on, the budget publishes actual spend past the
threshold to its trigger, filtered by the prefix tag when asked, and the Data stack hands it the Platform's
instance-backed endpoint (none for a serverless one) and its own Spark application (SpendingStop itself:
constructs/test_spending_stop.py)."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from tests.conftest import synth_app, template_of
from tests.unit.constructs.test_spending_stop import stop_function, stop_policy

EMAIL = "me@example.com"


@pytest.fixture(scope="module")
def data() -> Template:
    assembly = synth_app(
        budget_email=EMAIL,
        budget_stop_percent="100",
        budget_scope="prefix",
        **{"platform.endpoint_instance_type": "ml.m5.large"},
    )
    return template_of(assembly, "Data")


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


def test_prefix_scope_filters_the_budget_on_the_cost_allocation_tag(data: Template) -> None:
    data.has_resource_properties(
        "AWS::Budgets::Budget", {"Budget": {"CostFilters": {"TagKeyValue": ["user:mlstack:prefix$mlstack"]}}}
    )


def test_a_serverless_stack_endpoint_gets_no_delete_grant() -> None:
    template = template_of(synth_app(layers="data,platform", budget_email=EMAIL, budget_stop_percent="100"), "Data")
    assert "DeleteStackInstanceEndpoint" not in stop_policy(template)
    _, function = stop_function(template)
    assert function["Properties"]["Environment"]["Variables"]["STACK_ENDPOINT_NAME"] == ""


def test_the_stacks_instance_endpoint_and_spark_application_reach_the_stop(data: Template) -> None:
    statements = stop_policy(data)
    assert statements["DeleteStackInstanceEndpoint"]["Resource"] == {
        "Fn::Join": ["", ["arn:aws:sagemaker:us-east-1:", {"Ref": "AWS::AccountId"}, ":endpoint/mlstack-endpoint"]]
    }
    [application_id] = data.find_resources("AWS::EMRServerless::Application")
    assert statements["CancelSparkJobRuns"]["Resource"][0] == {"Fn::GetAtt": [application_id, "Arn"]}
    _, function = stop_function(data)
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["STACK_ENDPOINT_NAME"] == "mlstack-endpoint"
    assert variables["SPARK_APPLICATION_ID"] == {"Fn::GetAtt": [application_id, "ApplicationId"]}
