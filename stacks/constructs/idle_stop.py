"""A CloudWatch alarm that stops an EC2 instance once both its CPU and GPU have been idle for a while."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sns as sns
from constructs import Construct

# Alarm period. The agent publishes every 60 s; five samples per period smooth out a single idle minute.
PERIOD_MINUTES = 5


class IdleStop(Construct):
    """Alarm with the EC2 stop action (`arn:<partition>:automate:<region>:ec2:stop`) + `alarm_topic`. Exposes `alarm`.

    EC2 alarm actions are only allowed on a per-instance metric (a single metric with the InstanceId
    dimension, not a metric-math expression), so the CPU-and-GPU rule is built into the metric itself: the
    CloudWatch agent publishes CPU utilization and every GPU's utilization under one name, aggregated by
    InstanceId, and the alarm takes the Maximum. Maximum below the threshold means CPU and all GPUs were idle.
    On an instance without GPUs (allow_cpu) the same metric carries CPU only.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        instance: ec2.Instance,
        namespace: str,
        metric_name: str,
        threshold_percent: float,
        idle_minutes: int,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id_)
        periods = idle_minutes // PERIOD_MINUTES
        busy = cloudwatch.Metric(
            namespace=namespace,
            metric_name=metric_name,
            dimensions_map={"InstanceId": instance.instance_id},
            statistic="Maximum",
            period=cdk.Duration.minutes(PERIOD_MINUTES),
        )
        self.alarm = cloudwatch.Alarm(
            self,
            "Alarm",
            alarm_description=f"Stops the instance after {idle_minutes} minutes with CPU and every GPU below "
            f"{threshold_percent:g} % (CloudWatch agent metric {namespace}/{metric_name}).",
            metric=busy,
            threshold=threshold_percent,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            # A stopped instance publishes nothing. Not breaching: the alarm returns to OK while stopped and fires
            # again only after a fresh idle stretch once someone starts the instance; it never acts on a gap.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarm.add_alarm_action(cloudwatch_actions.Ec2Action(cloudwatch_actions.Ec2InstanceAction.STOP))
        if alarm_topic is not None:
            # So the user learns why the instance stopped.
            self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
