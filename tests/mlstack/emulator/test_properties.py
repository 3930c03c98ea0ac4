"""Property fixes: what moto drops from a template's notebook is applied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import (
    delete,
    deploy,
    outputs_of,
    template,
)


def test_notebook_keeps_lifecycle_config_kms_key_and_root_access(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Config": {
                    "Type": "AWS::SageMaker::NotebookInstanceLifecycleConfig",
                    "Properties": {"OnStart": [{"Content": "ZWNobyBoaQ=="}]},
                },
                "Notebook": {
                    "Type": "AWS::SageMaker::NotebookInstance",
                    "Properties": {
                        "InstanceType": "ml.t3.medium",
                        "RoleArn": "arn:aws:iam::123456789012:role/notebook",
                        "LifecycleConfigName": {"Fn::GetAtt": ["Config", "NotebookInstanceLifecycleConfigName"]},
                        "KmsKeyId": "key-123",
                        "RootAccess": "Disabled",
                        "DirectInternetAccess": "Enabled",
                    },
                },
            },
            {
                "Notebook": {"Fn::GetAtt": ["Notebook", "NotebookInstanceName"]},
                "Config": {"Fn::GetAtt": ["Config", "NotebookInstanceLifecycleConfigName"]},
            },
        ),
    )
    out = outputs_of(stack)
    described = aws("sagemaker").describe_notebook_instance(NotebookInstanceName=out["Notebook"])
    assert described["NotebookInstanceLifecycleConfigName"] == out["Config"]
    assert described["KmsKeyId"] == "key-123"
    assert described["RootAccess"] == "Disabled"
    listed = aws("sagemaker").list_notebook_instance_lifecycle_configs()["NotebookInstanceLifecycleConfigs"]
    assert out["Config"] in [c["NotebookInstanceLifecycleConfigName"] for c in listed]
    delete(aws, stack)
    listed = aws("sagemaker").list_notebook_instance_lifecycle_configs()["NotebookInstanceLifecycleConfigs"]
    assert out["Config"] not in [c["NotebookInstanceLifecycleConfigName"] for c in listed]
