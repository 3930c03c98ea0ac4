"""Copies the sample notebooks from notebooks/ (and a settings file they read) into the data bucket."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import acknowledge_deployment_handler, nag_asset_bucket_objects, nag_resource

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
# The samples read their bucket, workgroup, endpoint and tag from this file next to them.
SETTINGS_FILE = "mlstack.json"


class SampleNotebooks(Construct):
    """A BucketDeployment of notebooks/ under `key_prefix` in the bucket. Exposes `deployment`, `notebook_settings`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket: s3.IBucket,
        key_prefix: str,
        notebook_settings: Mapping[str, Any],
        log_key: kms.IKey,
    ) -> None:
        super().__init__(scope, id_)
        self.notebook_settings = dict(notebook_settings)
        # The deployment's Lambda would otherwise create /aws/lambda/<name>, which outlives the stack.
        log_group = destroyable_log_group(self, "Logs", retention_days=7, encryption_key=log_key)
        self.deployment = s3_deployment.BucketDeployment(
            self,
            "Deployment",
            destination_bucket=bucket,
            destination_key_prefix=key_prefix,
            sources=[
                s3_deployment.Source.asset(str(NOTEBOOKS_DIR), exclude=[".ipynb_checkpoints"]),
                s3_deployment.Source.json_data(SETTINGS_FILE, self.notebook_settings),
            ],
            # Deleting the stack removes the samples it put there (the bucket itself may be retained).
            retain_on_delete=False,
            log_group=log_group,
        )
        stack = cdk.Stack.of(self)
        # The handler is CDK's own singleton function for BucketDeployment; its role and runtime are set by CDK.
        handler_role = self.deployment.handler_role
        handler = handler_role.node.scope
        assert handler is not None  # the role's parent is the handler function
        acknowledge_deployment_handler(handler, handler_role)
        objects = nag_resource(stack, bucket.arn_for_objects("*"), cdk.Stack.of(bucket))
        acknowledgements = {
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": (
                "CDK's BucketDeployment handler role; the managed policy only writes the function's logs."
            ),
            f"IAM5[Resource::{objects}]": "The deployment syncs the samples under their prefix; CDK scopes "
            "its grant to the destination bucket.",
            f"IAM5[Resource::{nag_asset_bucket_objects(stack)}]": (
                "CDK's bootstrap asset bucket, read to fetch the samples archive."
            ),
            **{
                f"IAM5[Action::{action}]": "CDK's bucket grants for the deployment handler (read assets, sync "
                "destination)."
                for action in ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*")
            },
        }
        for finding, reason in acknowledgements.items():
            cdk.Validations.of(handler_role).acknowledge(
                cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-{finding}", reason=reason)
            )
        handler.node.default_child.add_metadata(  # type: ignore[union-attr]
            "checkov",
            {
                "skip": [
                    {
                        "id": "CKV_AWS_173",
                        "comment": "CDK's BucketDeployment handler; its environment holds no secrets.",
                    }
                ]
            },
        )
        cdk.Validations.of(handler).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-L1",
                reason="CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib and moves with it.",
            )
        )
