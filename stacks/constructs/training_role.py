"""The execution role SageMaker training jobs of this deployment run with: data in, model out, nothing else."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import deep_learning_containers as dlc
from stacks.config import CHECKPOINTS_PREFIX, CURATED_PREFIX, MODELS_PREFIX, TRAINING_INPUTS_PREFIX
from stacks.constructs.dlc_pull import grant_dlc_pull
from stacks.constructs.nag import (
    INLINE_POLICY,
    acknowledge_nist,
    acknowledge_wildcards,
    nag_resource,
)
from stacks.constructs.public_datasets import PublicDatasets

# SageMaker writes every training job's container logs to this group and its metrics to this namespace.
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_METRICS_NAMESPACE = "/aws/sagemaker/TrainingJobs"


class TrainingRole(Construct):
    """An IAM role for SageMaker training jobs named `<prefix>-*`.

    A job may read the configured public datasets, the data bucket's `training/` inputs (where the job's
    source archive goes too) and `curated/` (the Spark job's series, the forecast recipe's input), read and
    write `checkpoints/` (spot jobs resume from there), write `models/`, pull the Hugging Face training image
    (sentiment recipe) and the PyTorch training image (forecast recipe), write its own log streams and publish
    its metrics. It cannot create, describe or call anything else. Exposes `role`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        prefix: str,
        data_bucket: s3.IBucket,
        datasets: PublicDatasets,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"{prefix}: SageMaker training jobs: read datasets, training/ and curated/, write models/ "
            "and checkpoints/",
        )
        # Attached from this side: ManagedPolicy.attach_to_role would make the Data stack refer to this role.
        self.role.add_managed_policy(datasets.read_policy)
        self._grant_data_bucket(stack, data_bucket)
        self._grant_logs_and_metrics(stack, prefix)
        # Where AWS publishes no training image there is nothing to pull (`mlstack train` refuses such a region).
        grant_dlc_pull(
            self.role,
            [dlc.HUGGINGFACE_TRAINING, dlc.PYTORCH_TRAINING],
            sid="PullTrainingImage",
            other_wildcards="cloudwatch:PutMetricData supports no resource-level permissions either; metrics are "
            f"limited to the {TRAINING_METRICS_NAMESPACE} namespace by condition.",
        )
        acknowledge_nist(self.role.node.find_child("DefaultPolicy"), "IAMNoInlinePolicy", INLINE_POLICY)

    def _grant_data_bucket(self, stack: cdk.Stack, bucket: s3.IBucket) -> None:
        inputs = bucket.arn_for_objects(f"{TRAINING_INPUTS_PREFIX}*")
        curated = bucket.arn_for_objects(f"{CURATED_PREFIX}*")
        checkpoints = bucket.arn_for_objects(f"{CHECKPOINTS_PREFIX}*")
        models = bucket.arn_for_objects(f"{MODELS_PREFIX}*")
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListTrainingInputsAndCheckpoints",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={
                    "StringLike": {
                        "s3:prefix": [f"{TRAINING_INPUTS_PREFIX}*", f"{CURATED_PREFIX}*", f"{CHECKPOINTS_PREFIX}*"]
                    }
                },
            )
        )
        # curated/ is read-only input here: the Spark job writes it, a training job's channel reads it in place.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadTrainingInputsAndCheckpoints",
                actions=["s3:GetObject"],
                resources=[inputs, curated, checkpoints],
            )
        )
        # No s3:DeleteObject: a job adds models and checkpoints, it never removes what an earlier job wrote.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteModelsAndCheckpoints",
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[models, checkpoints],
            )
        )
        if bucket.encryption_key is not None:  # SSE-S3 (the default data bucket) needs no key grant
            bucket.encryption_key.grant_encrypt_decrypt(self.role)

        producer = cdk.Stack.of(bucket)
        reasons = {
            inputs: "Training inputs and the jobs' source archives live under keys the user chooses in training/.",
            curated: "The Spark job writes each run's series under curated/ghcn/<element>/<run id>/, a name known "
            "only after the run; the forecast job reads the newest run's.",
            checkpoints: "SageMaker syncs a job's checkpoint files under checkpoints/<job>/ with names the "
            "training script picks; resuming reads them back.",
            models: "SageMaker writes each job's model.tar.gz under models/<job name>/, a name known only at "
            "submission.",
        }
        acknowledge_wildcards(
            self.role, {f"Resource::{nag_resource(stack, arn, producer)}": reason for arn, reason in reasons.items()}
        )

    def _grant_logs_and_metrics(self, stack: cdk.Stack, prefix: str) -> None:
        def group_arn(resource_name: str) -> str:
            return stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=resource_name,
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )

        # Streams are named `<job name>/algo-<n>-<epoch>`: only this deployment's jobs' streams.
        streams = group_arn(f"{TRAINING_LOG_GROUP}:log-stream:{prefix}-*")
        # The group is shared by every training job of the account; creating it (on an account's first job)
        # and listing streams act on the group, not on other jobs' log events.
        group = group_arn(f"{TRAINING_LOG_GROUP}:*")
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteOwnJobLogs", actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[streams]
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="CreateTrainingLogGroup",
                actions=["logs:CreateLogGroup", "logs:DescribeLogStreams"],
                resources=[group],
            )
        )
        # PutMetricData has no resource-level permissions: the namespace condition is the scope.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PublishTrainingMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": TRAINING_METRICS_NAMESPACE}},
            )
        )
        acknowledge_wildcards(
            self.role,
            {
                f"Resource::{nag_resource(stack, streams)}": "SageMaker names a job's log streams at run time; only "
                "streams of jobs named with the prefix.",
                f"Resource::{nag_resource(stack, group)}": "logs:CreateLogGroup and logs:DescribeLogStreams on the "
                "training jobs' log group; they write and read no log events.",
            },
        )
