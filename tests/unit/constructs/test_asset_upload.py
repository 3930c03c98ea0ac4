"""AssetUpload: the one BucketDeployment of the app, with its own least-privilege role and log group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from stacks.constructs.asset_upload import AssetUpload


def _stack() -> tuple[cdk.Stack, s3.Bucket]:
    stack = cdk.Stack(cdk.App(), "Test", env=cdk.Environment(region="us-east-1"))
    return stack, s3.Bucket(stack, "Bucket")


def _upload(stack: cdk.Stack, bucket: s3.IBucket, folder: Path, id_: str = "Upload", **kwargs: Any) -> AssetUpload:
    return AssetUpload(stack, id_, source_dir=folder, bucket=bucket, key_prefix="things/", what="the things", **kwargs)


def test_copies_the_folder_and_the_generated_files_under_the_prefix_and_removes_them_with_the_stack(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("a")
    stack, bucket = _stack()
    _upload(stack, bucket, tmp_path, json_files={"settings.json": {"x": 1}})
    [deployment] = Template.from_stack(stack).find_resources("Custom::CDKBucketDeployment").values()
    props = deployment["Properties"]
    assert props["DestinationBucketKeyPrefix"] == "things/"
    assert props["RetainOnDelete"] is False
    assert len(props["SourceObjectKeys"]) == 2  # the folder's archive and the JSON file's


def test_the_handler_runs_with_its_own_role_logging_only_to_its_own_group(tmp_path: Path) -> None:
    stack, bucket = _stack()
    upload = _upload(stack, bucket, tmp_path, log_retention_days=30)
    template = Template.from_stack(stack)
    role_id = stack.resolve(upload.role.role_arn)["Fn::GetAtt"][0]
    log_group_id = stack.resolve(upload.log_group.log_group_arn)["Fn::GetAtt"][0]
    # No AWSLambdaBasicExecutionRole (CDK's default role for the handler): nothing managed is attached.
    assert "ManagedPolicyArns" not in template.find_resources("AWS::IAM::Role")[role_id]["Properties"]
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Role": {"Fn::GetAtt": [role_id, "Arn"]}, "LoggingConfig": {"LogGroup": {"Ref": log_group_id}}},
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
                        }
                    ]
                )
            }
        },
    )
    template.has_resource("AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 30}, "DeletionPolicy": "Delete"})


def test_a_second_upload_in_one_stack_is_refused(tmp_path: Path) -> None:
    stack, bucket = _stack()
    _upload(stack, bucket, tmp_path)
    with pytest.raises(ValueError, match="already has an AssetUpload"):
        _upload(stack, bucket, tmp_path, id_="Again")


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    stack, bucket = _stack()
    with pytest.raises(ValueError, match="is not a folder"):
        _upload(stack, bucket, tmp_path / "missing")
