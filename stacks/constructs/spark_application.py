"""An EMR Serverless Spark application that costs nothing idle, the role its jobs run with, their logs and the
Glue tables over the GHCN-D series the job writes."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_emrserverless as emrserverless
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import (
    CURATED_PREFIX,
    GHCN_ELEMENTS,
    GHCN_SERIES_PREFIX,
    SPARK_CODE_PREFIX,
    SPARK_LOGS_PREFIX,
    SparkSettings,
)
from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import (
    INLINE_POLICY,
    acknowledge_aws_solutions,
    acknowledge_nist,
    acknowledge_wildcards,
    nag_resource,
)
from stacks.constructs.public_datasets import GHCN_BUCKET, PublicDatasets

SERVICE_PRINCIPAL = "emr-serverless.amazonaws.com"
# The run marker `mlstack spark` rewrites after a run's _SUCCESS: a symlink manifest listing the run's series
# files, so the table below always reads exactly the newest complete run (Athena's SymlinkTextInputFormat).
LATEST_MARKER = "latest/symlink.txt"


def series_table_name(element: str) -> str:
    """The Glue table of one element's newest series, e.g. `ghcn_tmax_series`."""
    return f"ghcn_{element.lower()}_series"


def series_prefix(element: str) -> str:
    """Where runs of one element go in the data bucket: `curated/ghcn/TMAX/` (then `<run id>/`, `latest/`)."""
    return f"{GHCN_SERIES_PREFIX}{element}/"


