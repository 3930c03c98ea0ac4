"""Links to Registry of Open Data datasets: read grants, a Glue catalog over them and an Athena workgroup."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import PublicDataset
from stacks.constructs.data_lake import ATHENA_RESULTS_PREFIX
from stacks.constructs.nag import acknowledge_aws_solutions

GHCN_BUCKET = "noaa-ghcn-pds"
# GHCN-D elements the Parquet table's partition projection enumerates (the ones most people query).
GHCN_ELEMENTS = ("PRCP", "SNOW", "SNWD", "TMAX", "TMIN", "TAVG")
GHCN_FIRST_YEAR = 1750

# Example queries shipped as Athena named queries. `{db}` is replaced with the Glue database name.
NAMED_QUERIES: dict[str, tuple[str, str]] = {
    "ghcn-hottest-days-2024": (
        "Ten highest maximum temperatures of 2024 (scans one partition of the Parquet table)",
        "SELECT id, date, data_value / 10.0 AS tmax_celsius FROM {db}.ghcn_daily "
        "WHERE year = 2024 AND element = 'TMAX' AND q_flag IS NULL ORDER BY data_value DESC LIMIT 10;",
    ),
    "ghcn-station-precipitation-2023": (
        "Total 2023 precipitation per station, top 20 (Parquet, one partition)",
        "SELECT id, SUM(data_value) / 10.0 AS prcp_mm FROM {db}.ghcn_daily "
        "WHERE year = 2023 AND element = 'PRCP' GROUP BY id ORDER BY prcp_mm DESC LIMIT 20;",
    ),
    "ghcn-csv-sample": (
        "First rows of the CSV table (no partitions: add a LIMIT, the bytes-scanned cap applies)",
        "SELECT * FROM {db}.ghcn_daily_csv LIMIT 10;",
    ),
}


def _bucket_arn(bucket: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:s3:::{bucket}"


class PublicDatasets(Construct):
    """Read access to public datasets, a Glue database with tables over NOAA GHCN-D, an Athena workgroup.

    Exposes `read_policy` (attach it to any role that reads the datasets), `database_name`,
    `workgroup` and `grant_query(grantee)` for roles that run Athena queries.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        datasets: Sequence[PublicDataset],
        results_bucket: s3.IBucket,
        name_prefix: str,
        bytes_scanned_cutoff_mb: int,
    ) -> None:
        super().__init__(scope, id_)
        self._results_bucket = results_bucket
        self.datasets = tuple(datasets)
        self.read_policy = iam.ManagedPolicy(
            self,
            "ReadPolicy",
            description=f"{name_prefix}: read the Registry of Open Data datasets linked by mlstack",
            statements=self._read_statements(),
        )
        for dataset in self.datasets:
            acknowledge_aws_solutions(
                self.read_policy,
                f"IAM5[Resource::arn:<AWS::Partition>:s3:::{dataset.bucket}/{dataset.prefix}*]",
                "Objects of a public dataset are read by key under its configured prefix; "
                "the bucket is read-only and public, so no narrower object list exists.",
            )

        glue_name = name_prefix.replace("-", "_")
        self.database_name = f"{glue_name}_datasets"
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=cdk.Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="Registry of Open Data datasets, queried in place by Athena",
            ),
        )
        self.table_names: list[str] = []
        if any(dataset.bucket == GHCN_BUCKET for dataset in self.datasets):
            self._ghcn_tables()

        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=f"{name_prefix}-analytics",
            description="mlstack queries over the public datasets; results in the data bucket",
            state="ENABLED",
            # Query history and named queries would otherwise block `cdk destroy`.
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=bytes_scanned_cutoff_mb * 1024 * 1024,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=results_bucket.s3_url_for_object(ATHENA_RESULTS_PREFIX),
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )
        if self.table_names:
            for query_id, (description, sql) in NAMED_QUERIES.items():
                query = athena.CfnNamedQuery(
                    self,
                    f"Query-{query_id}",
                    name=query_id,
                    description=description,
                    database=self.database_name,
                    work_group=self.workgroup.ref,
                    query_string=sql.format(db=self.database_name),
                )
                query.node.add_dependency(self.database)

    def _read_statements(self) -> list[iam.PolicyStatement]:
        # GetBucketLocation has no s3:prefix condition key, so it cannot share the prefixed List statement.
        statements = [
            iam.PolicyStatement(
                sid="LocateDatasetBuckets",
                actions=["s3:GetBucketLocation"],
                resources=sorted({_bucket_arn(dataset.bucket) for dataset in self.datasets}),
            )
        ]
        for dataset in self.datasets:
            name = dataset.id.title().replace("_", "")
            list_conditions = {"StringLike": {"s3:prefix": [f"{dataset.prefix}*"]}} if dataset.prefix else None
            statements += [
                iam.PolicyStatement(
                    sid=f"List{name}",
                    actions=["s3:ListBucket"],
                    resources=[_bucket_arn(dataset.bucket)],
                    conditions=list_conditions,
                ),
                iam.PolicyStatement(
                    sid=f"Read{name}",
                    actions=["s3:GetObject"],
                    resources=[f"{_bucket_arn(dataset.bucket)}/{dataset.prefix}*"],
                ),
            ]
        return statements

    def _table(self, id_: str, name: str, description: str, **table_input: object) -> None:
        table = glue.CfnTable(
            self,
            id_,
            catalog_id=cdk.Aws.ACCOUNT_ID,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(name=name, description=description, **table_input),  # type: ignore[arg-type]
        )
        table.node.add_dependency(self.database)
        self.table_names.append(name)

    def _ghcn_tables(self) -> None:
        columns = [
            glue.CfnTable.ColumnProperty(name="id", type="string", comment="11-character station id"),
            glue.CfnTable.ColumnProperty(name="date", type="string", comment="yyyymmdd"),
            glue.CfnTable.ColumnProperty(name="data_value", type="bigint", comment="tenths of a unit"),
            glue.CfnTable.ColumnProperty(name="m_flag", type="string"),
            glue.CfnTable.ColumnProperty(name="q_flag", type="string", comment="empty when quality checks passed"),
            glue.CfnTable.ColumnProperty(name="s_flag", type="string"),
            glue.CfnTable.ColumnProperty(name="obs_time", type="string"),
        ]
        last_year = datetime.date.today().year + 1
        # Partition projection: Athena computes partition locations from the query's WHERE clause, so
        # no crawler runs and a query naming one year and element reads only that folder.
        self._table(
            "GhcnDailyParquet",
            "ghcn_daily",
            "NOAA GHCN-D daily observations, Parquet by year and element (partition projection)",
            table_type="EXTERNAL_TABLE",
            parameters={
                "classification": "parquet",
                "projection.enabled": "true",
                "projection.year.type": "integer",
                "projection.year.range": f"{GHCN_FIRST_YEAR},{last_year}",
                "projection.element.type": "enum",
                "projection.element.values": ",".join(GHCN_ELEMENTS),
                "storage.location.template": f"s3://{GHCN_BUCKET}/parquet/by_year/YEAR=${{year}}/ELEMENT=${{element}}/",
            },
            partition_keys=[
                glue.CfnTable.ColumnProperty(name="year", type="int"),
                glue.CfnTable.ColumnProperty(name="element", type="string"),
            ],
            storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                location=f"s3://{GHCN_BUCKET}/parquet/by_year/",
                columns=columns,
                input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                serde_info=glue.CfnTable.SerdeInfoProperty(
                    serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                ),
            ),
        )
        csv_columns = [
            columns[0],
            columns[1],
            glue.CfnTable.ColumnProperty(name="element", type="string"),
            *columns[2:],
        ]
        self._table(
            "GhcnDailyCsv",
            "ghcn_daily_csv",
            "NOAA GHCN-D daily observations, one CSV file per year (no partitions: every query scans all)",
            table_type="EXTERNAL_TABLE",
            parameters={"classification": "csv", "skip.header.line.count": "1"},
            storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                location=f"s3://{GHCN_BUCKET}/csv/by_year/",
                columns=csv_columns,
                input_format="org.apache.hadoop.mapred.TextInputFormat",
                output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                serde_info=glue.CfnTable.SerdeInfoProperty(
                    serialization_library="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    parameters={"field.delim": ","},
                ),
            ),
        )

    def grant_query(self, grantee: iam.IGrantable) -> None:
        """Let `grantee` run Athena queries in the workgroup over the Glue tables and read the results.

        The tables' data is read with the grantee's own credentials: attach `read_policy` as well.
        """
        stack = cdk.Stack.of(self)
        workgroup_arn = stack.format_arn(service="athena", resource="workgroup", resource_name=self.workgroup.ref)
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=[
                "athena:StartQueryExecution",
                "athena:StopQueryExecution",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "athena:ListQueryExecutions",
                "athena:GetWorkGroup",
                "athena:GetNamedQuery",
                "athena:ListNamedQueries",
            ],
            resource_arns=[workgroup_arn],
        )
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
            resource_arns=[
                stack.format_arn(service="glue", resource="catalog"),
                stack.format_arn(service="glue", resource="database", resource_name=self.database_name),
                stack.format_arn(service="glue", resource="table", resource_name=f"{self.database_name}/*"),
            ],
        )
        self._results_bucket.grant_read_write(grantee, f"{ATHENA_RESULTS_PREFIX}*")
