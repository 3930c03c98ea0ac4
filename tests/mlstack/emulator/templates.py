"""Hand-written templates for the emulator tests, and deploying them the way the CDK CLI does (change sets)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

REGION = "us-east-1"
# The custom resources' Lambda: the emulator implements them itself, so it is never invoked.
SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider-never-invoked"
TLS_ONLY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


def template(resources: dict[str, Any], outputs: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"Resources": resources, "Outputs": {k: {"Value": v} for k, v in (outputs or {}).items()}, **extra}


def deploy(aws: Callable[[str], Any], template: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """Create a stack the way the CDK CLI does (change set, then execute); returns describe_stacks' entry."""
    cloudformation = aws("cloudformation")
    name = name or f"test-{uuid.uuid4().hex[:8]}"
    cloudformation.create_change_set(
        StackName=name,
        ChangeSetName="deploy",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    cloudformation.execute_change_set(StackName=name, ChangeSetName="deploy")
    return cloudformation.describe_stacks(StackName=name)["Stacks"][0]


def delete(aws: Callable[[str], Any], stack: dict[str, Any]) -> None:
    aws("cloudformation").delete_stack(StackName=stack["StackName"])


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


# A role Lambda functions in hand-written templates can assume, and such a function (`Role` is this role).
LAMBDA_ROLE: dict[str, Any] = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    },
}


def lambda_function(**properties: Any) -> dict[str, Any]:
    """An inline Python function using the template's `Role` resource, with extra `properties`."""
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"},
            **properties,
        },
    }


def bucket_stack(with_auto_delete: bool) -> dict[str, Any]:
    """A versioned bucket, emptied on delete by CDK's auto-delete custom resource or not."""
    resources: dict[str, Any] = {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}}
    }
    if with_auto_delete:
        resources["AutoDelete"] = {
            "Type": "Custom::S3AutoDeleteObjects",
            "Properties": {"ServiceToken": SERVICE_TOKEN, "BucketName": {"Ref": "Bucket"}},
        }
    return template(resources, {"Bucket": {"Ref": "Bucket"}})
