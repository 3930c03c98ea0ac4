"""Copies the training scripts (training/) into the data bucket, where every place that trains finds them."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import TRAINING_INPUTS_PREFIX
from stacks.constructs.asset_upload import AssetUpload

TRAINING_DIR = Path(__file__).resolve().parents[2] / "training"
# Under training/, which training jobs may read: s3://<data bucket>/training/scripts/sentiment/train.py. Not
# training/code/, where jobs' source archives go: the deployment prunes whatever else is under its prefix.
TRAINING_CODE_PREFIX = f"{TRAINING_INPUTS_PREFIX}scripts/"


class TrainingCode(AssetUpload):
    """training/ under `training/scripts/` in the data bucket: the notebook sample and the GPU workstation sync
    the script from there at each run, so a deploy is all it takes to update them everywhere.

    Exposes `deployment` and `key_prefix`.
    """

    def __init__(self, scope: Construct, id_: str, *, bucket: s3.IBucket, log_key: kms.IKey | None) -> None:
        super().__init__(
            scope,
            id_,
            source_dir=TRAINING_DIR,
            bucket=bucket,
            key_prefix=TRAINING_CODE_PREFIX,
            what="the training scripts",
            exclude=["__pycache__", "*.pyc", ".*"],
            log_key=log_key,
        )
