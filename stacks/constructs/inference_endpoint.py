"""SageMaker inference endpoint serving a Hugging Face model from the Hugging Face PyTorch inference DLC: a Hub
model, or a trained model archive from the data bucket (platform.model_data_url)."""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from aws_cdk.region_info import Fact, FactName
from constructs import Construct

from stacks.config import PlatformSettings, Settings, SettingsError, prefixed
from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import INLINE_POLICY, acknowledge_aws_solutions, acknowledge_nist

# Days the endpoint's container logs are kept: enough to debug a deployment, no archive.
ENDPOINT_LOG_RETENTION_DAYS = 30

DLC_REPOSITORY = "huggingface-pytorch-inference"
VARIANT_NAME = "AllTraffic"
# The endpoint's physical name is `<prefix>-<ENDPOINT_NAME>`.
ENDPOINT_NAME = "endpoint"
# Metrics in AWS/SageMaker per endpoint variant that mean the model, or the container, failed a request.
ALARM_METRICS = ("InvocationModelErrors", "Invocation5XXErrors")
# Instance families with local NVMe instance storage: SageMaker rejects a KMS key for their storage.
_INSTANCE_STORAGE_FAMILY = re.compile(r"^ml\.(g4dn|g5|g6|g6e|p3dn|p4d|p5|[a-z]+\d+i?d)\.")


# Hugging Face DLC registry accounts the SageMaker Python SDK lists (src/sagemaker/image_uri_config/
# huggingface.json, aws/sagemaker-python-sdk) for regions CDK's DLC_REPOSITORY_ACCOUNT fact lacks
# (aws-cdk-lib 2.275.0); checked 2026-12-02. They overlay the fact: the fact wins where it has a value.
DLC_ACCOUNTS_MISSING_FROM_CDK = {
    "af-south-1": "626614931356",
    "ap-northeast-3": "364406365360",
    "il-central-1": "780543022126",
    "ca-west-1": "204538143572",
}


def dlc_account(region: str) -> str | None:
    """The account that publishes Deep Learning Containers in `region`, or None where there are none."""
    return Fact.find(region, FactName.DLC_REPOSITORY_ACCOUNT) or DLC_ACCOUNTS_MISSING_FROM_CDK.get(region)


def check_dlc_region(settings: Settings, region: str) -> None:
    """SettingsError when the inference endpoint is enabled in a region without Deep Learning Containers.

    app.py runs it before any construct, and `mlstack cdk` before the CLI starts, so the synth reports it
    as one line and exit 2 like every other bad setting.
    """
    if settings.has("platform") and settings.platform.endpoint_enabled and dlc_account(region) is None:
        raise SettingsError(
            [
                f"region={region!r}: AWS publishes no Deep Learning Containers (the inference endpoint's image) "
                "there; deploy to another region, e.g. -c region=us-east-1, or set "
                "-c platform.endpoint_enabled=false"
            ]
        )


def dlc_image_uri(region: str, tag: str, repository: str = DLC_REPOSITORY) -> str:
    """A Deep Learning Container image (default the Hugging Face PyTorch inference one) for `region`; a
    SettingsError where AWS publishes none."""
    account = dlc_account(region)
    if account is None:
        raise SettingsError(
            [
                f"region={region!r}: AWS publishes no Deep Learning Containers (the inference endpoint's image) "
                "there; deploy to another region, e.g. -c region=us-east-1, or set "
                "-c platform.endpoint_enabled=false"
            ]
        )
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}/{repository}:{tag}"


def instance_endpoint_name(settings: Settings) -> str | None:
    """The Platform stack's endpoint name when that endpoint is instance-backed (billed by the hour), else None."""
    platform = settings.platform
    if settings.has("platform") and platform.endpoint_enabled and platform.endpoint_instance_type:
        return prefixed(settings, ENDPOINT_NAME)
    return None


def supports_storage_kms(instance_type: str) -> bool:
    return not _INSTANCE_STORAGE_FAMILY.match(instance_type)


