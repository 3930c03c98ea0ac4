"""What is deployed and running under a prefix, and the daily routine: start/stop, open the notebook.

    mlstack status            stacks, notebook, GPU instance, endpoints, bot alias, $/hour
    mlstack notebook start    start the notebook instance and wait until it is in service
    mlstack notebook stop     stop it
    mlstack notebook open     print a presigned URL that opens Jupyter
    mlstack gpu start         start the GPU instance and wait until it runs
    mlstack gpu stop          stop it

Resources are found through the prefix's stacks (their resources and outputs); a notebook or instance
that is in no stack is found by the tag `mlstack:prefix=<prefix>`.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Any

from mlstack.ops import settings as ops_settings
from mlstack.ops import ui
from mlstack.ops.aws import (
    ClientFactory,
    clients_for,
    outputs_of,
    paginate,
    prefix_stacks,
    stack_resources,
    tag_dict,
)
from mlstack.ops.pricing import PriceTable
from stacks import outputs
from stacks.config import PREFIX_TAG_KEY, Settings

NOTEBOOK_URL_SECONDS = 1800  # how long the Jupyter session the presigned URL opens may last
WAIT_SECONDS = 900  # a notebook takes about 5 minutes to start; give up after 15
POLL_SECONDS = 10


def _name_from_arn(value: str) -> str:
    """CloudFormation gives some SageMaker resources' ARNs as physical ids; the APIs want names."""
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


@dataclass
class PrefixResources:
    """The prefix's stacks and the look-ups of what runs in them."""

    client: ClientFactory
    settings: Settings
    stacks: list[dict[str, Any]]

    @classmethod
    def find(cls, client: ClientFactory, settings: Settings) -> PrefixResources:
        return cls(client, settings, prefix_stacks(client, settings))

    @property
    def outputs(self) -> dict[str, str]:
        return outputs_of(self.stacks)

    def _tagged(self, arns_and_names: list[tuple[str, str]]) -> list[str]:
        sagemaker = self.client("sagemaker")
        return [
            name
            for arn, name in arns_and_names
            if tag_dict(sagemaker.list_tags(ResourceArn=arn).get("Tags")).get(PREFIX_TAG_KEY) == self.settings.prefix
        ]

    def _names(self, resource_type: str, operation: str, key: str, arn_key: str, name_key: str) -> list[str]:
        """Names of the stacks' resources of a type, else those tagged with the prefix.

        CloudFormation reports SageMaker notebooks and endpoints by ARN, and ARNs lowercase the name, so
        names are matched against the service's own listing.
        """
        listed = list(paginate(self.client("sagemaker"), operation, key))
        by_id = {item[arn_key].lower(): item[name_key] for item in listed}
        by_id.update({item[name_key].lower(): item[name_key] for item in listed})
        in_stacks = [i for i in stack_resources(self.client, self.stacks, resource_type)]
        names = [by_id.get(i.lower(), _name_from_arn(i)) for i in in_stacks]
        others = [(item[arn_key], item[name_key]) for item in listed if item[name_key] not in names]
        return names + self._tagged(others)

    def notebooks(self) -> list[str]:
        return self._names(
            "AWS::SageMaker::NotebookInstance",
            "list_notebook_instances",
            "NotebookInstances",
            "NotebookInstanceArn",
            "NotebookInstanceName",
        )

    def endpoints(self) -> list[str]:
        return self._names("AWS::SageMaker::Endpoint", "list_endpoints", "Endpoints", "EndpointArn", "EndpointName")

    def instances(self) -> list[dict[str, Any]]:
        ids = stack_resources(self.client, self.stacks, "AWS::EC2::Instance")
        ec2 = self.client("ec2")
        if ids:
            pages = ec2.get_paginator("describe_instances").paginate(InstanceIds=ids)
        else:
            filters = [{"Name": f"tag:{PREFIX_TAG_KEY}", "Values": [self.settings.prefix]}]
            pages = ec2.get_paginator("describe_instances").paginate(Filters=filters)
        found = [i for page in pages for r in page["Reservations"] for i in r["Instances"]]
        return [i for i in found if i["State"]["Name"] not in ("terminated", "shutting-down")]


