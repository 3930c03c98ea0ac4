"""Cost of a synthesized app from the price table in mlstack/ops/prices.json: $/hour running, $/day idle.

"Running" is every compute resource started (notebook in service, GPU instance running, a serverless
endpoint busy all hour); "idle" is all of them stopped, leaving what bills regardless (volumes, keys,
NAT gateways, interface endpoints, alarms, instance-backed endpoints, storage).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlstack.ops.templates import StackTemplate

PRICES_FILE = Path(__file__).resolve().parent / "prices.json"


@dataclass(frozen=True)
class LineItem:
    """The cost of one resource. `priced` is False for a type the table does not know."""

    stack: str
    resource: str
    type: str
    running_hourly: float
    idle_daily: float
    note: str = ""
    priced: bool = True


class PriceTable:
    """mlstack/ops/prices.json: prices by key, instance prices by type, assumptions, free and per-use types."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.region: str = data["region"]
        self.hours_per_month: float = data["hours_per_month"]
        self.assumptions: dict[str, Any] = data["assumptions"]
        self.usage_priced: dict[str, dict[str, str]] = data["usage_priced"]

    @classmethod
    def load(cls, path: Path = PRICES_FILE) -> PriceTable:
        return cls(json.loads(path.read_text()))

    def usd(self, key: str) -> float:
        return float(self.data["prices"][key]["usd"])

    def by_type(self, key: str, type_: str) -> float | None:
        value = self.data["prices"][key]["usd_by_type"].get(type_)
        return None if value is None else float(value)

    def monthly_to_hourly(self, usd_per_month: float) -> float:
        return usd_per_month / self.hours_per_month

    def is_free(self, resource_type: str) -> bool:
        return any(fnmatch.fnmatchcase(resource_type, pattern) for pattern in self.data["free_types"])