class InferenceEndpoint(Construct):
    """Model, endpoint configuration (serverless unless an instance type is set), endpoint, log group, alarms
    (notifying `alarm_topic` when given).

    Exposes `endpoint_name`, `endpoint_arn`, `image`, `role`, `model`, `endpoint_config`, `endpoint` and `alarms`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: PlatformSettings,
        name: str,
        key: kms.IKey,
        data_bucket: s3.IBucket,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self.image = image = dlc_image_uri(stack.region, settings.endpoint_image_tag)

        # SageMaker writes container logs here; created by the stack so `cdk destroy` removes it.
        log_group = destroyable_log_group(
            self,
            "Logs",
            retention_days=ENDPOINT_LOG_RETENTION_DAYS,
            encryption_key=key,
            log_group_name=f"/aws/sagemaker/Endpoints/{name}",
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"{name}: pull the inference image and write the endpoint's logs",
        )
        repository = stack.format_arn(
            service="ecr", account=dlc_account(stack.region), resource="repository", resource_name=DLC_REPOSITORY
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PullInferenceImage",
                actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                resources=[repository],
            )
        )
        # GetAuthorizationToken has no resource-level permissions: it only returns a registry login.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid="LogInToEcr", actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteEndpointLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        acknowledge_aws_solutions(
            self.role, "IAM5[Resource::*]", "ecr:GetAuthorizationToken supports no resource-level permissions."
        )

        trained = settings.model_data_bucket_and_key
        if trained is not None:
            self._grant_model_archive(stack, data_bucket, trained[1])
        self.model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=image,
                # A trained archive: SageMaker downloads it with the role and the container loads it from
                # /opt/ml/model; otherwise the container downloads HF_MODEL_ID from the Hub when it starts.
                model_data_url=settings.model_data_url,
                environment={"HF_TASK": settings.hf_task}
                if trained is not None
                else {"HF_MODEL_ID": settings.hf_model_id, "HF_TASK": settings.hf_task},
            ),
            # Serving a local archive needs no network at all; the Hub model does.
            enable_network_isolation=True if trained is not None else None,
        )
        # SageMaker checks the image pull with the role when it creates the model.
        self.model.node.add_dependency(self.role.node.find_child("DefaultPolicy"))
        if trained is None:
            self.model.add_metadata(
                "checkov",
                {
                    "skip": [
                        {
                            "id": "CKV_AWS_370",
                            "comment": "The Hugging Face container downloads HF_MODEL_ID from the Hub when it "
                            "starts; network isolation would block that.",
                        }
                    ]
                },
            )

        serverless = settings.endpoint_instance_type is None
        variant = sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=VARIANT_NAME,
            model_name=self.model.attr_model_name,
            serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                memory_size_in_mb=settings.endpoint_memory_mb, max_concurrency=settings.endpoint_max_concurrency
            )
            if serverless
            else None,
            instance_type=settings.endpoint_instance_type,
            initial_instance_count=None if serverless else 1,
            initial_variant_weight=None if serverless else 1,
        )
        # A KMS key is rejected for serverless variants and for instance types with local NVMe storage.
        encrypt = not serverless and supports_storage_kms(str(settings.endpoint_instance_type))
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "Config",
            production_variants=[variant],
            kms_key_id=key.key_arn if encrypt else None,
        )
        if not encrypt:
            acknowledge_nist(
                self.endpoint_config,
                "SageMakerEndpointConfigurationKMSKeyConfigured",
                "SageMaker rejects a KMS key for serverless variants and for instance types with local NVMe "
                "storage (encrypted by the hardware); instance types that accept one get the stack's key.",
            )
            self.endpoint_config.add_metadata(
                "checkov",
                {
                    "skip": [
                        {
                            "id": "CKV_AWS_98",
                            "comment": "SageMaker rejects a KMS key for serverless variants and for instance "
                            "types with local NVMe storage (encrypted by the hardware).",
                        }
                    ]
                },
            )

        self.endpoint = sagemaker.CfnEndpoint(
            self, "Endpoint", endpoint_name=name, endpoint_config_name=self.endpoint_config.attr_endpoint_config_name
        )
        self.endpoint.node.add_dependency(log_group)
        # Tokens, so a stack that uses them (ApiServices) is deployed after this one.
        self.endpoint_name = self.endpoint.attr_endpoint_name
        self.endpoint_arn = self.endpoint.ref  # Ref of AWS::SageMaker::Endpoint is its ARN

        self.alarms = [
            cloudwatch.Alarm(
                self,
                f"{metric}Alarm",
                alarm_description=f"{name}: {metric} in the last 5 minutes; logs in {log_group.log_group_name}",
                metric=cloudwatch.Metric(
                    namespace="AWS/SageMaker",
                    metric_name=metric,
                    dimensions_map={"EndpointName": name, "VariantName": VARIANT_NAME},
                    statistic="Sum",
                    period=cdk.Duration.minutes(5),
                ),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            for metric in ALARM_METRICS
        ]
        for alarm in self.alarms:
            if alarm_topic is not None:
                alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
            else:
                acknowledge_nist(
                    alarm,
                    "CloudWatchAlarmAction",
                    "No alerts_email or budget_email is set, so there is no one to notify: the alarm still "
                    "records the failures (console, `make status`); set alerts_email to get an e-mail.",
                )
        acknowledge_nist(self.role.node.find_child("DefaultPolicy"), "IAMNoInlinePolicy", INLINE_POLICY)

    def _grant_model_archive(self, stack: cdk.Stack, bucket: s3.IBucket, key: str) -> None:
        """Read exactly the configured archive, in the data bucket whatever bucket the URL names: a URL outside
        the data bucket fails when SageMaker downloads it instead of widening the role."""
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadModelArchive", actions=["s3:GetObject"], resources=[bucket.arn_for_objects(key)]
            )
        )
        if bucket.encryption_key is not None:  # SSE-S3 (the default data bucket) needs no key grant
            bucket.encryption_key.grant_decrypt(self.role)
