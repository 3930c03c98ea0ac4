"""SageMaker inference endpoints: `ModelEndpoint`, what every endpoint here shares (a Deep Learning Container image,
an execution role that pulls it and reads at most one model archive, serverless or instance capacity, a log group
destroyed with the stack, alarms on the metrics its kind publishes), and `InferenceEndpoint`, the sentiment endpoint
serving a Hugging Face model from the Hugging Face PyTorch inference DLC: a Hub model, or a trained model archive
from the data bucket (platform.model_data_url)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks import deep_learning_containers as dlc
from stacks.config import PlatformSettings, SettingsError
from stacks.constructs.dlc_pull import grant_dlc_pull
from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import INLINE_POLICY, acknowledge_nist

# Days the endpoint's container logs are kept: enough to debug a deployment, no archive.
ENDPOINT_LOG_RETENTION_DAYS = 30

VARIANT_NAME = "AllTraffic"
# SageMaker's namespace for an endpoint's own metrics (CPU, memory, disk), which the execution role publishes.
ENDPOINT_METRICS_NAMESPACE = "/aws/sagemaker/Endpoints"
# Metrics in AWS/SageMaker per endpoint variant that mean the model, or the container, failed a request, per
# endpoint kind. Serverless endpoints publish only the metrics AWS's serverless monitoring page lists (no
# InvocationModelErrors): there the model's own failures show as 4XX (ModelError answers) and 5XX responses.
SERVERLESS_ALARM_METRICS = ("Invocation4XXErrors", "Invocation5XXErrors")
INSTANCE_ALARM_METRICS = ("InvocationModelErrors", "Invocation5XXErrors")
ALARM_PERIOD_MINUTES = 5
# Instance families with local NVMe instance storage: SageMaker rejects a KMS key for their storage.
_INSTANCE_STORAGE_FAMILY = re.compile(r"^ml\.(g4dn|g5|g6|g6e|p3dn|p4d|p5|[a-z]+\d+i?d)\.")


def supports_storage_kms(instance_type: str) -> bool:
    return not _INSTANCE_STORAGE_FAMILY.match(instance_type)


@dataclass(frozen=True)
class ServingSpec:
    """What one endpoint serves and on what: the DLC repository and tag, the container's environment, the model
    archive (an s3:// URL in the data bucket, or None), network isolation, and the capacity (serverless memory
    and concurrency, or an instance type)."""

    repository: str
    image_tag: str
    environment: Mapping[str, str]
    model_data_url: str | None = None
    # None leaves EnableNetworkIsolation out of the model (SageMaker's default, off).
    network_isolation: bool | None = None
    memory_mb: int = 2048
    max_concurrency: int = 2
    instance_type: str | None = None
    # What the role does, in its description after the endpoint's name.
    purpose: str = "pull the inference image, write the endpoint's logs and metrics"
    # checkov findings acknowledged on the model, each {"id": ..., "comment": why}.
    checkov_skips: tuple[dict[str, str], ...] = ()

    @property
    def serverless(self) -> bool:
        return self.instance_type is None


class ModelEndpoint(Construct):
    """Model, endpoint configuration (serverless unless `spec.instance_type` is set), endpoint, log group, alarms
    (notifying `alarm_topic` when given), for one `ServingSpec`.

    Exposes `endpoint_name`, `endpoint_arn`, `image`, `role`, `model`, `endpoint_config`, `endpoint`, `alarms` and
    `alarm_metrics` (the metrics alarmed on, which depend on the endpoint's kind).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        spec: ServingSpec,
        name: str,
        key: kms.IKey,
        data_bucket: s3.IBucket,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self.image = image = dlc.image_uri(spec.repository, stack.region, spec.image_tag)

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
            description=f"{name}: {spec.purpose}",
        )
        grant_dlc_pull(
            self.role,
            [spec.repository],
            sid="PullInferenceImage",
            other_wildcards="cloudwatch:PutMetricData supports no resource-level permissions either; the "
            f"cloudwatch:namespace condition limits it to {ENDPOINT_METRICS_NAMESPACE}.",
        )
        # What SageMaker's CreateModel role documentation lists for logs and metrics, scoped to this endpoint's
        # log group (created above, so CreateLogGroup finds it existing) and SageMaker's endpoint namespace.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteEndpointLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[log_group.log_group_arn],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PublishEndpointMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": ENDPOINT_METRICS_NAMESPACE}},
            )
        )

        if spec.model_data_url is not None:
            self._grant_model_archive(data_bucket, spec.model_data_url.removeprefix("s3://").partition("/")[2])
        self.model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=image, model_data_url=spec.model_data_url, environment=dict(spec.environment)
            ),
            enable_network_isolation=spec.network_isolation,
        )
        # SageMaker checks the image pull with the role when it creates the model.
        self.model.node.add_dependency(self.role.node.find_child("DefaultPolicy"))
        if spec.checkov_skips:
            self.model.add_metadata("checkov", {"skip": list(spec.checkov_skips)})

        serverless = spec.serverless
        variant = sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=VARIANT_NAME,
            model_name=self.model.attr_model_name,
            serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                memory_size_in_mb=spec.memory_mb, max_concurrency=spec.max_concurrency
            )
            if serverless
            else None,
            instance_type=spec.instance_type,
            initial_instance_count=None if serverless else 1,
            initial_variant_weight=None if serverless else 1,
        )
        # A KMS key is rejected for serverless variants and for instance types with local NVMe storage.
        encrypt = not serverless and supports_storage_kms(str(spec.instance_type))
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

        self.alarm_metrics = SERVERLESS_ALARM_METRICS if serverless else INSTANCE_ALARM_METRICS
        self.alarms = [
            cloudwatch.Alarm(
                self,
                f"{metric}Alarm",
                alarm_description=f"{name}: {metric} in the last {ALARM_PERIOD_MINUTES} minutes; logs in "
                f"{log_group.log_group_name}",
                metric=cloudwatch.Metric(
                    namespace="AWS/SageMaker",
                    metric_name=metric,
                    dimensions_map={"EndpointName": name, "VariantName": VARIANT_NAME},
                    statistic="Sum",
                    period=cdk.Duration.minutes(ALARM_PERIOD_MINUTES),
                ),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            for metric in self.alarm_metrics
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

    def _grant_model_archive(self, bucket: s3.IBucket, key: str) -> None:
        """Read exactly the configured archive, in the data bucket whatever bucket the URL names: a URL outside
        the data bucket fails when SageMaker downloads it instead of widening the role."""
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadModelArchive", actions=["s3:GetObject"], resources=[bucket.arn_for_objects(key)]
            )
        )
        if bucket.encryption_key is not None:  # SSE-S3 (the default data bucket) needs no key grant
            bucket.encryption_key.grant_decrypt(self.role)


