"""APIs moto lacks: ListNotebookInstanceLifecycleConfigs sees what exists, and nothing once it is deleted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_lifecycle_configs_are_listed_until_deleted(aws: Callable[[str], Any]) -> None:
    sagemaker = aws("sagemaker")
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="idle-stop", OnStart=[{"Content": "ZWNobyBoaQ=="}]
    )
    listed = sagemaker.list_notebook_instance_lifecycle_configs()["NotebookInstanceLifecycleConfigs"]
    assert [c["NotebookInstanceLifecycleConfigName"] for c in listed] == ["idle-stop"]
    assert listed[0]["NotebookInstanceLifecycleConfigArn"].endswith(":notebook-instance-lifecycle-config/idle-stop")
    sagemaker.delete_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="idle-stop")
    assert sagemaker.list_notebook_instance_lifecycle_configs()["NotebookInstanceLifecycleConfigs"] == []
