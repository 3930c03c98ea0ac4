"""IdleStop in a bare stack: the agent's CPU-and-GPU alarm and EC2's CPUUtilization fallback, each with its metric,
threshold, window, missing-data treatment and the stop action."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from stacks.constructs.idle_stop import IdleStop
from tests.unit.constructs.conftest import bare_stack


def _alarms(idle_minutes: int = 60, topic: bool = False) -> dict[str, dict[str, Any]]:
    stack = bare_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)
    ])  # fmt: skip
    instance = ec2.Instance(
        stack,
        "Box",
        vpc=vpc,
        instance_type=ec2.InstanceType("g4dn.xlarge"),
        machine_image=ec2.MachineImage.generic_linux({"us-east-1": "ami-12345678"}),
    )
    IdleStop(
        stack,
        "IdleStop",
        instance=instance,
        namespace="Mlstack/Workstation",
        metric_name="busy_percent",
        threshold_percent=5,
        idle_minutes=idle_minutes,
        alarm_topic=sns.Topic(stack, "Topic") if topic else None,
    )
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    return {a["Properties"]["Namespace"]: a["Properties"] for a in alarms.values()}


def test_agent_alarm_stops_after_the_idle_period_below_the_threshold() -> None:
    agent = _alarms()["Mlstack/Workstation"]
    assert agent["MetricName"] == "busy_percent"
    assert agent["Statistic"] == "Maximum"
    assert agent["Period"] == 300
    assert agent["EvaluationPeriods"] == agent["DatapointsToAlarm"] == 12  # 60 minutes
    assert agent["Threshold"] == 5
    assert agent["ComparisonOperator"] == "LessThanThreshold"
    assert agent["TreatMissingData"] == "notBreaching"
    assert ":automate:us-east-1:ec2:stop" in str(agent["AlarmActions"])


def test_fallback_watches_ec2_cpu_over_three_times_the_idle_period() -> None:
    fallback = _alarms()["AWS/EC2"]
    assert fallback["MetricName"] == "CPUUtilization"
    assert fallback["Dimensions"][0]["Name"] == "InstanceId"
    assert fallback["Statistic"] == "Maximum"
    assert fallback["Period"] == 300
    assert fallback["EvaluationPeriods"] == fallback["DatapointsToAlarm"] == 36  # 180 minutes
    assert fallback["Threshold"] == 5
    assert fallback["ComparisonOperator"] == "LessThanThreshold"
    # A stopped instance publishes nothing: that must never count as idle.
    assert fallback["TreatMissingData"] == "notBreaching"
    assert ":automate:us-east-1:ec2:stop" in str(fallback["AlarmActions"])
    assert "GPU" in fallback["AlarmDescription"]


@pytest.mark.parametrize(("idle", "periods"), [(10, 6), (480, 288), (1440, 288)])
def test_fallback_window_is_capped_at_a_day(idle: int, periods: int) -> None:
    assert _alarms(idle)["AWS/EC2"]["EvaluationPeriods"] == periods


def test_both_alarms_notify_the_topic_when_given() -> None:
    for alarm in _alarms(topic=True).values():
        assert len(alarm["AlarmActions"]) == 2
        assert any("Ref" in str(action) for action in alarm["AlarmActions"])
