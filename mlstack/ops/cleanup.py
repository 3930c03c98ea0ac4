"""`mlstack cleanup`: what was created outside CloudFormation under this prefix, listed (default) or deleted.

Finds SageMaker endpoints, endpoint configs and models, in-progress training jobs (stopped, not deleted)
and detached network interfaces that carry the tag `mlstack:prefix=<prefix>`, plus the log groups that
Lambda and SageMaker created for the prefix's functions, endpoints and notebooks once those are gone.
Never touches a resource without the tag, with another prefix, or owned by a CloudFormation stack
(tag `aws:cloudformation:stack-name`): `cdk destroy` removes those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from mlstack.ops import inventory
from mlstack.ops import settings as ops_settings
from mlstack.ops.aws import STACK_TAG_KEY, ClientFactory, clients_for, error_code
from stacks import naming
from stacks.config import PREFIX_TAG_KEY, Settings


@dataclass(frozen=True)
class Leftover:
    """A resource to remove: `kind` says how (see `remove`), `name` identifies it to the service."""

    kind: str
    name: str
    action: str
    reason: str


def _belongs(tags: dict[str, str], prefix: str) -> bool:
    """Tagged with this prefix and not created by a CloudFormation stack."""
    return tags.get(PREFIX_TAG_KEY) == prefix and STACK_TAG_KEY not in tags


def _sagemaker_leftovers(client: ClientFactory, prefix: str) -> list[Leftover]:
    reason = f"tag {PREFIX_TAG_KEY}={prefix}, not in a stack"
    found: list[Leftover] = []
    # Endpoints before their configs before their models: the order deletion needs.
    for kind in ("endpoint", "endpoint-config", "model"):
        for resource in inventory.resources(client, kind):
            if _belongs(inventory.tags_of(client, resource), prefix):
                why = f"{resource.state}; {reason}" if kind == "endpoint" else reason
                found.append(Leftover(kind, resource.id, "delete", why))
    for job in inventory.resources(client, "training-job"):
        if job.state == "InProgress" and _belongs(inventory.tags_of(client, job), prefix):
            found.append(Leftover("training-job", job.id, "stop", f"in progress; {reason}"))
    return found


def _network_interface_leftovers(client: ClientFactory, prefix: str) -> list[Leftover]:
    return [
        Leftover("network-interface", eni.id, "delete", "detached; tagged")
        for eni in inventory.resources(client, "network-interface")
        if eni.state == "available" and _belongs(inventory.tags_of(client, eni), prefix)
    ]


def _owner_exists(client: ClientFactory, log_group: str) -> bool:
    """Whether the function, endpoint or notebook that writes to this log group still exists."""
    kind, _, name = log_group.removeprefix("/aws/").partition("/")
    try:
        if kind == "lambda":
            client("lambda").get_function(FunctionName=name)
        elif log_group.startswith("/aws/sagemaker/Endpoints/"):
            client("sagemaker").describe_endpoint(EndpointName=name.removeprefix("Endpoints/"))
        elif log_group.startswith("/aws/sagemaker/NotebookInstances/"):
            client("sagemaker").describe_notebook_instance(NotebookInstanceName=name.removeprefix("NotebookInstances/"))
    except ClientError as error:
        if error_code(error) in ("ResourceNotFoundException", "ValidationException"):
            return False
        raise
    return True


def _log_group_leftovers(client: ClientFactory, settings: Settings, deleting: set[str]) -> list[Leftover]:
    # The services name these after the function, endpoint or notebook; the app's functions are named
    # after their stack (`Mlstack-ApiServices-...`), what users create after the prefix (`mlstack-...`).
    prefixes = (
        *(f"/aws/lambda/{stack}-" for stack in naming.stack_names(settings.prefix)),
        f"/aws/lambda/{settings.prefix}-",
        f"/aws/sagemaker/Endpoints/{settings.prefix}-",
        f"/aws/sagemaker/NotebookInstances/{settings.prefix}-",
    )
    found = []
    for group in sorted(inventory.resources(client, "log-group"), key=lambda group: group.id):
        name = group.id
        if not name.startswith(prefixes):
            continue
        tags = inventory.tags_of(client, group)
        if STACK_TAG_KEY in tags or tags.get(PREFIX_TAG_KEY, settings.prefix) != settings.prefix:
            continue
        endpoint = name.removeprefix("/aws/sagemaker/Endpoints/")
        if endpoint in deleting or not _owner_exists(client, name):
            found.append(Leftover("log-group", name, "delete", "its function, endpoint or notebook is gone"))
    return found


def find_leftovers(client: ClientFactory, settings: Settings) -> list[Leftover]:
    """Everything cleanup would act on, in the order it acts."""
    found = _sagemaker_leftovers(client, settings.prefix)
    found += _network_interface_leftovers(client, settings.prefix)
    deleting = {item.name for item in found if item.kind == "endpoint"}
    found += _log_group_leftovers(client, settings, deleting)
    return found


def remove(client: ClientFactory, item: Leftover) -> None:
    if item.kind == "endpoint":
        client("sagemaker").delete_endpoint(EndpointName=item.name)
    elif item.kind == "endpoint-config":
        client("sagemaker").delete_endpoint_config(EndpointConfigName=item.name)
    elif item.kind == "model":
        client("sagemaker").delete_model(ModelName=item.name)
    elif item.kind == "training-job":
        client("sagemaker").stop_training_job(TrainingJobName=item.name)
    elif item.kind == "network-interface":
        client("ec2").delete_network_interface(NetworkInterfaceId=item.name)
    elif item.kind == "log-group":
        client("logs").delete_log_group(logGroupName=item.name)
    else:
        raise ValueError(f"unknown leftover kind {item.kind!r}")


@dataclass(frozen=True)
class Cleanup:
    """What `mlstack cleanup` found for the prefix in its region, and the clients to remove it with."""

    settings: Settings
    region: str
    client: ClientFactory
    found: list[Leftover]

    @classmethod
    def find(cls, context: tuple[str, ...], prefix: str | None) -> Cleanup:
        settings = ops_settings.load(ops_settings.parse_overrides(context, prefix))
        region = ops_settings.region_of(settings)
        client = clients_for(region)
        return cls(settings, region, client, find_leftovers(client, settings))

    def remove_all(self, progress: Callable[[str], None]) -> list[str]:
        """Remove (or stop) everything found, in order; a line for each one AWS refused."""
        failures = []
        for n, item in enumerate(self.found, start=1):
            progress(f"[{n}/{len(self.found)}] {item.action} {item.kind} {item.name}")
            try:
                remove(self.client, item)
            except ClientError as error:
                failures.append(f"could not {item.action} {item.kind} {item.name}: {error}")
        return failures
