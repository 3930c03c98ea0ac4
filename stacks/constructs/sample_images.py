"""Sample images for the bot, uploaded from stacks/assets/sample_images/ into the data bucket."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import acknowledge_deployment_handler, nag_asset_bucket_objects, nag_resource

SAMPLE_IMAGES_DIR = Path(__file__).resolve().parent.parent / "assets" / "sample_images"
SAMPLE_IMAGES_PREFIX = "samples/images/"


def sample_image_names(directory: Path = SAMPLE_IMAGES_DIR) -> tuple[str, ...]:
    """Names (file stems) of the PNG files in the samples folder, sorted."""
    return tuple(sorted(path.stem for path in directory.glob("*.png")))


class SampleImages(Construct):
    """Copies every sample PNG to `samples/images/<name>.png` in the bucket. Exposes `names`, `prefix`."""

    def __init__(self, scope: Construct, id_: str, *, bucket: s3.IBucket, log_retention_days: int) -> None:
        super().__init__(scope, id_)
        self.names = sample_image_names()
        if not self.names:
            raise ValueError(f"{id_}: no sample images (*.png) in {SAMPLE_IMAGES_DIR}")
        self.prefix = SAMPLE_IMAGES_PREFIX
        # The copy runs in a CDK-provided Lambda; its log group is created here so destroy removes it.
        self.log_group = destroyable_log_group(self, "UploadLogs", retention_days=log_retention_days)
        # Own role instead of CDK's default, which attaches the AWSLambdaBasicExecutionRole managed policy.
        self.role = iam.Role(
            self,
            "UploadRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Copies the bot's sample images into the data bucket on deploy",
        )
        self.log_group.grant_write(self.role)
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Upload",
            destination_bucket=bucket,
            destination_key_prefix=SAMPLE_IMAGES_PREFIX,
            sources=[s3deploy.Source.asset(str(SAMPLE_IMAGES_DIR))],
            # Removes the samples when this stack goes, even if the data bucket is retained.
            retain_on_delete=False,
            log_group=self.log_group,
            role=self.role,
        )
        self._acknowledge_cdk_managed_findings(bucket)

    def _acknowledge_cdk_managed_findings(self, bucket: s3.IBucket) -> None:
        """BucketDeployment's grants and runtime are chosen by CDK; acknowledge exactly what it adds."""
        stack = cdk.Stack.of(self)
        bucket_arn = nag_resource(cdk.Stack.of(self), bucket.bucket_arn, bucket.stack)
        # CDK grants these wildcard actions with grantRead/grantReadWrite; the copy needs a subset of each.
        granted = ("s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:Abort*", "s3:DeleteObject*")
        acknowledgments = [
            *(f"Action::{action}" for action in granted),
            f"Resource::{nag_asset_bucket_objects(stack)}",
            f"Resource::{bucket_arn}/*",
        ]
        for finding in acknowledgments:
            cdk.Validations.of(self.role).acknowledge(
                cdk.Acknowledgment(
                    id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]",
                    reason="CDK's BucketDeployment grants itself read on the CDK asset bucket and read/write on "
                    "the destination bucket; it runs only during deploys, to copy the sample images.",
                )
            )
        [handler] = [child for child in stack.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")]
        acknowledge_deployment_handler(handler, self.role)
        cdk.Validations.of(handler).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-L1",
                reason="The BucketDeployment handler's runtime is set by aws-cdk-lib and not configurable; "
                "it runs only during deploys.",
            )
        )
        handler.node.default_child.add_metadata(  # type: ignore[union-attr]
            "checkov",
            {
                "skip": [
                    {"id": "CKV_AWS_173", "comment": "CDK's handler sets only AWS_CA_BUNDLE, a file path, no secret."}
                ]
            },
        )
