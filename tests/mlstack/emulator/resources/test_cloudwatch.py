"""CloudWatch alarms, single metric and metric math, created and deleted with their stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import (
    delete,
    deploy,
    outputs_of,
    template,
)


def test_single_metric_and_metric_math_alarms(aws: Callable[[str], Any]) -> None:
    stop = "arn:aws:automate:us-east-1:ec2:stop"
    stack = deploy(
        aws,
        template(
            {
                "Idle": {
                    "Type": "AWS::CloudWatch::Alarm",
                    "Properties": {
                        "Namespace": "AWS/EC2",
                        "MetricName": "CPUUtilization",
                        "Dimensions": [{"Name": "InstanceId", "Value": "i-123"}],
                        "Statistic": "Maximum",
                        "Period": 300,
                        "EvaluationPeriods": 12,
                        "Threshold": 5,
                        "ComparisonOperator": "LessThanThreshold",
                        "AlarmActions": [stop],
                    },
                },
                "Math": {
                    "Type": "AWS::CloudWatch::Alarm",
                    "Properties": {
                        "AlarmName": "busy-or-network",
                        "EvaluationPeriods": 3,
                        "Threshold": 1,
                        "ComparisonOperator": "LessThanThreshold",
                        "Metrics": [
                            {"Id": "expr", "Expression": "cpu + net", "ReturnData": True},
                            {
                                "Id": "cpu",
                                "ReturnData": False,
                                "MetricStat": {
                                    "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
                                    "Period": 300,
                                    "Stat": "Average",
                                },
                            },
                            {
                                "Id": "net",
                                "ReturnData": False,
                                "MetricStat": {
                                    "Metric": {"Namespace": "AWS/EC2", "MetricName": "NetworkIn"},
                                    "Period": 300,
                                    "Stat": "Sum",
                                },
                            },
                        ],
                    },
                },
            },
            {"IdleName": {"Ref": "Idle"}, "MathArn": {"Fn::GetAtt": ["Math", "Arn"]}},
        ),
    )
    out = outputs_of(stack)
    cloudwatch = aws("cloudwatch")
    alarms = {
        a["AlarmName"]: a
        for a in cloudwatch.describe_alarms(AlarmNames=[out["IdleName"], "busy-or-network"])["MetricAlarms"]
    }
    assert alarms[out["IdleName"]]["AlarmActions"] == [stop]
    assert [m["Id"] for m in alarms["busy-or-network"]["Metrics"]] == ["expr", "cpu", "net"]
    assert out["MathArn"].endswith(":alarm:busy-or-network")
    delete(aws, stack)
    assert cloudwatch.describe_alarms(AlarmNames=[out["IdleName"], "busy-or-network"])["MetricAlarms"] == []
