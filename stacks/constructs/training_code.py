"""Copies the training scripts (training/) into the data bucket, where every place that trains finds them."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from stacks.config import TRAINING_INPUTS_PREFIX
from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import acknowledge_bucket_deployment

TRAINING_DIR = Path(__file__).resolve().parents[2] / "training"
# Under training/, which training jobs may read: s3://<data bucket>/training/scripts/sentiment/train.py. Not
# training/code/, where jobs' source archives go: the deployment prunes whatever else is under its prefix.
TRAINING_CODE_PREFIX = f"{TRAINING_INPUTS_PREFIX}scripts/"


class TrainingCode(Construct):
    """A BucketDeployment of training/ under `training/scripts/` in the data bucket: the notebook sample and the GPU
    workstation sync the script from there at each run, so a deploy is all it takes to update them everywhere.

    Exposes `deployment` and `key_prefix`.
    """

    def __init__(self, scope: Construct, id_: str, *, bucket: s3.IBucket, log_key: kms.IKey | None) -> None:
        super().__init__(scope, id_)
        self.key_prefix = TRAINING_CODE_PREFIX
        # The deployment's Lambda would otherwise create /aws/lambda/<name>, which outlives the stack.
        log_group = destroyable_log_group(self, "Logs", retention_days=7, encryption_key=log_key)
        self.deployment = s3_deployment.BucketDeployment(
            self,
            "Deployment",
            destination_bucket=bucket,
            destination_key_prefix=self.key_prefix,
            sources=[s3_deployment.Source.asset(str(TRAINING_DIR), exclude=["__pycache__", "*.pyc", ".*"])],
            # Deleting the stack removes the scripts it put there (the bucket itself may be retained).
            retain_on_delete=False,
            log_group=log_group,
        )
        acknowledge_bucket_deployment(self.deployment, bucket, what="the training scripts")
