"""Data layer: storage, database and analytics over the project's own data and public datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks import outputs
from stacks.config import ENDPOINT_NAME, PREFIX_TAG_KEY, SPARK_CODE_PREFIX, Settings, prefixed
from stacks.constructs.alerts import AlertsTopic
from stacks.constructs.data_lake import DataLake
from stacks.constructs.log_groups import own_function_logs
from stacks.constructs.monthly_budget import MonthlyBudget, prefix_cost_filter
from stacks.constructs.public_datasets import PublicDatasets
from stacks.constructs.spark_application import SparkApplication
from stacks.constructs.spending_stop import SpendingStop
from stacks.constructs.training_code import TrainingCode

SPARK_DIR = Path(__file__).resolve().parents[1] / "spark"


class DataStack(cdk.Stack):
    """Data bucket, public dataset grants, Glue catalog, Athena workgroup, alerts topic, budget, spending stop,
    EMR Serverless Spark application.

    Exposes `data_bucket`, `datasets` (read policy, Glue database, Athena workgroup), `alerts_topic` (None
    without an alerts e-mail), `training_code_prefix` (where training/ is copied in the bucket) and `spark` (the
    Spark application and its job role; None when spark.enabled is false) to other layers.
    """

    def __init__(self, scope: Construct, id_: str, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(scope, id_, description="mlstack Data layer: S3, Glue, Athena, public datasets", **kwargs)
        lake = DataLake(self, "DataLake", settings=settings.data, retain=settings.retain_data)
        self.data_bucket = lake.bucket
        self.datasets = PublicDatasets(
            self,
            "PublicDatasets",
            datasets=settings.public_datasets,
            results_bucket=lake.bucket,
            name_prefix=settings.prefix,
            bytes_scanned_cutoff_mb=settings.data.athena_bytes_scanned_cutoff_mb,
        )
        # One topic for everything that must reach a person; Platform and Frameworks alarms notify it too.
        recipient = settings.alerts_recipient
        alerts = AlertsTopic(self, "Alerts", email=recipient, name=settings.prefix) if recipient else None
        self.alerts_topic = alerts.topic if alerts else None
        # Spark on EMR Serverless: nothing pre-initialized, so nothing billed between jobs (mlstack spark submits).
        self.spark = (
            SparkApplication(
                self,
                "Spark",
                settings=settings.spark,
                prefix=settings.prefix,
                data_bucket=lake.bucket,
                datasets=self.datasets,
                log_key=alerts.key if alerts else None,
            )
            if settings.spark.enabled
            else None
        )
        if settings.budget_email:
            assert alerts is not None  # alerts_recipient falls back to budget_email
            stop = (
                SpendingStop(
                    self,
                    "SpendingStop",
                    prefix=settings.prefix,
                    tag_key=PREFIX_TAG_KEY,
                    key=alerts.key,
                    alerts_topic=alerts.topic,
                    stack_endpoint_name=prefixed(settings, ENDPOINT_NAME)
                    if settings.has("platform") and settings.platform.instance_backed_endpoint
                    else None,
                    spark_application_arn=self.spark.application.attr_arn if self.spark else None,
                    spark_application_id=self.spark.application.attr_application_id if self.spark else None,
                )
                if settings.budget_stop_percent
                else None
            )
            budget = MonthlyBudget(
                self,
                "Budget",
                name=prefixed(settings, "monthly"),
                limit_usd=settings.budget_monthly_usd,
                email=settings.budget_email,
                alerts_topic_arn=alerts.topic.topic_arn,
                stop_topic_arn=stop.topic.topic_arn if stop else None,
                stop_percent=settings.budget_stop_percent,
                cost_filters=prefix_cost_filter(PREFIX_TAG_KEY, settings.prefix)
                if settings.budget_scope == "prefix"
                else None,
            )
            # Budgets checks on create that it may publish to the topics: their policies come first.
            for topic in (alerts.topic, *([stop.topic] if stop else [])):
                budget.node.add_dependency(topic.node.find_child("Policy"))

        # The training scripts, for the notebook sample and the GPU workstation (and training jobs may read them).
        code = TrainingCode(self, "TrainingCode", bucket=lake.bucket, log_key=alerts.key if alerts else None)
        self.training_code_prefix = code.key_prefix

        if self.spark:
            code.add_folder("SparkCode", source_dir=SPARK_DIR, key_prefix=SPARK_CODE_PREFIX, what="the Spark jobs",
                            exclude=["__pycache__", "*.pyc", ".*"])  # fmt: skip

        if alerts:
            # The alerts key is paid for anyway: the stack's own handlers log under it too.
            own_function_logs(self, encryption_key=alerts.key)

        # With retain_data=true this is the name to pass as data.existing_bucket_name after a destroy.
        cdk.CfnOutput(self, outputs.DATA_BUCKET, value=lake.bucket.bucket_name)
        if lake.access_logs_bucket is not None:
            cdk.CfnOutput(self, outputs.ACCESS_LOGS_BUCKET, value=lake.access_logs_bucket.bucket_name)
        cdk.CfnOutput(self, outputs.GLUE_DATABASE, value=self.datasets.database_name)
        cdk.CfnOutput(self, outputs.ATHENA_WORKGROUP, value=self.datasets.workgroup.ref)
        cdk.CfnOutput(self, outputs.DATASETS_READ_POLICY, value=self.datasets.read_policy.managed_policy_arn)
        if self.spark:
            cdk.CfnOutput(self, outputs.SPARK_APPLICATION_ID, value=self.spark.application.attr_application_id)
            cdk.CfnOutput(self, outputs.SPARK_JOB_ROLE_ARN, value=self.spark.role.role_arn)
        cdk.CfnOutput(
            self,
            outputs.PUBLIC_DATASETS,
            value=" ".join(f"s3://{d.bucket}/{d.prefix}" for d in settings.public_datasets),
            description="Registry of Open Data buckets the read policy grants",
        )
