"""SageMaker notebook instance: encrypted, IMDSv2-only, no root, stops itself when idle, least-privilege role."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from stacks import deep_learning_containers as dlc
from stacks.config import PREFIX_TAG_KEY, PlatformSettings
from stacks.constructs.data_lake import ATHENA_RESULTS_PREFIX
from stacks.constructs.dlc_pull import grant_dlc_pull
from stacks.constructs.nag import (
    INLINE_POLICY,
    acknowledge_aws_solutions,
    acknowledge_nist,
    acknowledge_wildcards,
    nag_resource,
)
from stacks.constructs.network import Network
from stacks.constructs.public_datasets import PublicDatasets
from stacks.constructs.sample_notebooks import SETTINGS_FILE

LIFECYCLE_DIR = Path(__file__).parent / "notebook_lifecycle"
# CreateNotebookInstanceLifecycleConfig: each script's content is at most 16384 characters (base64).
LIFECYCLE_SCRIPT_LIMIT = 16384

# What a scientist does from the notebook with resources named `<prefix>-*`: train, host, invoke, clean up.
SAGEMAKER_CREATE_ACTIONS = (
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:CreateEndpoint",
    "sagemaker:AddTags",
)
SAGEMAKER_MANAGE_ACTIONS = (
    "sagemaker:DescribeTrainingJob",
    "sagemaker:StopTrainingJob",
    "sagemaker:DescribeModel",
    "sagemaker:DeleteModel",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DeleteEndpointConfig",
    "sagemaker:DescribeEndpoint",
    "sagemaker:UpdateEndpoint",
    "sagemaker:DeleteEndpoint",
    "sagemaker:InvokeEndpoint",
)
SAGEMAKER_RESOURCE_TYPES = ("training-job", "model", "endpoint-config", "endpoint")


def lifecycle_script(name: str, **values: str) -> str:
    """A script from notebook_lifecycle/ with its `@KEY@` markers filled in."""
    text = (LIFECYCLE_DIR / name).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def on_start_script(idle_minutes: int, region: str, *, bucket: str, notebooks_prefix: str) -> str:
    """on_start.sh (refresh the samples' settings file), then idle_stop.sh when `idle_minutes` is above 0."""
    parts = ["on_start.sh", *(["idle_stop.sh"] if idle_minutes else [])]
    script = "\n".join(
        lifecycle_script(
            part,
            IDLE_MINUTES=str(idle_minutes),
            REGION=region,
            BUCKET=bucket,
            NOTEBOOKS_PREFIX=notebooks_prefix,
            SETTINGS_FILE=SETTINGS_FILE,
            IDLE_CHECK_PY=(LIFECYCLE_DIR / "idle_check.py").read_text().rstrip("\n"),
        )
        for part in parts
    )
    # base64 grows the text by 4/3; fail at synth rather than at deploy.
    if len(script.encode()) * 4 / 3 > LIFECYCLE_SCRIPT_LIMIT:
        raise ValueError(f"on_start.sh with idle_check.py exceeds the {LIFECYCLE_SCRIPT_LIMIT}-character limit")
    return script


class NotebookInstance(Construct):
    """A notebook instance with its lifecycle configuration and execution role.

    Exposes `notebook`, `lifecycle_config`, `role` and `name`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: PlatformSettings,
        name: str,
        prefix: str,
        key: kms.IKey,
        data_bucket: s3.IBucket,
        datasets: PublicDatasets,
        samples_prefix: str,
        network: Network | None,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self.name = name
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"{prefix}: SageMaker notebook, and the jobs and models it creates",
        )
        self._grant_data(stack, data_bucket, datasets)
        self._grant_sagemaker(stack, prefix)
        self._grant_logs(stack, prefix)
        # The images the samples train and serve with: every Deep Learning Container repository mlstack knows.
        grant_dlc_pull(self.role, dlc.REPOSITORIES, sid="PullDeepLearningContainers")

        create_script = lifecycle_script(
            "on_create.sh", REGION=stack.region, BUCKET=data_bucket.bucket_name, NOTEBOOKS_PREFIX=samples_prefix
        )
        start_script = on_start_script(
            settings.notebook_idle_stop_minutes,
            stack.region,
            bucket=data_bucket.bucket_name,
            notebooks_prefix=samples_prefix,
        )
        self.lifecycle_config = sagemaker.CfnNotebookInstanceLifecycleConfig(
            self,
            "Lifecycle",
            on_create=[
                sagemaker.CfnNotebookInstanceLifecycleConfig.NotebookInstanceLifecycleHookProperty(
                    content=cdk.Fn.base64(create_script)
                )
            ],
            on_start=[
                sagemaker.CfnNotebookInstanceLifecycleConfig.NotebookInstanceLifecycleHookProperty(
                    content=cdk.Fn.base64(start_script)
                )
            ],
        )

        self.notebook = sagemaker.CfnNotebookInstance(
            self,
            "Notebook",
            notebook_instance_name=name,
            instance_type=settings.notebook_instance_type,
            volume_size_in_gb=settings.notebook_volume_size_gb,
            platform_identifier=settings.notebook_platform,
            role_arn=self.role.role_arn,
            kms_key_id=key.key_arn,
            root_access="Enabled" if settings.notebook_root_access else "Disabled",
            instance_metadata_service_configuration=sagemaker.CfnNotebookInstance.InstanceMetadataServiceConfigurationProperty(
                minimum_instance_metadata_service_version="2"
            ),
            lifecycle_config_name=self.lifecycle_config.attr_notebook_instance_lifecycle_config_name,
            direct_internet_access="Disabled" if network else "Enabled",
            subnet_id=network.subnet.subnet_id if network else None,
            security_group_ids=[network.security_group.security_group_id] if network else None,
        )
        # The instance starts right after creation and its scripts use the role: grant first.
        self.notebook.node.add_dependency(self.role.node.find_child("DefaultPolicy"))
        acknowledge_nist(self.role.node.find_child("DefaultPolicy"), "IAMNoInlinePolicy", INLINE_POLICY)
        if network is None:
            for rule, why in (
                ("SM1", "network=public by design: no VPC, so no NAT gateway or endpoint charges while idle."),
                ("SM3", "network=public by design: the notebook downloads packages and models directly; "
                 "set platform.notebook_network=vpc to turn direct internet access off."),
            ):  # fmt: skip
                acknowledge_aws_solutions(self.notebook, rule, why)
            self.notebook.add_metadata(
                "checkov",
                {"skip": [{"id": "CKV_AWS_122", "comment": "network=public by design (zero idle cost)."}]},
            )
            acknowledge_nist(
                self.notebook,
                "SageMakerNotebookNoDirectInternetAccess",
                "network=public by design: no VPC, NAT or endpoints billed while idle, and the notebook downloads "
                "packages and models directly; set platform.notebook_network=vpc to turn direct access off.",
            )

    def _grant_data(self, stack: cdk.Stack, bucket: s3.IBucket, datasets: PublicDatasets) -> None:
        # Explicit actions rather than grant_read_write: no s3:DeleteObjectVersion, so versioning keeps
        # an undo for anything deleted from the notebook.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadWriteDataBucketObjects",
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                resources=[bucket.arn_for_objects("*")],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListDataBucket", actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[bucket.bucket_arn]
            )
        )
        # Attached from this side: ManagedPolicy.attach_to_role would make the Data stack refer to this role.
        self.role.add_managed_policy(datasets.read_policy)
        datasets.grant_query(self.role)

        producer = cdk.Stack.of(bucket)
        objects = nag_resource(stack, bucket.arn_for_objects("*"), producer)
        results = nag_resource(stack, bucket.arn_for_objects(f"{ATHENA_RESULTS_PREFIX}*"), producer)
        tables = nag_resource(
            stack,
            cdk.Stack.of(datasets).format_arn(
                service="glue", resource="table", resource_name=f"{datasets.database_name}/*"
            ),
        )
        acknowledgements = {
            f"Resource::{objects}": "The notebook is where the scientist works with the project's own data "
            "bucket: any object in it.",
            f"Resource::{results}": "Athena writes each query's results under a new key in the results prefix.",
            f"Resource::{tables}": "Every Glue table of the public-datasets database; it holds only those tables.",
            **{
                f"Action::{action}": "From the Data layer's grant_query (bucket.grant_read_write), limited to "
                "the Athena results prefix."
                for action in ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*")
            },
        }
        acknowledge_wildcards(self.role, acknowledgements)

    def _grant_sagemaker(self, stack: cdk.Stack, prefix: str) -> None:
        prefixed_arns = [
            stack.format_arn(service="sagemaker", resource=kind, resource_name=f"{prefix}-*")
            for kind in SAGEMAKER_RESOURCE_TYPES
        ]
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="StopThisNotebookWhenIdle",
                actions=["sagemaker:DescribeNotebookInstance", "sagemaker:StopNotebookInstance"],
                resources=[
                    stack.format_arn(service="sagemaker", resource="notebook-instance", resource_name=self.name)
                ],
            )
        )
        # Creating is allowed only with the prefix tag, so everything made from the notebook can be found later.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="CreatePrefixedTaggedResources",
                actions=list(SAGEMAKER_CREATE_ACTIONS),
                resources=prefixed_arns,
                conditions={"StringEquals": {f"aws:RequestTag/{PREFIX_TAG_KEY}": prefix}},
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ManagePrefixedResources", actions=list(SAGEMAKER_MANAGE_ACTIONS), resources=prefixed_arns
            )
        )
        # Jobs and models created from the notebook run with this same role, and with no other.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PassOwnRoleToSageMaker",
                actions=["iam:PassRole"],
                resources=[self.role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        acknowledge_wildcards(
            self.role,
            {
                f"Resource::{nag_resource(stack, arn)}": "Only SageMaker resources named with this deployment's "
                "prefix; creating one also requires the prefix tag."
                for arn in prefixed_arns
            },
        )

    def allow_passing(self, role: iam.IRole, sid: str) -> None:
        """Let notebook users start SageMaker jobs or models that run with `role` (and only SageMaker)."""
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid=sid,
                actions=["iam:PassRole"],
                resources=[role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )

    def _grant_logs(self, stack: cdk.Stack, prefix: str) -> None:
        def group(name: str, stream: str = "*") -> str:
            return stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=f"{name}:log-stream:{stream}",
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )

        # The service writes these groups itself; this role creates them on first use. The notebook's
        # group is shared by every notebook in the account, so only this notebook's streams are granted.
        writable = [
            group("/aws/sagemaker/NotebookInstances", f"{self.name}/*"),
            group("/aws/sagemaker/TrainingJobs"),
            group(f"/aws/sagemaker/Endpoints/{prefix}-*"),
        ]
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=writable,
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadJobAndEndpointLogs",
                actions=["logs:DescribeLogStreams", "logs:GetLogEvents"],
                resources=writable[1:],
            )
        )
        for arn in writable:
            acknowledge_aws_solutions(
                self.role,
                f"IAM5[Resource::{nag_resource(stack, arn)}]",
                "SageMaker names log streams after each job and instance at run time; groups "
                "are limited to this notebook, training jobs, and endpoints named with the prefix.",
            )