def _ref_target(value: Any) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` points at, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


class _StackPricer:
    """Prices one stack's resources; per-resource rules keyed by CloudFormation type."""

    def __init__(self, stack: StackTemplate, prices: PriceTable, budgets_seen: list[str]) -> None:
        self.stack = stack
        self.prices = prices
        self.resources = stack.resources
        self.budgets_seen = budgets_seen

    def items(self) -> list[LineItem]:
        result = []
        for logical_id, resource in self.resources.items():
            item = self.price(logical_id, resource)
            if item is not None:
                result.append(item)
        return result

    def _item(self, logical_id: str, type_: str, hourly_fixed: float, hourly_compute: float, note: str) -> LineItem:
        return LineItem(
            stack=self.stack.name,
            resource=self.stack.path_of(logical_id),
            type=type_,
            running_hourly=hourly_fixed + hourly_compute,
            idle_daily=hourly_fixed * 24,
            note=note,
        )

    def _unpriced(self, logical_id: str, type_: str, note: str) -> LineItem:
        return LineItem(self.stack.name, self.stack.path_of(logical_id), type_, 0.0, 0.0, note, priced=False)

    def price(self, logical_id: str, resource: dict[str, Any]) -> LineItem | None:
        type_ = resource.get("Type", "")
        props = resource.get("Properties", {}) or {}
        handler = getattr(self, "_" + type_.replace("::", "_").replace("AWS_", "", 1).lower(), None)
        if handler is not None:
            return handler(logical_id, type_, props)
        if type_ in self.prices.usage_priced:
            return self._item(logical_id, type_, 0.0, 0.0, self.prices.usage_priced[type_]["note"])
        if self.prices.is_free(type_):
            return None
        return self._unpriced(logical_id, type_, "not priced: type missing from mlstack/ops/prices.json")

    # --- storage and keys -------------------------------------------------------------------------
    def _s3_bucket(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        gb = float(self.prices.assumptions["s3_gb_per_bucket"])
        hourly = self.prices.monthly_to_hourly(gb * self.prices.usd("s3_standard_gb_month"))
        return self._item(logical_id, type_, hourly, 0.0, f"storage estimate: {gb:g} GB; requests extra")

    def _kms_key(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        hourly = self.prices.monthly_to_hourly(self.prices.usd("kms_key_month"))
        return self._item(logical_id, type_, hourly, 0.0, "$1/month per key; API calls extra")

    # --- SageMaker ----------------------------------------------------------------------------------
    def _sagemaker_notebookinstance(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        instance_type = str(props.get("InstanceType"))
        gb = float(props.get("VolumeSizeInGB", self.prices.assumptions["notebook_volume_gb_default"]))
        volume = self.prices.monthly_to_hourly(gb * self.prices.usd("sagemaker_ml_storage_gb_month"))
        compute = self.prices.by_type("sagemaker_notebook_hour", instance_type)
        if compute is None:
            return self._unpriced(logical_id, type_, f"not priced: notebook type {instance_type} missing")
        return self._item(logical_id, type_, volume, compute, f"{instance_type} while in service; {gb:g} GB volume")

    # --- EMR Serverless -----------------------------------------------------------------------------
    def _emrserverless_application(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        """Running: a job using the whole maximum capacity; idle: pre-initialized capacity only (none by default)."""
        architecture = str(props.get("Architecture", "X86_64"))
        vcpu_hour = self.prices.by_type("emr_serverless_vcpu_hour", architecture)
        gb_hour = self.prices.by_type("emr_serverless_gb_hour", architecture)
        if vcpu_hour is None or gb_hour is None:
            return self._unpriced(logical_id, type_, f"not priced: architecture {architecture} missing")

        def hourly(cpu: Any, memory: Any) -> float:
            return float(str(cpu).split()[0]) * vcpu_hour + float(str(memory).split()[0]) * gb_hour

        maximum = props.get("MaximumCapacity") or {}
        running = hourly(maximum["Cpu"], maximum["Memory"]) if maximum else 0.0
        idle = 0.0
        for pool in props.get("InitialCapacity") or []:
            config = pool["Value"]
            worker = config["WorkerConfiguration"]
            idle += int(config["WorkerCount"]) * hourly(worker["Cpu"], worker["Memory"])
        note = "per job: vCPU-hours and GB-hours used; " + (
            f"up to {maximum.get('Cpu')} and {maximum.get('Memory')} while jobs run" if maximum else "no maximum"
        )
        note += "; pre-initialized workers bill while started" if idle else "; nothing while idle"
        return self._item(logical_id, type_, idle, max(running - idle, 0.0), note)

    def _sagemaker_endpoint(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        config_id = _ref_target(props.get("EndpointConfigName"))
        config = self.resources.get(config_id or "", {})
        if config.get("Type") != "AWS::SageMaker::EndpointConfig":
            return self._unpriced(logical_id, type_, "not priced: endpoint config outside this template")
        fixed = compute = 0.0
        notes = []
        for variant in config.get("Properties", {}).get("ProductionVariants", []):
            serverless = variant.get("ServerlessConfig")
            if serverless:
                memory_gb = float(serverless["MemorySizeInMB"]) / 1024
                compute += memory_gb * 3600 * self.prices.usd("sagemaker_serverless_gb_second")
                notes.append(f"serverless {serverless['MemorySizeInMB']} MB: per second of processing, $0 idle")
                continue
            instance_type = str(variant.get("InstanceType"))
            count = int(variant.get("InitialInstanceCount", 1))
            hourly = self.prices.by_type("sagemaker_endpoint_hour", instance_type)
            if hourly is None:
                return self._unpriced(logical_id, type_, f"not priced: endpoint type {instance_type} missing")
            fixed += count * hourly
            notes.append(f"{count} x {instance_type}: bills while deployed, busy or not")
        return self._item(logical_id, type_, fixed, compute, "; ".join(notes))

    # --- EC2 and networking -------------------------------------------------------------------------
    def _launch_template_data(self, props: dict[str, Any]) -> dict[str, Any]:
        template_id = _ref_target((props.get("LaunchTemplate") or {}).get("LaunchTemplateId"))
        template = self.resources.get(template_id or "", {})
        return template.get("Properties", {}).get("LaunchTemplateData", {}) if template else {}

    def _subnet_maps_public_ip(self, props: dict[str, Any]) -> bool:
        subnet = self.resources.get(_ref_target(props.get("SubnetId")) or "", {})
        return bool(subnet.get("Properties", {}).get("MapPublicIpOnLaunch"))

    def _ec2_instance(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        launch_data = self._launch_template_data(props)
        instance_type = str(props.get("InstanceType") or launch_data.get("InstanceType"))
        compute = self.prices.by_type("ec2_instance_hour", instance_type)
        if compute is None:
            return self._unpriced(logical_id, type_, f"not priced: instance type {instance_type} missing")
        notes = [f"{instance_type} while running"]
        fixed = 0.0
        mappings = props.get("BlockDeviceMappings") or launch_data.get("BlockDeviceMappings") or []
        for mapping in mappings:
            ebs = mapping.get("Ebs") or {}
            if "VolumeSize" not in ebs:
                continue
            volume_type = str(ebs.get("VolumeType", "gp2"))
            gb_month = self.prices.by_type("ebs_gb_month", volume_type) or 0.0
            fixed += self.prices.monthly_to_hourly(float(ebs["VolumeSize"]) * gb_month)
            notes.append(f"{ebs['VolumeSize']} GB {volume_type}")
        if not any("VolumeSize" in (m.get("Ebs") or {}) for m in mappings):
            notes.append("root volume sized by the AMI: not priced")
        public_ip = self._subnet_maps_public_ip(props) or any(
            ni.get("AssociatePublicIpAddress") for ni in props.get("NetworkInterfaces", [])
        )
        if public_ip:
            compute += self.prices.usd("public_ipv4_hour")
            notes.append("public IPv4 while running")
        market = (launch_data.get("InstanceMarketOptions") or {}).get("MarketType")
        if market == "spot":
            notes.append("spot: priced at on-demand, spot usually costs 60-90 % less")
        return self._item(logical_id, type_, fixed, compute, "; ".join(notes))

    def _ec2_volume(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        volume_type = str(props.get("VolumeType", "gp2"))
        gb_month = self.prices.by_type("ebs_gb_month", volume_type)
        if gb_month is None or "Size" not in props:
            return self._unpriced(logical_id, type_, f"not priced: {volume_type} volume without a size or price")
        hourly = self.prices.monthly_to_hourly(float(props["Size"]) * gb_month)
        return self._item(logical_id, type_, hourly, 0.0, f"{props['Size']} GB {volume_type}, idle too")

    def _ec2_natgateway(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        return self._item(logical_id, type_, self.prices.usd("nat_gateway_hour"), 0.0, "hourly, idle too; + $/GB")

    def _ec2_eip(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        return self._item(logical_id, type_, self.prices.usd("public_ipv4_hour"), 0.0, "public IPv4, idle too")

    def _ec2_vpcendpoint(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem | None:
        if props.get("VpcEndpointType", "Gateway") != "Interface":
            return None  # gateway endpoints (S3, DynamoDB) are free
        zones = max(1, len(props.get("SubnetIds", [])))
        hourly = zones * self.prices.usd("interface_endpoint_az_hour")
        return self._item(logical_id, type_, hourly, 0.0, f"interface endpoint in {zones} AZ(s), idle too; + $/GB")

    # --- monitoring, billing, databases ---------------------------------------------------------------
    def _cloudwatch_alarm(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        metrics = props.get("Metrics")
        count = sum(1 for m in metrics if "MetricStat" in m) if metrics else 1
        period = min(
            [int(props.get("Period", 60))]
            + [int(m["MetricStat"].get("Period", 60)) for m in metrics or [] if "MetricStat" in m]
        )
        key = "cloudwatch_high_resolution_alarm_metric_month" if period < 60 else "cloudwatch_alarm_metric_month"
        hourly = self.prices.monthly_to_hourly(max(1, count) * self.prices.usd(key))
        kind = f"metric math over {count} metrics" if metrics else "one metric"
        return self._item(logical_id, type_, hourly, 0.0, f"{kind}, bills whether or not it fires")

    def _cloudwatch_compositealarm(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        hourly = self.prices.monthly_to_hourly(self.prices.usd("cloudwatch_composite_alarm_month"))
        return self._item(logical_id, type_, hourly, 0.0, "composite alarm, bills whether or not it fires")

    def _budgets_budget(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        self.budgets_seen.append(logical_id)
        free = int(self.prices.data["prices"]["budget_day"]["free_count"])
        if len(self.budgets_seen) <= free:
            return self._item(logical_id, type_, 0.0, 0.0, f"free: the first {free} budgets of an account")
        hourly = self.prices.usd("budget_day") / 24
        return self._item(logical_id, type_, hourly, 0.0, f"beyond the {free} free budgets")

    def _dynamodb_table(self, logical_id: str, type_: str, props: dict[str, Any]) -> LineItem:
        if props.get("BillingMode", "PROVISIONED") == "PAY_PER_REQUEST":
            return self._item(logical_id, type_, 0.0, 0.0, self.prices.usage_priced[type_]["note"])
        throughput = props.get("ProvisionedThroughput", {})
        hourly = int(throughput.get("ReadCapacityUnits", 0)) * self.prices.usd("dynamodb_provisioned_rcu_hour") + int(
            throughput.get("WriteCapacityUnits", 0)
        ) * self.prices.usd("dynamodb_provisioned_wcu_hour")
        return self._item(logical_id, type_, hourly, 0.0, "provisioned capacity, idle too")


def price_stacks(stacks: Iterable[StackTemplate], prices: PriceTable | None = None) -> list[LineItem]:
    """Line items of every stack; free resources are left out, unknown types kept as `priced=False`."""
    table = prices or PriceTable.load()
    budgets_seen: list[str] = []  # the free budgets are per account, so they are counted across stacks
    items: list[LineItem] = []
    for stack in stacks:
        items.extend(_StackPricer(stack, table, budgets_seen).items())
    return items


def totals(items: Iterable[LineItem]) -> dict[str, tuple[float, float]]:
    """(running $/hour, idle $/day) per stack, in first-seen order."""
    result: dict[str, tuple[float, float]] = {}
    for item in items:
        hourly, daily = result.get(item.stack, (0.0, 0.0))
        result[item.stack] = (hourly + item.running_hourly, daily + item.idle_daily)
    return result
