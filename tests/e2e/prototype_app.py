"""A CDK app with the resource types the Platform, Frameworks and ApiServices layers will use, for the emulator.

Those layers are built on other branches; this app lets the round trip prove now that the emulator deploys,
checks and destroys their kinds of resources: the real Data stack plus three stand-in stacks named like the
layers (so scripts/smoke.py checks them). It is a test fixture, not product code: no cdk-nag, no settings.
Run by tests/e2e/test_round_trip.py as `python scripts/local.py --app "python tests/e2e/prototype_app.py"`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lex as lex
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_deployment as s3_deployment
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from stacks import outputs  # noqa: E402
from stacks.config import load_settings  # noqa: E402
from stacks.data_stack import DataStack  # noqa: E402

PREFIX = "Proto"
DLAMI_PARAMETER = "/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.7-ubuntu-22.04/latest/ami-id"
POWERTOOLS_LAYER = "arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:18"
DLC_IMAGE = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:"
    "2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04"
)
DESTROY = cdk.RemovalPolicy.DESTROY


class PlatformLike(cdk.Stack):
    """Notebook with lifecycle config and KMS key, serverless endpoint, alarm, notebooks copied into the bucket."""

    def __init__(self, scope: Construct, id_: str, *, data: DataStack, **kwargs: object) -> None:
        super().__init__(scope, id_, **kwargs)
        key = kms.Key(self, "Key", enable_key_rotation=True, removal_policy=DESTROY)
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
        data.data_bucket.grant_read_write(role)
        role.add_managed_policy(data.datasets.read_policy)
        lifecycle = sagemaker.CfnNotebookInstanceLifecycleConfig(
            self, "IdleStop", on_start=[{"content": cdk.Fn.base64("#!/bin/bash\necho idle-stop\n")}]
        )
        sagemaker.CfnNotebookInstance(
            self,
            "Notebook",
            instance_type="ml.t3.medium",
            role_arn=role.role_arn,
            kms_key_id=key.key_id,
            lifecycle_config_name=lifecycle.attr_notebook_instance_lifecycle_config_name,
            platform_identifier="notebook-al2023-v1",
            root_access="Disabled",
        )
        model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=DLC_IMAGE, environment={"HF_MODEL_ID": "distilbert-base-uncased", "HF_TASK": "fill-mask"}
            ),
        )
        config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    model_name=model.attr_model_name,
                    variant_name="AllTraffic",
                    serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                        max_concurrency=1, memory_size_in_mb=2048
                    ),
                )
            ],
        )
        endpoint = sagemaker.CfnEndpoint(self, "Endpoint", endpoint_config_name=config.attr_endpoint_config_name)
        cloudwatch.Alarm(
            self,
            "Invocations",
            metric=cloudwatch.Metric(
                namespace="AWS/SageMaker",
                metric_name="Invocation5XXErrors",
                dimensions_map={"EndpointName": endpoint.attr_endpoint_name, "VariantName": "AllTraffic"},
            ),
            threshold=1,
            evaluation_periods=1,
        )
        s3_deployment.BucketDeployment(
            self,
            "Notebooks",
            destination_bucket=data.data_bucket,
            destination_key_prefix="notebooks/",
            sources=[
                s3_deployment.Source.data("README.md", "Sample notebooks\n"),
                s3_deployment.Source.json_data("endpoint.json", {"endpoint": endpoint.attr_endpoint_name}),
            ],
            retain_on_delete=False,
            # "@aws-cdk/aws-lambda:useCdkManagedLogGroup" gives the deployment's handler a RETAIN log group.
            log_group=logs.LogGroup(
                self, "NotebooksLogs", retention=logs.RetentionDays.ONE_DAY, removal_policy=DESTROY
            ),
        )


class FrameworksLike(cdk.Stack):
    """VPC without NAT, endpoints, flow logs, DLAMI instance from a public SSM parameter with IMDSv2, alarms."""

    @property
    def availability_zones(self) -> list[str]:
        # With an account in the environment CDK would look zones up at synth (and write cdk.context.json);
        # the project forbids look-ups, so the stack names its zone.
        return [f"{self.region}a"]

    def __init__(self, scope: Construct, id_: str, **kwargs: object) -> None:
        super().__init__(scope, id_, **kwargs)
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=1,
            nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)],
        )
        vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        vpc.add_interface_endpoint("Ssm", service=ec2.InterfaceVpcEndpointAwsService.SSM)
        flow_logs = logs.LogGroup(self, "FlowLogs", retention=logs.RetentionDays.ONE_WEEK, removal_policy=DESTROY)
        vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs))
        group = ec2.SecurityGroup(self, "Group", vpc=vpc, description="no ingress: SSM only")
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore")],
        )
        instance = ec2.Instance(
            self,
            "Workstation",
            vpc=vpc,
            instance_type=ec2.InstanceType("g4dn.xlarge"),
            machine_image=ec2.MachineImage.from_ssm_parameter(DLAMI_PARAMETER),
            security_group=group,
            role=role,
            require_imdsv2=True,
        )
        idle = cloudwatch.Alarm(
            self,
            "IdleStop",
            metric=cloudwatch.Metric(
                namespace="AWS/EC2",
                metric_name="CPUUtilization",
                dimensions_map={"InstanceId": instance.instance_id},
                statistic="Maximum",
                period=cdk.Duration.minutes(5),
            ),
            threshold=5,
            evaluation_periods=12,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        )
        idle.add_alarm_action(cloudwatch_actions.Ec2Action(cloudwatch_actions.Ec2InstanceAction.STOP))
        busy = cloudwatch.MathExpression(
            expression="cpu + network / 1000000",
            using_metrics={
                "cpu": cloudwatch.Metric(
                    namespace="AWS/EC2",
                    metric_name="CPUUtilization",
                    dimensions_map={"InstanceId": instance.instance_id},
                ),
                "network": cloudwatch.Metric(
                    namespace="AWS/EC2", metric_name="NetworkIn", dimensions_map={"InstanceId": instance.instance_id}
                ),
            },
            period=cdk.Duration.minutes(5),
        )
        # CDK refuses an Ec2Action on a metric-math alarm (Ec2AlarmActionsRequireInstanceMetric): no action here.
        cloudwatch.Alarm(
            self,
            "IdleMath",
            metric=busy,
            threshold=1,
            evaluation_periods=6,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        )


class ApiServicesLike(cdk.Stack):
    """Lex bot, version and alias; arm64 function with the public Powertools layer; table; log groups."""

    def __init__(self, scope: Construct, id_: str, *, data: DataStack, **kwargs: object) -> None:
        super().__init__(scope, id_, **kwargs)
        key = kms.Key(self, "Key", enable_key_rotation=True, removal_policy=DESTROY)
        table = dynamodb.TableV2(
            self,
            "Results",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="expires",
            removal_policy=DESTROY,
        )
        function_logs = logs.LogGroup(
            self, "FulfillmentLogs", retention=logs.RetentionDays.ONE_WEEK, removal_policy=DESTROY
        )
        function = lambda_.Function(
            self,
            "Fulfillment",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
            layers=[
                lambda_.LayerVersion.from_layer_version_arn(
                    self, "Powertools", POWERTOOLS_LAYER.format(region=cdk.Aws.REGION)
                )
            ],
            environment={"RESULTS_TABLE": table.table_name, "DATA_BUCKET": data.data_bucket.bucket_name},
            log_group=function_logs,
        )
        table.grant_read_write_data(function)
        bot_role = iam.Role(self, "BotRole", assumed_by=iam.ServicePrincipal("lexv2.amazonaws.com"))
        bot = lex.CfnBot(
            self,
            "Bot",
            name=f"{PREFIX.lower()}-assistant",
            role_arn=bot_role.role_arn,
            data_privacy={"ChildDirected": False},
            idle_session_ttl_in_seconds=300,
            auto_build_bot_locales=True,
            bot_locales=[
                lex.CfnBot.BotLocaleProperty(
                    locale_id="en_US",
                    nlu_confidence_threshold=0.4,
                    intents=[
                        lex.CfnBot.IntentProperty(
                            name="FallbackIntent", parent_intent_signature="AMAZON.FallbackIntent"
                        )
                    ],
                )
            ],
        )
        version = lex.CfnBotVersion(
            self,
            "BotVersion",
            bot_id=bot.attr_id,
            bot_version_locale_specification=[
                lex.CfnBotVersion.BotVersionLocaleSpecificationProperty(
                    locale_id="en_US",
                    bot_version_locale_details=lex.CfnBotVersion.BotVersionLocaleDetailsProperty(
                        source_bot_version="DRAFT"
                    ),
                )
            ],
        )
        conversation_logs = logs.LogGroup(
            self, "ConversationLogs", encryption_key=key, retention=logs.RetentionDays.ONE_WEEK, removal_policy=DESTROY
        )
        key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{cdk.Aws.REGION}.amazonaws.com"))
        alias = lex.CfnBotAlias(
            self,
            "BotAlias",
            bot_alias_name="live",
            bot_id=bot.attr_id,
            bot_version=version.attr_bot_version,
            conversation_log_settings=lex.CfnBotAlias.ConversationLogSettingsProperty(
                text_log_settings=[
                    lex.CfnBotAlias.TextLogSettingProperty(
                        enabled=True,
                        destination=lex.CfnBotAlias.TextLogDestinationProperty(
                            cloud_watch=lex.CfnBotAlias.CloudWatchLogGroupLogDestinationProperty(
                                cloud_watch_log_group_arn=conversation_logs.log_group_arn, log_prefix="bot/"
                            )
                        ),
                    )
                ]
            ),
        )
        function.add_permission(
            "Lex",
            principal=iam.ServicePrincipal("lexv2.amazonaws.com"),
            source_arn=f"arn:aws:lex:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:bot-alias/{bot.attr_id}/*",
        )
        s3_deployment.BucketDeployment(
            self,
            "BotConfig",
            destination_bucket=data.data_bucket,
            destination_key_prefix="bot/",
            sources=[
                s3_deployment.Source.json_data("bot.json", {"botId": bot.attr_id, "alias": alias.attr_bot_alias_id})
            ],
            retain_on_delete=False,
            # "@aws-cdk/aws-lambda:useCdkManagedLogGroup" gives the deployment's handler a RETAIN log group.
            log_group=logs.LogGroup(
                self, "BotConfigLogs", retention=logs.RetentionDays.ONE_DAY, removal_policy=DESTROY
            ),
        )
        cdk.CfnOutput(self, outputs.BOT_ID, value=bot.attr_id)
        cdk.CfnOutput(self, outputs.BOT_ALIAS_ID, value=alias.attr_bot_alias_id)
        cdk.CfnOutput(self, outputs.FULFILLMENT_FUNCTION, value=function.function_name)
        cdk.CfnOutput(self, outputs.RESULTS_TABLE, value=table.table_name)


def main() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(context=context)
    settings = load_settings({**context, "prefix": "proto"})
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    data = DataStack(app, f"{PREFIX}-Data", settings=settings, env=env)
    PlatformLike(app, f"{PREFIX}-Platform", data=data, env=env)
    FrameworksLike(app, f"{PREFIX}-Frameworks", env=env)
    ApiServicesLike(app, f"{PREFIX}-ApiServices", data=data, env=env)
    app.synth()


if __name__ == "__main__":
    main()
