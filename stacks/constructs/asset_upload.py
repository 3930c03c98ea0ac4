"""Copies a local folder (and optionally generated JSON files) under a key prefix of a bucket on every deploy.

The one place the app uses CDK's BucketDeployment: the bot's sample images, the sample notebooks and the
training scripts all go through `AssetUpload`, so they share its role, log group and nag acknowledgements.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct, IConstruct

from stacks.constructs.log_groups import HANDLER_LOG_RETENTION_DAYS, destroyable_log_group
from stacks.constructs.nag import acknowledge_bucket_deployment

# CDK names the stack-level function behind every BucketDeployment of a stack with this prefix.
_HANDLER_ID_PREFIX = "Custom::CDKBucketDeployment"


def _deployment_handler(stack: cdk.Stack) -> IConstruct | None:
    """CDK's BucketDeployment function in `stack` (a singleton per stack), or None before the first deployment."""
    handlers = [child for child in stack.node.children if child.node.id.startswith(_HANDLER_ID_PREFIX)]
    return handlers[0] if handlers else None


class AssetUpload(Construct):
    """Syncs `source_dir` (minus `exclude`) and `json_files` (name -> content) to `key_prefix` in `bucket`.

    The copy runs in CDK's deploy-time Lambda, with a role of its own (CDK's default attaches the
    AWSLambdaBasicExecutionRole managed policy) and a log group the stack deletes. Deleting the stack removes
    what it uploaded, even when the bucket is retained. `what` names the content in descriptions and nag reasons.
    Exposes `deployment`, `key_prefix`, `role` and `log_group`; `add_folder` copies one more folder elsewhere.

    CDK runs every BucketDeployment of a stack in one function, with the role and log group of the first, so a
    stack holds at most one AssetUpload, and further folders go through its `add_folder`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        source_dir: Path,
        bucket: s3.IBucket,
        key_prefix: str,
        what: str,
        exclude: Sequence[str] = (),
        json_files: Mapping[str, Any] | None = None,
        log_retention_days: int = HANDLER_LOG_RETENTION_DAYS,
        log_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        if _deployment_handler(stack) is not None:
            raise ValueError(
                f"{self.node.path}: {stack.stack_name} already has an AssetUpload; CDK runs one BucketDeployment "
                "function per stack with the first one's role and logs, so put both folders in that one"
            )
        if not source_dir.is_dir():
            raise ValueError(f"{self.node.path}: source_dir {source_dir} is not a folder")
        self.key_prefix = key_prefix
        self._bucket = bucket
        # The deployment's Lambda would otherwise create /aws/lambda/<name>, which outlives the stack.
        self.log_group = destroyable_log_group(self, "Logs", retention_days=log_retention_days, encryption_key=log_key)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Copies {what} into {key_prefix} of the bucket on deploy",
        )
        self.log_group.grant_write(self.role)
        self.deployment = s3_deployment.BucketDeployment(
            self,
            "Deployment",
            destination_bucket=bucket,
            destination_key_prefix=key_prefix,
            sources=[
                s3_deployment.Source.asset(str(source_dir), exclude=list(exclude) or None),
                # Serialized here, not by Source.json_data: jsii passes Python's None as undefined, so json_data
                # drops every key whose value is None. Tokens stay strings in the text and resolve at deploy.
                *(
                    s3_deployment.Source.data(name, json.dumps(content, indent=2))
                    for name, content in (json_files or {}).items()
                ),
            ],
            # Deleting the stack removes what it put there (the bucket itself may be retained).
            retain_on_delete=False,
            log_group=self.log_group,
            role=self.role,
        )
        handler = _deployment_handler(stack)
        assert handler is not None  # the BucketDeployment above created it
        acknowledge_bucket_deployment(self.deployment, handler, bucket, what=what)

    def add_folder(
        self, id_: str, *, source_dir: Path, key_prefix: str, what: str, exclude: Sequence[str] = ()
    ) -> s3_deployment.BucketDeployment:
        """Also sync `source_dir` to `key_prefix` of the same bucket, with this upload's role and logs."""
        if not source_dir.is_dir():
            raise ValueError(f"{self.node.path}: source_dir {source_dir} is not a folder")
        deployment = s3_deployment.BucketDeployment(
            self,
            id_,
            destination_bucket=self._bucket,
            destination_key_prefix=key_prefix,
            sources=[s3_deployment.Source.asset(str(source_dir), exclude=list(exclude) or None)],
            retain_on_delete=False,
            log_group=self.log_group,
            role=self.role,
        )
        handler = _deployment_handler(cdk.Stack.of(self))
        assert handler is not None  # created by the first deployment
        acknowledge_bucket_deployment(deployment, handler, self._bucket, what=what)
        return deployment
