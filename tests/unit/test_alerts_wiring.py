"""The alerts topic in the app: created only with an e-mail, mailing the alerts address or else the budget's, and
every alarm of every stack and the budget's warnings notifying it (AlertsTopic itself: constructs/test_alerts.py)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.config import load_settings
from tests.conftest import cdk_context, synth_app, template_of

ALERTS_EMAIL = "alerts@example.com"
BUDGET_EMAIL = "budget@example.com"


@pytest.fixture(scope="module")
def with_alerts() -> Any:
    """Every layer, an instance-backed endpoint, spot and the VPC networks: every alarm the app can create."""
    return synth_app(
        alerts_email=ALERTS_EMAIL,
        budget_email=BUDGET_EMAIL,
        **{
            "platform.endpoint_instance_type": "ml.m5.large",
            "platform.notebook_network": "vpc",
            "frameworks.spot": "true",
        },
    )


def _topic(data: Template) -> str:
    topics = data.find_resources("AWS::SNS::Topic", {"Properties": {"DisplayName": "mlstack alerts"}})
    assert len(topics) == 1
    return next(iter(topics))


def test_the_alerts_address_wins_and_the_budget_address_is_the_fallback(with_alerts: Any) -> None:
    template_of(with_alerts, "Data").has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": ALERTS_EMAIL}
    )
    # The Data stack creates the topic for settings.alerts_recipient (stacks/data_stack.py).
    assert load_settings(cdk_context(budget_email=BUDGET_EMAIL)).alerts_recipient == BUDGET_EMAIL
    assert load_settings(cdk_context()).alerts_recipient is None


def test_no_email_means_no_topic_and_no_key(default_assembly: Any) -> None:
    for stack in default_assembly.stacks:
        template = Template.from_json(stack.template)
        template.resource_count_is("AWS::SNS::Topic", 0)
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
            assert not any("GetStackOutput" in str(action) for action in alarm["Properties"].get("AlarmActions", []))
    template_of(default_assembly, "Data").resource_count_is("AWS::KMS::Key", 0)


def test_alerts_email_alone_creates_the_topic_without_a_budget() -> None:
    data = template_of(synth_app(layers="data", alerts_email=ALERTS_EMAIL), "Data")
    topic = _topic(data)
    data.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": ALERTS_EMAIL})
    data.resource_count_is("AWS::Budgets::Budget", 0)
    data.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}})
    assert topic


def test_every_alarm_in_every_stack_notifies_the_topic(with_alerts: Any) -> None:
    topic = _topic(template_of(with_alerts, "Data"))
    alarms_seen = 0
    for stack in with_alerts.stacks:
        for logical_id, alarm in Template.from_json(stack.template).find_resources("AWS::CloudWatch::Alarm").items():
            alarms_seen += 1
            actions = alarm["Properties"].get("AlarmActions", [])
            # Cross-stack, the topic ARN arrives as the Data stack's published output of Ref <topic>.
            assert any(topic in str(action) for action in actions), f"{stack.stack_name}/{logical_id}: {actions}"
    assert alarms_seen >= 3  # two endpoint alarms, the idle stop


def test_idle_stop_alarm_keeps_its_ec2_stop_action(with_alerts: Any) -> None:
    frameworks = template_of(with_alerts, "Frameworks")
    alarms = frameworks.find_resources("AWS::CloudWatch::Alarm").values()
    assert len(alarms) == 2  # the agent's alarm and the CPUUtilization fallback
    for alarm in alarms:
        actions = alarm["Properties"]["AlarmActions"]
        assert len(actions) == 2
        assert "arn:aws:automate:us-east-1:ec2:stop" in actions


def test_budget_warnings_go_to_the_budget_address_and_the_topic(with_alerts: Any) -> None:
    data = template_of(with_alerts, "Data")
    topic = _topic(data)
    [budget] = data.find_resources("AWS::Budgets::Budget").values()
    for notification in budget["Properties"]["NotificationsWithSubscribers"]:
        assert notification["Subscribers"] == [
            {"SubscriptionType": "EMAIL", "Address": BUDGET_EMAIL},
            {"SubscriptionType": "SNS", "Address": {"Ref": topic}},
        ]
    assert any(d.startswith("AlertsTopicPolicy") for d in budget["DependsOn"])