def _uptime(launched: datetime.datetime, now: datetime.datetime) -> str:
    minutes = int((now - launched).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


Row = tuple[str, str, str, str, float]


def running_now(deployment: PrefixResources, prices: PriceTable, now: datetime.datetime) -> list[Row]:
    """(what, name, state, detail, $/hour) for every notebook, instance, endpoint and the bot alias."""
    rows: list[Row] = []
    sagemaker = deployment.client("sagemaker")
    for name in deployment.notebooks():
        notebook = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
        state, type_ = notebook["NotebookInstanceStatus"], notebook["InstanceType"]
        hourly = (prices.by_type("sagemaker_notebook_hour", type_) or 0.0) if state == "InService" else 0.0
        rows.append(("notebook", name, state, type_, hourly))
    for instance in deployment.instances():
        state, type_ = instance["State"]["Name"], instance["InstanceType"]
        running = state == "running"
        hourly = (prices.by_type("ec2_instance_hour", type_) or 0.0) if running else 0.0
        detail = f"{type_}, up {_uptime(instance['LaunchTime'], now)}" if running else type_
        rows.append(("GPU instance", instance["InstanceId"], state, detail, hourly))
    for name in deployment.endpoints():
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        hourly, kinds = 0.0, []
        for variant in config["ProductionVariants"]:
            if "ServerlessConfig" in variant:
                kinds.append(f"serverless {variant['ServerlessConfig']['MemorySizeInMB']} MB, billed per request")
            else:
                count = int(variant.get("InitialInstanceCount", 1))
                hourly += count * (prices.by_type("sagemaker_endpoint_hour", variant["InstanceType"]) or 0.0)
                kinds.append(f"{count} x {variant['InstanceType']}")
        rows.append(("endpoint", name, endpoint["EndpointStatus"], "; ".join(kinds), hourly))
    bot_id, alias_id = deployment.outputs.get(outputs.BOT_ID), deployment.outputs.get(outputs.BOT_ALIAS_ID)
    if bot_id and alias_id:
        alias = deployment.client("lexv2-models").describe_bot_alias(botId=bot_id, botAliasId=alias_id)
        detail = f"bot {bot_id}, version {alias.get('botVersion', '?')}; billed per request"
        rows.append(("bot alias", alias.get("botAliasName", alias_id), alias["botAliasStatus"], detail, 0.0))
    return rows


def show_status(client: ClientFactory, settings: Settings, now: datetime.datetime | None = None) -> int:
    prices = PriceTable.load()
    with ui.spinner(f"Reading {settings.prefix}'s stacks and resources..."):
        deployment = PrefixResources.find(client, settings)
        rows = running_now(deployment, prices, now or datetime.datetime.now(datetime.UTC))
    if not deployment.stacks:
        ui.console.print(f"No stacks deployed for prefix {settings.prefix}.")
    else:
        stack_rows = [
            (s["StackName"], s["StackStatus"], str(s.get("LastUpdatedTime") or s["CreationTime"])[:19])
            for s in deployment.stacks
        ]
        ui.console.print(ui.table(f"Stacks of {settings.prefix}", ["stack", "status", "updated"], stack_rows))
    if rows:
        printable = [(*row[:4], ui.money(row[4])) for row in rows]
        ui.console.print(ui.table("Running now", ["what", "name", "state", "detail", "$/hour"], printable))
    burn = sum(row[4] for row in rows)
    ui.console.print(f"Burn rate now: ${ui.money(burn)}/hour for compute (storage, keys and per-request use extra).")
    return ui.EXIT_OK


def _wait(check: Any, done: str, what: str) -> bool:
    """Poll `check()` (returns the current state) under a spinner until it returns `done` or time runs out."""
    deadline = time.monotonic() + WAIT_SECONDS
    with ui.spinner(f"Waiting for {what}...") as status:
        while True:
            state = check()
            if state == done:
                return True
            if state in ("Failed", "terminated") or time.monotonic() > deadline:
                return False
            status(f"Waiting for {what}: {state}")
            time.sleep(POLL_SECONDS)


def notebook_command(client: ClientFactory, settings: Settings, action: str, wait: bool) -> int:
    names = PrefixResources.find(client, settings).notebooks()
    if not names:
        return ui.fail(f"no notebook instance for prefix {settings.prefix}: deploy the platform layer first")
    sagemaker = client("sagemaker")
    name = names[0]

    def state() -> str:
        return sagemaker.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]

    current = state()
    if action == "open":
        if current != "InService":
            return ui.fail(f"notebook {name} is {current}: run `mlstack notebook start` first")
        url = sagemaker.create_presigned_notebook_instance_url(
            NotebookInstanceName=name, SessionExpirationDurationInSeconds=NOTEBOOK_URL_SECONDS
        )["AuthorizedUrl"]
        ui.console.print(f"Open within 5 minutes (single use):\n{url}", soft_wrap=True)
        return ui.EXIT_OK
    target, verb = ("InService", "start") if action == "start" else ("Stopped", "stop")
    if current == target:
        ui.console.print(f"notebook {name} is already {current}")
        return ui.EXIT_OK
    if action == "start":
        sagemaker.start_notebook_instance(NotebookInstanceName=name)
    else:
        sagemaker.stop_notebook_instance(NotebookInstanceName=name)
    if wait and not _wait(state, target, f"notebook {name} to {verb}"):
        return ui.fail(f"notebook {name} did not reach {target}: it is {state()}")
    ui.console.print(f"notebook {name}: {state() if wait else verb + ' requested'}")
    return ui.EXIT_OK


