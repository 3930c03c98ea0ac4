"""The resources of the kinds the app (and its users) create in an account, listed by kind.

`mlstack local` lists APP_KINDS before the deploy and after the destroy (anything new is a leftover);
`mlstack cleanup` lists SageMaker endpoints, endpoint configs, models and training jobs, network
interfaces and log groups, and keeps what carries the prefix's tag and no stack's. Both hand in
a ClientFactory: the emulator's clients, or an account's. What every account has without the app (the
default VPC and its subnets and security groups, AWS-managed KMS keys, public `/aws/` parameters,
terminated instances, deleted endpoints) is not listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mlstack.ops.aws import ClientFactory, tag_dict


@dataclass(frozen=True)
class Resource:
    """One resource: `id` is what its service knows it by; `state` its status where the listing says it;
    `tags` where the listing returns them (else `tags_of` asks)."""

    kind: str
    id: str
    arn: str = ""
    state: str = ""
    tags: dict[str, str] | None = None

    @property
    def key(self) -> str:
        """`kind:id`, as the leftovers report prints it."""
        return f"{self.kind}:{self.id}"


Lister = Callable[[ClientFactory], Iterator[Resource]]


def _items(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a list/describe call, page by page where the API pages."""
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key, [])
    else:
        yield from getattr(client, operation)(**kwargs).get(key, [])


@dataclass(frozen=True)
class Listing:
    """A kind whose list call names each resource, and maybe its ARN and state, under fixed keys."""

    service: str
    operation: str
    key: str
    id_key: str
    arn_key: str = ""
    state_key: str = ""

    def lister(self, kind: str) -> Lister:
        def each(client: ClientFactory) -> Iterator[Resource]:
            for item in _items(client(self.service), self.operation, self.key):
                yield Resource(kind, item[self.id_key], item.get(self.arn_key, ""), str(item.get(self.state_key, "")))

        return each


def _local_policies(client: ClientFactory) -> Iterator[Resource]:
    for item in _items(client("iam"), "list_policies", "Policies", Scope="Local"):
        yield Resource("policy", item["PolicyName"], item["Arn"])


def _vpcs(client: ClientFactory) -> Iterator[Resource]:
    for vpc in _items(client("ec2"), "describe_vpcs", "Vpcs"):
        if not vpc.get("IsDefault"):
            yield Resource("vpc", vpc["VpcId"], tags=tag_dict(vpc.get("Tags")))


def _subnets(client: ClientFactory) -> Iterator[Resource]:
    for subnet in _items(client("ec2"), "describe_subnets", "Subnets"):
        if not subnet.get("DefaultForAz"):
            yield Resource("subnet", subnet["SubnetId"], subnet.get("SubnetArn", ""), tags=tag_dict(subnet.get("Tags")))


def _security_groups(client: ClientFactory) -> Iterator[Resource]:
    for group in _items(client("ec2"), "describe_security_groups", "SecurityGroups"):
        if group["GroupName"] != "default":  # every VPC's own, deleted with it
            yield Resource("security-group", group["GroupId"], tags=tag_dict(group.get("Tags")))


def _vpc_endpoints(client: ClientFactory) -> Iterator[Resource]:
    for endpoint in _items(client("ec2"), "describe_vpc_endpoints", "VpcEndpoints"):
        if endpoint["State"].lower() != "deleted":
            yield Resource("vpc-endpoint", endpoint["VpcEndpointId"], state=endpoint["State"])


def _instances(client: ClientFactory) -> Iterator[Resource]:
    for reservation in _items(client("ec2"), "describe_instances", "Reservations"):
        for instance in reservation["Instances"]:
            state = instance["State"]["Name"]
            if state != "terminated":
                yield Resource("instance", instance["InstanceId"], state=state, tags=tag_dict(instance.get("Tags")))


def _network_interfaces(client: ClientFactory) -> Iterator[Resource]:
    for eni in _items(client("ec2"), "describe_network_interfaces", "NetworkInterfaces"):
        yield Resource(
            "network-interface", eni["NetworkInterfaceId"], state=eni["Status"], tags=tag_dict(eni.get("TagSet"))
        )


def _tables(client: ClientFactory) -> Iterator[Resource]:
    for name in _items(client("dynamodb"), "list_tables", "TableNames"):
        yield Resource("table", str(name))


def _kms_keys(client: ClientFactory) -> Iterator[Resource]:
    kms = client("kms")
    # Services create their default keys (alias/aws/ebs, alias/aws/dynamodb, ...) on first use, and every
    # account keeps them: they are not the app's, whatever moto reports as their manager.
    aws_managed = {
        alias["TargetKeyId"]
        for alias in _items(kms, "list_aliases", "Aliases")
        if alias["AliasName"].startswith("alias/aws/") and "TargetKeyId" in alias
    }
    for key in _items(kms, "list_keys", "Keys"):
        if key["KeyId"] in aws_managed:
            continue
        state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
        if state != "PendingDeletion":
            yield Resource("kms-key", key["KeyId"], key.get("KeyArn", ""), state)


# EMR Serverless lists a deleted application as TERMINATED for a while: only the others exist.
_LIVE_APPLICATION_STATES = ["CREATING", "CREATED", "STARTING", "STARTED", "STOPPING", "STOPPED"]


def _spark_applications(client: ClientFactory) -> Iterator[Resource]:
    emr = client("emr-serverless")
    for item in _items(emr, "list_applications", "applications", states=_LIVE_APPLICATION_STATES):
        yield Resource("spark-application", item["id"], item.get("arn", ""), item.get("state", ""))


