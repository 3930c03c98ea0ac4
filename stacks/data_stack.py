"""Data layer: storage, database and analytics over the project's own data and public datasets."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks import outputs
from stacks.config import Settings, prefixed
from stacks.constructs.data_lake import DataLake
from stacks.constructs.monthly_budget import MonthlyBudget
from stacks.constructs.public_datasets import PublicDatasets


class DataStack(cdk.Stack):
    """Data bucket, public dataset grants, Glue catalog, Athena workgroup and an optional budget.

    Exposes `data_bucket` and `datasets` (read policy, Glue database, Athena workgroup) to other layers.
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
        if settings.budget_email:
            MonthlyBudget(
                self,
                "Budget",
                name=prefixed(settings, "monthly"),
                limit_usd=settings.budget_monthly_usd,
                email=settings.budget_email,
            )

        cdk.CfnOutput(self, outputs.DATA_BUCKET, value=lake.bucket.bucket_name)
        cdk.CfnOutput(self, outputs.ACCESS_LOGS_BUCKET, value=lake.access_logs_bucket.bucket_name)
        cdk.CfnOutput(self, outputs.GLUE_DATABASE, value=self.datasets.database_name)
        cdk.CfnOutput(self, outputs.ATHENA_WORKGROUP, value=self.datasets.workgroup.ref)
        cdk.CfnOutput(self, outputs.DATASETS_READ_POLICY, value=self.datasets.read_policy.managed_policy_arn)
        cdk.CfnOutput(
            self,
            outputs.PUBLIC_DATASETS,
            value=" ".join(f"s3://{d.bucket}/{d.prefix}" for d in settings.public_datasets),
            description="Registry of Open Data buckets the read policy grants",
        )
