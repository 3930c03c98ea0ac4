"""AWS look-ups the scripts share: clients, the prefix's stacks, their outputs and resources, tags."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from mlstack.ops.sessions import new_session
from stacks import naming
from stacks.config import PREFIX_TAG_KEY, Settings

ClientFactory = Callable[[str], Any]
STACK_TAG_KEY = "aws:cloudformation:stack-name"  # CloudFormation puts it on every resource it creates


def clients_for(region: str) -> ClientFactory:
    """A function returning one cached boto3 client per service, all in `region`."""
    return cached_clients(new_session(region_name=region))


def cached_clients(session: Any, endpoint_url: str | None = None) -> ClientFactory:
    """`session`'s clients, one per service (creating a botocore client costs tens of milliseconds)."""
    cache: dict[str, Any] = {}

    def client(name: str) -> Any:
        if name not in cache:
            cache[name] = session.client(name, endpoint_url=endpoint_url)
        return cache[name]

    return client


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item under `key` of every page; a page without `key` has none (S3's ListObjectsV2 leaves Contents
    out of an empty listing)."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, ())


def tag_dict(tags: list[dict[str, str]] | dict[str, str] | None) -> dict[str, str]:
    """[{"Key": k, "Value": v}] (or a dict already) as a dict."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return tags
    return {t["Key"]: t["Value"] for t in tags}


def error_code(error: Exception) -> str:
    return error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else type(error).__name__


def all_stacks(client: ClientFactory) -> list[dict[str, Any]]:
    """Every stack of the account and region (deleted ones for about 90 days included), as DescribeStacks has them."""
    return list(paginate(client("cloudformation"), "describe_stacks", "Stacks"))


def stack_statuses(client: ClientFactory) -> dict[str, str]:
    """Stack name -> status, for every stack of the account and region."""
    return {stack["StackName"]: stack["StackStatus"] for stack in all_stacks(client)}


def prefix_stacks(client: ClientFactory, settings: Settings) -> list[dict[str, Any]]:
    """Deployed stacks of this prefix: named `<Prefix>-<Layer>` or tagged `mlstack:prefix=<prefix>`."""
    stacks = []
    for stack in all_stacks(client):
        tags = tag_dict(stack.get("Tags"))
        named = naming.is_stack_of(settings.prefix, stack["StackName"]) and PREFIX_TAG_KEY not in tags
        if (tags.get(PREFIX_TAG_KEY) == settings.prefix or named) and stack["StackStatus"] != "DELETE_COMPLETE":
            stacks.append(stack)
    return stacks


def outputs_of(stacks: list[dict[str, Any]]) -> dict[str, str]:
    """Every output of the given stacks by key (keys are unique across the app: stacks/outputs.py)."""
    return {o["OutputKey"]: o["OutputValue"] for s in stacks for o in s.get("Outputs", []) or []}


def stack_resources(client: ClientFactory, stacks: list[dict[str, Any]], resource_type: str) -> list[str]:
    """Physical ids of the stacks' resources of one CloudFormation type."""
    ids = []
    cloudformation = client("cloudformation")
    for stack in stacks:
        for summary in paginate(
            cloudformation, "list_stack_resources", "StackResourceSummaries", StackName=stack["StackId"]
        ):
            if summary["ResourceType"] == resource_type and summary.get("PhysicalResourceId"):
                ids.append(summary["PhysicalResourceId"])
    return ids