def _budgets(client: ClientFactory) -> Iterator[Resource]:
    account = client("sts").get_caller_identity()["Account"]
    for budget in _items(client("budgets"), "describe_budgets", "Budgets", AccountId=account):
        yield Resource("budget", budget["BudgetName"])


def _parameters(client: ClientFactory) -> Iterator[Resource]:
    for parameter in _items(client("ssm"), "describe_parameters", "Parameters"):
        # Public parameters (/aws/service/...) belong to AWS, not the account: the emulator seeds them on use.
        if not parameter["Name"].startswith("/aws/"):
            yield Resource("parameter", parameter["Name"])


LISTINGS = {
    "stack": Listing("cloudformation", "describe_stacks", "Stacks", "StackName", "StackId", "StackStatus"),
    "bucket": Listing("s3", "list_buckets", "Buckets", "Name"),
    "role": Listing("iam", "list_roles", "Roles", "RoleName", "Arn"),
    "instance-profile": Listing("iam", "list_instance_profiles", "InstanceProfiles", "InstanceProfileName", "Arn"),
    "internet-gateway": Listing("ec2", "describe_internet_gateways", "InternetGateways", "InternetGatewayId"),
    "route-table": Listing("ec2", "describe_route_tables", "RouteTables", "RouteTableId"),
    "flow-log": Listing("ec2", "describe_flow_logs", "FlowLogs", "FlowLogId"),
    "launch-template": Listing("ec2", "describe_launch_templates", "LaunchTemplates", "LaunchTemplateName"),
    "notebook": Listing(
        "sagemaker",
        "list_notebook_instances",
        "NotebookInstances",
        "NotebookInstanceName",
        "NotebookInstanceArn",
        "NotebookInstanceStatus",
    ),
    "lifecycle-config": Listing(
        "sagemaker",
        "list_notebook_instance_lifecycle_configs",
        "NotebookInstanceLifecycleConfigs",
        "NotebookInstanceLifecycleConfigName",
        "NotebookInstanceLifecycleConfigArn",
    ),
    "model": Listing("sagemaker", "list_models", "Models", "ModelName", "ModelArn"),
    "endpoint-config": Listing(
        "sagemaker", "list_endpoint_configs", "EndpointConfigs", "EndpointConfigName", "EndpointConfigArn"
    ),
    "endpoint": Listing("sagemaker", "list_endpoints", "Endpoints", "EndpointName", "EndpointArn", "EndpointStatus"),
    "training-job": Listing(
        "sagemaker",
        "list_training_jobs",
        "TrainingJobSummaries",
        "TrainingJobName",
        "TrainingJobArn",
        "TrainingJobStatus",
    ),
    "function": Listing("lambda", "list_functions", "Functions", "FunctionName", "FunctionArn"),
    "log-group": Listing("logs", "describe_log_groups", "logGroups", "logGroupName", "arn"),
    "glue-database": Listing("glue", "get_databases", "DatabaseList", "Name"),
    "workgroup": Listing("athena", "list_work_groups", "WorkGroups", "Name", state_key="State"),
    "alarm": Listing("cloudwatch", "describe_alarms", "MetricAlarms", "AlarmName", "AlarmArn", "StateValue"),
}
# Every kind, by the name the leftovers report and `mlstack cleanup` print.
LISTERS: dict[str, Lister] = {
    **{kind: listing.lister(kind) for kind, listing in LISTINGS.items()},
    "policy": _local_policies,
    "vpc": _vpcs,
    "subnet": _subnets,
    "security-group": _security_groups,
    "vpc-endpoint": _vpc_endpoints,
    "instance": _instances,
    "network-interface": _network_interfaces,
    "table": _tables,
    "kms-key": _kms_keys,
    "budget": _budgets,
    "spark-application": _spark_applications,
    "parameter": _parameters,
}
# What the app's stacks create: a destroy must leave none of them. (Training jobs and ENIs are not the
# stacks': SageMaker keeps every job's record, and no stack of the app makes a detached interface.)
APP_KINDS = tuple(kind for kind in LISTERS if kind not in ("training-job", "network-interface"))


def resources(client: ClientFactory, kind: str) -> list[Resource]:
    """Every resource of one kind (a key of LISTERS)."""
    return list(LISTERS[kind](client))


def snapshot(
    client: ClientFactory, *, unlistable: set[str] | None = None, kinds: tuple[str, ...] = APP_KINDS
) -> set[str]:
    """Every resource of `kinds` as `kind:id`; the difference before/after a destroy is a leftover.

    Kinds the endpoint cannot list (an API moto lacks) are added to `unlistable` and left out.
    """
    clients: dict[str, Any] = {}

    def cached(service: str) -> Any:  # one client a service for the whole snapshot: making one takes a while
        if service not in clients:
            clients[service] = client(service)
        return clients[service]

    found: set[str] = set()
    for kind in kinds:
        try:
            found.update(resource.key for resource in LISTERS[kind](cached))
        except Exception:
            if unlistable is not None:
                unlistable.add(kind)
    return found


def tags_of(client: ClientFactory, resource: Resource) -> dict[str, str]:
    """The resource's tags: from its listing, or asked of its service (SageMaker resources, log groups)."""
    if resource.tags is not None:
        return resource.tags
    if resource.kind == "log-group":
        return dict(client("logs").list_tags_log_group(logGroupName=resource.id).get("tags", {}))
    if resource.arn and resource.arn.split(":")[2] == "sagemaker":
        return tag_dict(client("sagemaker").list_tags(ResourceArn=resource.arn).get("Tags", []))
    raise ValueError(f"{resource.key}: no tag look-up for this kind")
