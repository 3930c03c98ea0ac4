"""EMR Serverless CloudFormation resource: moto has the EMR Serverless API but no CloudFormation model for it."""

from __future__ import annotations

from typing import Any

from mlstack.emulator.resources.base import EmulatedResource


class EmrServerlessApplication(EmulatedResource):
    """AWS::EMRServerless::Application in moto's EMR Serverless backend. Ref is the application id.

    moto keeps the application's release, type, capacities and auto-start/stop settings (what `mlstack local`
    checks); it ignores architecture and monitoring. moto's applications never end: a deleted one stays listed
    as TERMINATED, as the service shows it for a while too.
    """

    CFN_TYPE = "AWS::EMRServerless::Application"
    ATTRIBUTES = ("Arn", "ApplicationId")

    def _backend(self) -> Any:
        from moto.emrserverless.models import emrserverless_backends

        return emrserverless_backends[self.account_id][self.region]

    def create(self) -> None:
        props = self.properties
        tags = {tag["Key"]: tag["Value"] for tag in props.get("Tags", [])}
        application = self._backend().create_application(
            name=props.get("Name", self.logical_id),
            release_label=props["ReleaseLabel"],
            application_type=props["Type"],
            client_token=self.logical_id,
            initial_capacity=_lower_keys(props.get("InitialCapacity")),
            maximum_capacity=_lower_keys(props.get("MaximumCapacity")),
            tags=tags,
            auto_start_configuration=_lower_keys(props.get("AutoStartConfiguration")),
            auto_stop_configuration=_lower_keys(props.get("AutoStopConfiguration")),
            network_configuration=_lower_keys(props.get("NetworkConfiguration")),
        )
        # Without pre-initialized capacity the service leaves a new application CREATED until a job arrives.
        application.state = "CREATED"
        self.name = application.id
        self.attributes = {"Arn": application.arn, "ApplicationId": application.id}

    def delete(self, account_id: str, region_name: str) -> None:
        backend = self._backend()
        application = backend.applications.get(self.name)
        if application is None:
            return
        backend.stop_application(self.name)  # the service deletes only a CREATED or STOPPED application
        backend.delete_application(self.name)


def _lower_keys(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the API's camelCase (`IdleTimeoutMinutes` -> `idleTimeoutMinutes`)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value