def gpu_command(client: ClientFactory, settings: Settings, action: str, wait: bool) -> int:
    instances = PrefixResources.find(client, settings).instances()
    if not instances:
        return ui.fail(f"no GPU instance for prefix {settings.prefix}: deploy the frameworks layer first")
    ec2 = client("ec2")
    ids = [i["InstanceId"] for i in instances]
    if action == "start":
        ec2.start_instances(InstanceIds=ids)
    else:
        ec2.stop_instances(InstanceIds=ids)
    target = "running" if action == "start" else "stopped"

    def state() -> str:
        found = ec2.describe_instances(InstanceIds=ids)["Reservations"]
        states = {i["State"]["Name"] for r in found for i in r["Instances"]}
        return target if states == {target} else ", ".join(sorted(states))

    if wait and not _wait(state, target, f"{', '.join(ids)} to be {target}"):
        return ui.fail(f"{', '.join(ids)} did not reach {target}: {state()}")
    ui.console.print(f"{', '.join(ids)}: {state() if wait else action + ' requested'}")
    return ui.EXIT_OK


def settings_and_clients(context: tuple[str, ...], prefix: str | None) -> tuple[Settings, ClientFactory]:
    """The command's settings and clients in their region."""
    settings = ops_settings.load(ops_settings.parse_overrides(context, prefix))
    return settings, clients_for(ops_settings.region_of(settings))


def status(context: tuple[str, ...], prefix: str | None) -> int:
    """`mlstack status`."""
    settings, client = settings_and_clients(context, prefix)
    return show_status(client, settings)


def start_stop(what: str, action: str, context: tuple[str, ...], prefix: str | None, *, wait: bool) -> int:
    """`mlstack gpu|notebook start|stop|open`."""
    settings, client = settings_and_clients(context, prefix)
    run = gpu_command if what == "gpu" else notebook_command
    return run(client, settings, action, wait)
