"""AWS::CloudWatch::Alarm, single metric or metric math, through moto's put_metric_alarm."""

from __future__ import annotations

from typing import Any

from mlstack.emulator.resources.base import EmulatedResource, short_id


class CloudWatchAlarm(EmulatedResource):
    """AWS::CloudWatch::Alarm (single metric or metric math) through moto's `put_metric_alarm`."""

    CFN_TYPE = "AWS::CloudWatch::Alarm"
    ATTRIBUTES = ("Arn",)

    def _backend(self) -> Any:
        from moto.cloudwatch.models import cloudwatch_backends

        return cloudwatch_backends[self.account_id][self.region]

    def create(self) -> None:
        from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

        p = self.properties
        self.name = p.get("AlarmName") or f"{self.logical_id}-{short_id(8)}"
        queries = []
        for query in p.get("Metrics", []):
            stat = query.get("MetricStat")
            metric_stat = None
            if stat:
                metric = stat["Metric"]
                metric_stat = MetricStat(
                    metric=Metric(
                        metric_name=metric["MetricName"],
                        namespace=metric.get("Namespace"),
                        dimensions=[Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])],
                    ),
                    period=stat.get("Period"),
                    stat=stat.get("Stat"),
                    unit=stat.get("Unit"),
                )
            queries.append(
                MetricDataQuery(
                    query_id=query["Id"],
                    label=query.get("Label"),
                    period=query.get("Period"),
                    return_data=query.get("ReturnData"),
                    expression=query.get("Expression"),
                    metric_stat=metric_stat,
                )
            )
        alarm = self._backend().put_metric_alarm(
            name=self.name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=p.get("Period"),
            threshold=p.get("Threshold"),
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription"),
            dimensions=p.get("Dimensions", []),
            alarm_actions=p.get("AlarmActions", []),
            metric_data_queries=queries or None,
            datapoints_to_alarm=p.get("DatapointsToAlarm"),
            extended_statistic=p.get("ExtendedStatistic"),
            ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []),
            unit=p.get("Unit"),
            actions_enabled=str(p.get("ActionsEnabled", "true")).lower() == "true",
            treat_missing_data=p.get("TreatMissingData"),
            threshold_metric_id=p.get("ThresholdMetricId"),
        )
        self.attributes = {"Arn": alarm.alarm_arn}

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_alarms([self.name])
