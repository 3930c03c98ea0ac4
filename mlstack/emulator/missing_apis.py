"""API calls moto lacks that `mlstack local`'s leftovers check needs (ListNotebookInstanceLifecycleConfigs)."""

from __future__ import annotations

from typing import Any


def install_lifecycle_config_listing() -> None:
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    assert not hasattr(SageMakerResponse, "list_notebook_instance_lifecycle_configs"), "moto lists them now"

    # moto 5.2.5 lacks ListNotebookInstanceLifecycleConfigs, so the leftovers check could not see a
    # lifecycle config a destroy left behind. Names and ARNs only (no filters or paging: a sandbox has few).
    def list_notebook_instance_lifecycle_configs(self: Any) -> Any:
        configs = self.sagemaker_backend.notebook_instance_lifecycle_configurations.values()
        return ActionResult(
            {
                "NotebookInstanceLifecycleConfigs": [
                    {
                        "NotebookInstanceLifecycleConfigName": config.notebook_instance_lifecycle_config_name,
                        "NotebookInstanceLifecycleConfigArn": config.arn,
                        "CreationTime": config.creation_time,
                        "LastModifiedTime": config.last_modified_time,
                    }
                    for config in configs
                ]
            }
        )

    SageMakerResponse.list_notebook_instance_lifecycle_configs = list_notebook_instance_lifecycle_configs  # type: ignore[attr-defined]
