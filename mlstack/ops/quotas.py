"""Service quotas a deploy or a training job needs: EC2 vCPUs per instance family group, and SageMaker's per
instance type quotas (notebook, endpoint, training on demand and spot) and serverless concurrency.

SageMaker's quota codes are not documented per instance type; their names are regular ("ml.g5.xlarge for
training job usage", "ml.g5.xlarge for spot training job usage"), so they are matched by name through
ListServiceQuotas (applied values) over ListAWSDefaultServiceQuotas (defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from mlstack.ops.aws import ClientFactory, error_code
from mlstack.ops.checks import CheckResult, Status

if TYPE_CHECKING:
    from mlstack.ops.preflight import Needs
    from stacks.config import Settings

# EC2's vCPU quotas per instance family group: "Running On-Demand <group> instances" and "All <group> Spot
# Instance Requests" (a separate quota, often 0 in a new account: `frameworks.spot=true` draws on it).
EC2_VCPU_QUOTAS = {
    "G and VT": ("L-DB2E81BA", ("g", "vt")),
    "P": ("L-417A185B", ("p",)),
    "Standard (A, C, D, H, I, M, R, T, Z)": ("L-1216C47A", ("a", "c", "d", "h", "i", "m", "r", "t", "z")),
}
EC2_SPOT_VCPU_QUOTAS = {
    "G and VT": "L-3819A6DF",
    "P": "L-7212CCBC",
    "Standard (A, C, D, H, I, M, R, T, Z)": "L-34B43A08",
}


def quota(client: ClientFactory, service: str, code: str) -> float | None:
    quotas = client("service-quotas")
    for call in (quotas.get_service_quota, quotas.get_aws_default_service_quota):
        try:
            return float(call(ServiceCode=service, QuotaCode=code)["Quota"]["Value"])
        except ClientError as error:
            if error_code(error) != "NoSuchResourceException":
                raise
    return None


def quotas_by_name(client: ClientFactory, service: str) -> dict[str, tuple[float, str]]:
    """Quota name -> (applied value, default value where none is applied; quota code)."""
    quotas = client("service-quotas")
    values: dict[str, tuple[float, str]] = {}
    for operation in ("list_aws_default_service_quotas", "list_service_quotas"):  # applied values win
        for page in quotas.get_paginator(operation).paginate(ServiceCode=service):
            values.update({q["QuotaName"]: (float(q["Value"]), q["QuotaCode"]) for q in page["Quotas"]})
    return values


def instance_vcpus(client: ClientFactory, instance_type: str) -> int | None:
    try:
        types = client("ec2").describe_instance_types(InstanceTypes=[instance_type])["InstanceTypes"]
    except ClientError as error:
        if error_code(error).startswith("InvalidInstanceType"):
            return None
        raise
    return int(types[0]["VCpuInfo"]["DefaultVCpus"]) if types else None


def vcpu_quota_group(instance_type: str) -> str | None:
    """The EC2 On-Demand vCPU quota an instance type counts against (g4dn.xlarge -> 'G and VT')."""
    family = instance_type.split(".", maxsplit=1)[0]
    if family.startswith(("inf", "trn", "dl")):  # Inferentia, Trainium and DL1 have quotas of their own
        return None
    for group, (_, prefixes) in EC2_VCPU_QUOTAS.items():
        if family.startswith(prefixes):
            return group
    return None


def check_ec2(
    client: ClientFactory, region: str, instance_types: tuple[str, ...], *, spot: bool = False
) -> list[CheckResult]:
    """Each instance type offered in the region, and the vCPU quota of its group (on demand, or spot) enough."""
    results = []
    needed: dict[str, int] = {}
    for instance_type in sorted(set(instance_types)):
        offered = client("ec2").describe_instance_type_offerings(
            LocationType="region", Filters=[{"Name": "instance-type", "Values": [instance_type]}]
        )["InstanceTypeOfferings"]
        vcpus = instance_vcpus(client, instance_type) if offered else None
        if not offered or vcpus is None:
            results.append(
                CheckResult(
                    f"region: EC2 {instance_type}",
                    Status.FAIL,
                    f"{instance_type} is not offered in {region}",
                    "choose another instance type or region",
                )
            )
            continue
        group = vcpu_quota_group(instance_type)
        if group is None:
            results.append(
                CheckResult(f"quota: EC2 {instance_type}", Status.WARN, "no vCPU quota known for this family")
            )
            continue
        needed[group] = needed.get(group, 0) + vcpus * instance_types.count(instance_type)
    for group, vcpus in needed.items():
        code = EC2_SPOT_VCPU_QUOTAS[group] if spot else EC2_VCPU_QUOTAS[group][0]
        value = quota(client, "ec2", code)
        name = f"quota: EC2 {'Spot' if spot else 'On-Demand'} {group} vCPUs ({code})"
        if value is None:
            results.append(CheckResult(name, Status.WARN, "quota not found", "check Service Quotas in the console"))
        elif value < vcpus:
            results.append(
                CheckResult(
                    name,
                    Status.FAIL,
                    f"{value:g} vCPUs allowed, {vcpus} needed",
                    f"request {vcpus} or more: aws service-quotas request-service-quota-increase "
                    f"--service-code ec2 --quota-code {code} --desired-value {vcpus}",
                )
            )
        else:
            results.append(CheckResult(name, Status.PASS, f"{value:g} vCPUs allowed, {vcpus} needed"))
    return results


@dataclass(frozen=True)
class Wanted:
    """One SageMaker quota to check: its check's label, the quota's name (exact, or a fragment with `also`),
    the amount needed, and how short a quota counts (FAIL when it blocks the deploy or the job, else WARN)."""

    label: str
    name: str
    amount: float
    exact: bool = True
    also: str = ""  # a fragment match must contain this as well
    fix_suffix: str = ""
    short: Status = Status.FAIL

    def matches(self, name: str) -> bool:
        if self.exact:
            return name == self.name
        return self.name.lower() in name.lower() and self.also in name.lower()


def sagemaker_needs(needs: Needs, settings: Settings) -> list[Wanted]:
    """The SageMaker quotas the app (from its templates) and its training job (from the settings) need."""
    wanted = []
    for type_ in sorted(set(needs.notebook_types)):
        name = f"{type_} for notebook instance usage"
        wanted.append(Wanted(f"quota: SageMaker {name}", name, needs.notebook_types.count(type_)))
    for type_ in sorted(set(needs.endpoint_instance_types)):
        name = f"{type_} for endpoint usage"
        wanted.append(Wanted(f"quota: SageMaker {name}", name, needs.endpoint_instance_types.count(type_)))
    if needs.has_serverless:
        wanted.append(
            Wanted(
                "quota: SageMaker serverless concurrency",
                "total concurrency",
                needs.serverless_concurrency,
                exact=False,
                also="serverless",
                fix_suffix=", or lower the endpoint's max concurrency",
            )
        )
    if settings.has("platform"):  # `mlstack train` submits its jobs with the Platform layer's role and bucket
        wanted += training_needs(settings)
    return wanted


def training_needs(settings: Settings) -> list[Wanted]:
    """`training.instance_type` x `instance_count`, on demand and spot: the one the job uses
    (`training.spot`) blocks it; the other is reported as a warning for a switch of `training.spot`."""
    training = settings.training
    wanted = []
    for spot in (True, False):
        name = f"{training.instance_type} for {'spot ' if spot else ''}training job usage"
        used = spot == training.spot
        wanted.append(
            Wanted(
                f"quota: SageMaker {name}",
                name,
                training.instance_count,
                fix_suffix="" if used else f" (needed only with -c training.spot={str(spot).lower()})",
                short=Status.FAIL if used else Status.WARN,
            )
        )
    return wanted


def check_sagemaker(client: ClientFactory, wanted: list[Wanted]) -> list[CheckResult]:
    if not wanted:
        return []
    quotas = quotas_by_name(client, "sagemaker")
    results = []
    for need in wanted:
        found = next(((name, quota) for name, quota in quotas.items() if need.matches(name)), None)
        if found is None:
            results.append(CheckResult(need.label, Status.WARN, "quota not found", "check SageMaker in Service Quotas"))
            continue
        name, (value, code) = found
        detail = f"{value:g} allowed, {need.amount:g} needed"
        if value < need.amount:
            fix = (
                f"request {need.amount:g} or more for '{name}' ({code}) in Service Quotas (SageMaker): "
                f"aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code {code} "
                f"--desired-value {need.amount:g}{need.fix_suffix}"
            )
            results.append(CheckResult(need.label, need.short, detail, fix))
        else:
            results.append(CheckResult(need.label, Status.PASS, detail))
    return results
