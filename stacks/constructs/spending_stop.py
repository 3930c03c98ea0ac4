"""The hard spending stop: a budget notification triggers a Lambda that stops the prefix's running compute."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.constructs.alerts import BUDGETS, service_topic
from stacks.constructs.nag import acknowledge_aws_solutions, nag_resource
from stacks.constructs.python_function import PythonFunction

CODE_DIR = Path(__file__).resolve().parents[2] / "lambdas" / "spending_stop"
# CloudFormation's own tag on every resource it creates: endpoints with it belong to a stack.
STACK_TAG = "aws:cloudformation:stack-name"
STOP_LOG_RETENTION_DAYS = 90  # a record of what was stopped, and why, for a billing dispute


class SpendingStop(Construct):
    """Trigger topic (Budgets publishes), the stopping function and a role that acts only on tagged resources.

    Exposes `topic`, `function`, `role` and `policy`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        prefix: str,
        tag_key: str,
        key: kms.IKey,
        alerts_topic: sns.ITopic,
        stack_endpoint_name: str | None,
        spark_application_arn: str | None = None,
        spark_application_id: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self.topic = service_topic(
            self, "Trigger", key=key, display_name=f"{prefix} spending stop", publishers=(BUDGETS,)
        )
        handler = PythonFunction(
            self,
            "Handler",
            code_dir=CODE_DIR,
            handler="spending_stop.handler",
            description=f"{prefix}: stop the running compute tagged {tag_key}={prefix} when the budget runs out",
            service_name="spending-stop",
            metrics_namespace="mlstack",
            log_retention_days=STOP_LOG_RETENTION_DAYS,
            memory_size_mb=256,
            # Listing and stopping take seconds; each AWS call is bounded by its client config (connect 5 s,
            # read 15 s, 4 attempts), and a few dozen resources fit in this many times over.
            timeout_seconds=300,
            powertools=False,
            log_key=key,
            # Budgets publishes once per crossing: if every try fails, the event goes to the alerts e-mail instead.
            dead_letter_topic=alerts_topic,
            environment={
                "PREFIX": prefix,
                "PREFIX_TAG_KEY": tag_key,
                "ALERTS_TOPIC_ARN": alerts_topic.topic_arn,
                "STACK_ENDPOINT_NAME": stack_endpoint_name or "",
                "SPARK_APPLICATION_ID": spark_application_id or "",
            },
        )
        self.function = handler.function
        self.role = handler.role
        self.topic.add_subscription(subscriptions.LambdaSubscription(self.function))

        def sagemaker(kind: str, name: str = "*") -> str:
            return stack.format_arn(service="sagemaker", resource=kind, resource_name=name)

        tagged = {"StringEquals": {f"aws:ResourceTag/{tag_key}": prefix}}
        instances = stack.format_arn(service="ec2", resource="instance", resource_name="*")
        statements = [
            # None of these four has resource-level permissions: they list what exists, so `*` is the only choice.
            iam.PolicyStatement(
                sid="FindRunningCompute",
                actions=[
                    "ec2:DescribeInstances",
                    "sagemaker:ListNotebookInstances",
                    "sagemaker:ListTrainingJobs",
                    "sagemaker:ListEndpoints",
                ],
                resources=["*"],
            ),
            # Reading tags is how the function learns which resources are this prefix's; it changes nothing.
            iam.PolicyStatement(
                sid="ReadSageMakerTags",
                actions=["sagemaker:ListTags"],
                resources=[sagemaker(kind) for kind in ("notebook-instance", "training-job", "endpoint")],
            ),
            iam.PolicyStatement(
                sid="StopTaggedCompute",
                actions=["ec2:StopInstances", "sagemaker:StopNotebookInstance", "sagemaker:StopTrainingJob"],
                resources=[instances, sagemaker("notebook-instance"), sagemaker("training-job")],
                conditions=tagged,
            ),
            iam.PolicyStatement(
                sid="DescribeTaggedEndpoints",
                actions=["sagemaker:DescribeEndpoint"],
                resources=[sagemaker("endpoint")],
                conditions=tagged,
            ),
            # Endpoints users made from the notebook: tagged with the prefix and created by no stack.
            iam.PolicyStatement(
                sid="DeleteUserEndpoints",
                actions=["sagemaker:DeleteEndpoint"],
                resources=[sagemaker("endpoint")],
                conditions={**tagged, "Null": {f"aws:ResourceTag/{STACK_TAG}": "true"}},
            ),
            # Publishing to an encrypted topic needs the key's data key calls as well (no wildcard actions).
            iam.PolicyStatement(sid="ReportToAlerts", actions=["sns:Publish"], resources=[alerts_topic.topic_arn]),
            iam.PolicyStatement(
                sid="EncryptReport", actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[key.key_arn]
            ),
        ]
        if stack_endpoint_name:
            # The Platform stack's instance-backed endpoint: plain endpoints cannot scale to zero instances, so
            # it is deleted; its endpoint configuration and model stay for the next deploy (see README).
            statements.append(
                iam.PolicyStatement(
                    sid="DeleteStackInstanceEndpoint",
                    actions=["sagemaker:DeleteEndpoint"],
                    resources=[sagemaker("endpoint", stack_endpoint_name)],
                    conditions=tagged,
                )
            )
        if spark_application_arn:
            # Only the Data stack's own application: its runs are listed and cancelled by application id.
            statements.append(
                iam.PolicyStatement(
                    sid="CancelSparkJobRuns",
                    actions=["emr-serverless:ListJobRuns", "emr-serverless:CancelJobRun"],
                    resources=[spark_application_arn, f"{spark_application_arn}/jobruns/*"],
                )
            )
        self.policy = iam.ManagedPolicy(
            self, "StopCompute", description=f"{prefix}: stop compute tagged {tag_key}={prefix}", statements=statements
        )
        self.role.add_managed_policy(self.policy)

        reasons = {
            "*": "ec2:DescribeInstances and sagemaker:ListNotebookInstances/ListTrainingJobs/ListEndpoints have no "
            "resource-level permissions.",
            instances: "Instance ids are unknown until the sweep runs; ec2:StopInstances is limited by the "
            f"aws:ResourceTag/{tag_key} condition to this prefix's instances.",
            **{
                sagemaker(kind): f"SageMaker {kind}s are named at run time (by users, jobs and the stack); reading "
                "tags is unconditioned, every stop, describe or delete requires the prefix tag."
                for kind in ("notebook-instance", "training-job", "endpoint")
            },
        }
        if spark_application_arn:
            reasons[f"{spark_application_arn}/jobruns/*"] = (
                "Job run ids are made at submission; only runs of the Data stack's own Spark application."
            )
        for resource, reason in reasons.items():
            acknowledge_aws_solutions(self.policy, f"IAM5[Resource::{nag_resource(stack, resource)}]", reason)