class SparkApplication(Construct):
    """A Spark application with no pre-initialized capacity (auto-start on submit, auto-stop when idle), capped at
    `settings.max_vcpu`/`max_memory_gb`/`max_disk_gb`, logging to `spark/logs/` of the data bucket and to a log
    group the stack deletes; a job runtime role that reads the public datasets and the job code and writes only
    `curated/`, the logs and the series tables; a Glue table per GHCN-D element over the newest complete run.

    Exposes `application`, `role`, `log_group`, `table_names` and `grant_submit(grantee)`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: SparkSettings,
        prefix: str,
        data_bucket: s3.IBucket,
        datasets: PublicDatasets,
        log_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self._bucket = data_bucket
        self.log_group = destroyable_log_group(
            self,
            "Logs",
            retention_days=settings.log_retention_days,
            encryption_key=log_key,
            log_group_name=f"/aws/emr-serverless/{prefix}",
        )
        if isinstance(data_bucket, s3.Bucket):  # an adopted bucket keeps its own lifecycle rules
            data_bucket.add_lifecycle_rule(
                id="ExpireSparkLogs", prefix=SPARK_LOGS_PREFIX, expiration=cdk.Duration.days(settings.log_expiry_days)
            )
        self.application = emrserverless.CfnApplication(
            self,
            "Application",
            name=f"{prefix}-spark",
            type="SPARK",
            release_label=settings.release_label,
            architecture=settings.architecture,
            # No initial_capacity: nothing is pre-initialized, so nothing is billed between jobs.
            auto_start_configuration=emrserverless.CfnApplication.AutoStartConfigurationProperty(enabled=True),
            auto_stop_configuration=emrserverless.CfnApplication.AutoStopConfigurationProperty(
                enabled=True, idle_timeout_minutes=settings.idle_stop_minutes
            ),
            maximum_capacity=emrserverless.CfnApplication.MaximumAllowedResourcesProperty(
                cpu=f"{settings.max_vcpu} vCPU",
                memory=f"{settings.max_memory_gb} GB",
                disk=f"{settings.max_disk_gb} GB",
            ),
            monitoring_configuration=emrserverless.CfnApplication.MonitoringConfigurationProperty(
                s3_monitoring_configuration=emrserverless.CfnApplication.S3MonitoringConfigurationProperty(
                    log_uri=data_bucket.s3_url_for_object(SPARK_LOGS_PREFIX)
                ),
                cloud_watch_logging_configuration=emrserverless.CfnApplication.CloudWatchLoggingConfigurationProperty(
                    enabled=True,
                    # CloudWatch Logs encrypts the group with log_key itself: the job role needs no key access.
                    log_group_name=self.log_group.log_group_name,
                ),
            ),
        )
        self.application.apply_removal_policy(cdk.RemovalPolicy.DESTROY)

        self.role = iam.Role(
            self,
            "JobRole",
            assumed_by=iam.ServicePrincipal(SERVICE_PRINCIPAL).with_conditions(
                {
                    # Only this account's application may assume it (the confused-deputy guard).
                    "StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": self.application.attr_arn},
                }
            ),
            description=f"{prefix}: EMR Serverless job runs: read datasets and spark/code/, write curated/",
        )
        # Attached from this side: ManagedPolicy.attach_to_role would make the policy refer to this role.
        self.role.add_managed_policy(datasets.read_policy)
        self._grant_bucket(stack, data_bucket)
        self._grant_logs(stack)
        # The job reads GHCN-D: without it among the datasets there is no series to catalogue.
        reads_ghcn = any(dataset.bucket == GHCN_BUCKET for dataset in datasets.datasets)
        self.table_names = [series_table_name(element) for element in GHCN_ELEMENTS] if reads_ghcn else []
        if reads_ghcn:
            self._series_tables(data_bucket, datasets)
            self._grant_tables(stack, datasets.database_name)
        acknowledge_nist(self.role.node.find_child("DefaultPolicy"), "IAMNoInlinePolicy", INLINE_POLICY)

    def _grant_bucket(self, stack: cdk.Stack, bucket: s3.IBucket) -> None:
        code, curated, logs = (
            bucket.arn_for_objects(f"{p}*") for p in (SPARK_CODE_PREFIX, CURATED_PREFIX, SPARK_LOGS_PREFIX)
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListJobCodeAndCurated",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{SPARK_CODE_PREFIX}*", f"{CURATED_PREFIX}*"]}},
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid="ReadJobCode", actions=["s3:GetObject"], resources=[code])
        )
        # A rerun into the same output replaces it, and Spark's committer renames through copy and delete.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteCurated",
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                resources=[curated],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid="WriteJobLogs", actions=["s3:PutObject"], resources=[logs])
        )
        if bucket.encryption_key is not None:  # SSE-S3 (the default data bucket) needs no key grant
            bucket.encryption_key.grant_encrypt_decrypt(self.role)
        producer = cdk.Stack.of(bucket)
        reasons = {
            code: "The job scripts are synced under spark/code/ at deploy time; the entry point is chosen per run.",
            curated: "Each run writes under curated/ghcn/<element>/<run id>/, a name known only at submission.",
            logs: "EMR Serverless names log objects by application, job run and worker at run time.",
        }
        acknowledge_wildcards(
            self.role, {f"Resource::{nag_resource(stack, arn, producer)}": reason for arn, reason in reasons.items()}
        )

    def _grant_logs(self, stack: cdk.Stack) -> None:
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteJobLogStreams",
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[f"{self.log_group.log_group_arn}"],
            )
        )
        # EMR Serverless checks the group exists before a run; DescribeLogGroups acts on the account's group list.
        any_group = stack.format_arn(
            service="logs", resource="log-group", resource_name="*", arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid="FindJobLogGroup", actions=["logs:DescribeLogGroups"], resources=[any_group])
        )
        acknowledge_aws_solutions(
            self.role,
            f"IAM5[Resource::{nag_resource(stack, self.log_group.log_group_arn)}]",
            "CDK's log group ARN ends in :* (every stream of this one group); EMR Serverless names streams per run.",
        )
        acknowledge_aws_solutions(
            self.role,
            f"IAM5[Resource::{nag_resource(stack, any_group)}]",
            "logs:DescribeLogGroups lists group names only (no log events); the service calls it to find the group.",
        )

    def _series_tables(self, bucket: s3.IBucket, datasets: PublicDatasets) -> None:
        columns = [
            glue.CfnTable.ColumnProperty(name="item_id", type="string", comment="GHCN-D station id"),
            glue.CfnTable.ColumnProperty(name="timestamp", type="date"),
            glue.CfnTable.ColumnProperty(name="target", type="double", comment="degrees C or mm; null in long gaps"),
            glue.CfnTable.ColumnProperty(name="filled", type="boolean", comment="interpolated across a short gap"),
        ]
        for element in GHCN_ELEMENTS:
            table = glue.CfnTable(
                self,
                f"Series{element.title()}",
                catalog_id=cdk.Aws.ACCOUNT_ID,
                database_name=datasets.database_name,
                table_input=glue.CfnTable.TableInputProperty(
                    name=series_table_name(element),
                    description=f"GHCN-D {element} daily series of the newest complete `mlstack spark` run",
                    table_type="EXTERNAL_TABLE",
                    parameters={"classification": "parquet"},
                    storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                        # The folder holds only the manifest; it lists the Parquet files of the newest run.
                        location=bucket.s3_url_for_object(f"{series_prefix(element)}latest/"),
                        columns=columns,
                        input_format="org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat",
                        output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                        serde_info=glue.CfnTable.SerdeInfoProperty(
                            serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                        ),
                    ),
                ),
            )
            table.node.add_dependency(datasets.database)

    def _grant_tables(self, stack: cdk.Stack, database_name: str) -> None:
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadWriteSeriesTables",
                actions=["glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"],
                resources=[
                    stack.format_arn(service="glue", resource="catalog"),
                    stack.format_arn(service="glue", resource="database", resource_name=database_name),
                    *(
                        stack.format_arn(service="glue", resource="table", resource_name=f"{database_name}/{name}")
                        for name in self.table_names
                    ),
                ],
            )
        )

    def grant_submit(self, grantee: iam.IGrantable) -> None:
        """Let `grantee` submit, follow and cancel job runs on this application with this role (and no other)."""
        application_arn = self.application.attr_arn
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="SubmitSparkJobs",
                actions=[
                    "emr-serverless:GetApplication",
                    "emr-serverless:StartApplication",
                    "emr-serverless:StartJobRun",
                    "emr-serverless:ListJobRuns",
                    "emr-serverless:GetJobRun",
                    "emr-serverless:CancelJobRun",
                    "emr-serverless:GetDashboardForJobRun",
                ],
                resources=[application_arn, f"{application_arn}/jobruns/*"],
            )
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PassSparkJobRoleToEmrServerless",
                actions=["iam:PassRole"],
                resources=[self.role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": SERVICE_PRINCIPAL}},
            )
        )
        if isinstance(grantee, Construct):
            stack = cdk.Stack.of(grantee)
            runs = nag_resource(stack, f"{application_arn}/jobruns/*", cdk.Stack.of(self))
            acknowledge_aws_solutions(
                grantee,
                f"IAM5[Resource::{runs}]",
                "Job run ids are made by EMR Serverless at submission; only runs of this one application.",
            )