class InferenceEndpoint(ModelEndpoint):
    """The sentiment endpoint: the Hugging Face inference DLC serving `settings.hf_model_id` from the Hub, or the
    trained archive `settings.model_data_url`; serverless unless `settings.endpoint_instance_type` is set."""

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
        problem = settings.region_problem(cdk.Stack.of(scope).region)
        if problem:  # the settings loader refuses this first; a construct used on its own refuses it too
            raise SettingsError([problem])
        trained = settings.model_data_url is not None
        # Serving a local archive needs no network at all, but serverless endpoints do not support network
        # isolation (SageMaker's serverless "feature exclusions"; the forecast endpoint's module cites it):
        # only an instance-backed endpoint of a trained model is isolated.
        isolated = trained and settings.endpoint_instance_type is not None
        spec = ServingSpec(
            repository=dlc.HUGGINGFACE_INFERENCE,
            image_tag=settings.endpoint_image_tag,
            # A trained archive: SageMaker downloads it with the role and the container loads it from
            # /opt/ml/model; otherwise the container downloads HF_MODEL_ID from the Hub when it starts.
            environment={"HF_TASK": settings.hf_task}
            if trained
            else {"HF_MODEL_ID": settings.hf_model_id, "HF_TASK": settings.hf_task},
            model_data_url=settings.model_data_url,
            network_isolation=True if isolated else None,
            memory_mb=settings.endpoint_memory_mb,
            max_concurrency=settings.endpoint_max_concurrency,
            instance_type=settings.endpoint_instance_type,
            checkov_skips=()
            if isolated
            else (
                {
                    "id": "CKV_AWS_370",
                    "comment": "Serverless endpoints do not support network isolation (SageMaker's serverless "
                    "feature exclusions)"
                    if trained
                    else "The Hugging Face container downloads HF_MODEL_ID from the Hub when it starts; "
                    "network isolation would block that.",
                },
            ),
        )
        super().__init__(scope, id_, spec=spec, name=name, key=key, data_bucket=data_bucket, alarm_topic=alarm_topic)
