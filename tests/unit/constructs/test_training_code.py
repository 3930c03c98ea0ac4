"""TrainingCode in a bare stack: training/ copied under training/scripts/ of the bucket without caches or dotfiles,
removed with the stack, its handler logging to a group of its own (encrypted with a key when one is given)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks.constructs.training_code import TRAINING_CODE_PREFIX, TRAINING_DIR, TrainingCode
from tests.unit.constructs.conftest import bare_stack


def _code(log_key: bool = False) -> tuple[TrainingCode, cdk.Stack, s3.Bucket]:
    stack = bare_stack()
    bucket = s3.Bucket(stack, "Data")
    code = TrainingCode(stack, "TrainingCode", bucket=bucket, log_key=kms.Key(stack, "Key") if log_key else None)
    return code, stack, bucket


def test_training_is_copied_under_training_scripts_of_the_bucket_and_removed_with_the_stack() -> None:
    code, stack, bucket = _code()
    assert code.key_prefix == TRAINING_CODE_PREFIX == "training/scripts/"
    [deployment] = Template.from_stack(stack).find_resources("Custom::CDKBucketDeployment").values()
    assert deployment["Properties"]["DestinationBucketKeyPrefix"] == "training/scripts/"
    assert deployment["Properties"]["DestinationBucketName"] == {"Ref": stack.get_logical_id(bucket.node.default_child)}  # type: ignore[arg-type]
    assert deployment["Properties"]["RetainOnDelete"] is False


def test_the_copy_holds_the_scripts_but_no_caches_or_dotfiles(tmp_path: Path) -> None:
    stack = cdk.Stack(cdk.App(outdir=str(tmp_path)), "Test", env=cdk.Environment(region="us-east-1"))
    TrainingCode(stack, "TrainingCode", bucket=s3.Bucket(stack, "Data"), log_key=None)
    assembly = stack.node.root.synth()  # type: ignore[attr-defined]
    # The other staged assets are CDK's own handler code.
    [staged] = [path for path in Path(assembly.directory).glob("asset.*") if (path / "sentiment").is_dir()]
    copied = {path.relative_to(staged).as_posix() for path in staged.rglob("*") if path.is_file()}
    assert "sentiment/train.py" in copied
    assert copied == {
        path.relative_to(TRAINING_DIR).as_posix()
        for path in TRAINING_DIR.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and not any(part.startswith(".") for part in path.relative_to(TRAINING_DIR).parts)
    }


def test_its_handler_logs_to_its_own_group_that_destroy_removes() -> None:
    code, stack, _ = _code()
    template = Template.from_stack(stack)
    log_group_id = stack.get_logical_id(code.log_group.node.default_child)  # type: ignore[arg-type]
    log_group = template.to_json()["Resources"][log_group_id]
    assert log_group["DeletionPolicy"] == "Delete"
    assert "KmsKeyId" not in log_group["Properties"]
    [handler] = [
        f
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("LoggingConfig") == {"LogGroup": {"Ref": log_group_id}}
    ]
    assert handler["Properties"]["Role"]["Fn::GetAtt"][0] == stack.get_logical_id(code.role.node.default_child)  # type: ignore[arg-type]


def test_a_log_key_encrypts_the_handlers_log_group() -> None:
    code, stack, _ = _code(log_key=True)
    log_group = Template.from_stack(stack).to_json()["Resources"][
        stack.get_logical_id(code.log_group.node.default_child)
    ]  # type: ignore[arg-type]
    key_id = stack.get_logical_id(stack.node.find_child("Key").node.default_child)  # type: ignore[arg-type]
    assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
