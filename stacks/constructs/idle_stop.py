"""CloudWatch alarms that stop an EC2 instance once both its CPU and GPU have been idle for a while, with a
fallback on EC2's own CPU metric for when the CloudWatch agent publishes nothing."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sns as sns
from constructs import Construct

# Alarm period. The agent publishes every 60 s; five samples per period smooth out a single idle minute. EC2's
# basic monitoring publishes CPUUtilization every 5 minutes.
PERIOD_MINUTES = 5
# The fallback waits this many times the idle period: it only has to catch an agent that never started.
FALLBACK_FACTOR = 3
# CloudWatch refuses alarms whose evaluation periods span more than one day.
MAX_ALARM_WINDOW_MINUTES = 24 * 60


class IdleStop(Construct):
    """Two alarms with the EC2 stop action (`arn:<partition>:automate:<region>:ec2:stop`) + `alarm_topic`.

    Exposes `alarm` (the agent's CPU-and-GPU metric over `idle_minutes`) and `fallback_alarm` (EC2's
    AWS/EC2 CPUUtilization over FALLBACK_FACTOR times as long, at most a day).

    EC2 alarm actions are only allowed on a per-instance metric (a single metric with the InstanceId
    dimension, not a metric-math expression), so the CPU-and-GPU rule is built into the metric itself: the
    CloudWatch agent publishes CPU utilization and every GPU's utilization under one name, aggregated by
    InstanceId, and the alarm takes the Maximum. Maximum below the threshold means CPU and all GPUs were idle.
    On an instance without GPUs (allow_cpu) the same metric carries CPU only.

    If the agent never starts, that alarm sees no data and, treating it as not breaching, never fires (actions
    fire only on a change of state, so INSUFFICIENT_DATA is no fallback): the instance would bill all day. EC2
    publishes CPUUtilization itself, so the fallback fires even then. It cannot see GPU-only load: a job that
    keeps the GPUs busy with the CPUs below the threshold for the whole longer window is stopped by it.
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
        fallback_minutes = min(FALLBACK_FACTOR * idle_minutes, MAX_ALARM_WINDOW_MINUTES)
        fallback_periods = fallback_minutes // PERIOD_MINUTES
        self.fallback_alarm = cloudwatch.Alarm(
            self,
            "CpuFallbackAlarm",
            alarm_description=f"Fallback: stops the instance after {fallback_minutes} minutes with EC2's "
            f"CPUUtilization below {threshold_percent:g} %, in case the CloudWatch agent publishes nothing. "
            "Blind to GPU-only load.",
            metric=cloudwatch.Metric(
                namespace="AWS/EC2",
                metric_name="CPUUtilization",
                dimensions_map={"InstanceId": instance.instance_id},
                statistic="Maximum",
                period=cdk.Duration.minutes(PERIOD_MINUTES),
            ),
            threshold=threshold_percent,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=fallback_periods,
            datapoints_to_alarm=fallback_periods,
            # Stopped, the instance publishes nothing: the same reasoning as above.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for alarm in (self.alarm, self.fallback_alarm):
            alarm.add_alarm_action(cloudwatch_actions.Ec2Action(cloudwatch_actions.Ec2InstanceAction.STOP))
            if alarm_topic is not None:
                # So the user learns why the instance stopped.
                alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
