"""`make preflight`: what would stop a first deploy, checked before it starts; exit 1 on any failure.

Credentials and account (STS), region support of every enabled layer (Hugging Face DLC images,
SageMaker serverless inference, Lex V2), the CDK bootstrap, and the quotas a first deploy needs (EC2
vCPUs for the GPU instance, SageMaker notebook, endpoint and serverless concurrency). What to check is
read from the synthesized templates, so a layer is checked as soon as its stack exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

from mlstack.ops import checks, ui
from mlstack.ops import settings as ops_settings
from mlstack.ops.aws import ClientFactory, clients_for, error_code
from mlstack.ops.checks import CheckResult, Status
from mlstack.ops.settings import settings_options
from mlstack.ops.templates import StackTemplate, load_templates
from stacks import deep_learning_containers as dlc
from stacks.config import Settings

REGIONS_FILE = Path(__file__).resolve().parent.parent / "ops" / "regions.json"
BOOTSTRAP_STACK = "CDKToolkit"
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
# Templates synthesized by CDK v2 assert bootstrap version 6 or later (their CheckBootstrapVersion rule).
MIN_BOOTSTRAP_VERSION = 6
# EC2 "Running On-Demand ... instances" quotas count vCPUs per instance family group.
EC2_VCPU_QUOTAS = {
    "G and VT": ("L-DB2E81BA", ("g", "vt")),
    "P": ("L-417A185B", ("p",)),
    "Standard (A, C, D, H, I, M, R, T, Z)": ("L-1216C47A", ("a", "c", "d", "h", "i", "m", "r", "t", "z")),
}


@dataclass(frozen=True)
class Needs:
    """What the synthesized app will create that a region or quota can block."""

    ec2_instance_types: tuple[str, ...]
    notebook_types: tuple[str, ...]
    endpoint_instance_types: tuple[str, ...]
    serverless_concurrency: int
    has_serverless: bool
    has_lex: bool
    has_sagemaker_model: bool

    @classmethod
    def of(cls, stacks: list[StackTemplate]) -> Needs:
        resources = [r for s in stacks for r in s.resources.values()]
        launch_types = {
            lid: r.get("Properties", {}).get("LaunchTemplateData", {}).get("InstanceType")
            for s in stacks
            for lid, r in s.resources.items()
            if r.get("Type") == "AWS::EC2::LaunchTemplate"
        }
        ec2, notebooks, endpoints = [], [], []
        concurrency = 0
        serverless = False
        for r in resources:
            props = r.get("Properties", {}) or {}
            if r.get("Type") == "AWS::EC2::Instance":
                template_ref = (props.get("LaunchTemplate") or {}).get("LaunchTemplateId") or {}
                type_ = props.get("InstanceType") or launch_types.get(template_ref.get("Ref", ""))
                if isinstance(type_, str):
                    ec2.append(type_)
            elif r.get("Type") == "AWS::SageMaker::NotebookInstance" and isinstance(props.get("InstanceType"), str):
                notebooks.append(props["InstanceType"])
            elif r.get("Type") == "AWS::SageMaker::EndpointConfig":
                for variant in props.get("ProductionVariants", []):
                    if "ServerlessConfig" in variant:
                        serverless = True
                        concurrency += int(variant["ServerlessConfig"].get("MaxConcurrency", 1))
                    elif isinstance(variant.get("InstanceType"), str):
                        endpoints += [variant["InstanceType"]] * int(variant.get("InitialInstanceCount", 1))
        types = {r.get("Type") for r in resources}
        return cls(
            tuple(ec2),
            tuple(notebooks),
            tuple(endpoints),
            concurrency,
            serverless,
            "AWS::Lex::Bot" in types,
            "AWS::SageMaker::Model" in types,
        )


def check_credentials(client: ClientFactory) -> CheckResult:
    try:
        identity = client("sts").get_caller_identity()
    except (ClientError, BotoCoreError) as error:
        return CheckResult(
            "credentials",
            Status.FAIL,
            f"STS refused: {error_code(error)}",
            "set AWS_PROFILE (or run `aws configure` / `aws sso login`) for the sandbox account",
            cause=error,  # the command ends on it, as one line and exit 3, after the report
        )
    return CheckResult("credentials", Status.PASS, f"account {identity['Account']} as {identity['Arn']}")


def check_regions(region: str, settings: Settings, needs: Needs, regions: dict[str, Any]) -> list[CheckResult]:
    results = []
    if settings.has("platform") or needs.has_sagemaker_model:
        problem = dlc.region_problem(dlc.HUGGINGFACE_INFERENCE, region)
        results.append(
            CheckResult("region: Hugging Face DLC images", Status.PASS, f"{region}: ECR account {dlc.account(region)}")
            if problem is None
            else CheckResult(
                "region: Hugging Face DLC images",
                Status.FAIL,
                problem,
                "deploy to a region with DLC images, e.g. -c region=us-east-1",
            )
        )
    if needs.has_serverless:
        results.append(
            _listed_region(
                "region: SageMaker serverless inference",
                region,
                regions["sagemaker_serverless_inference"],
                "use an instance-backed endpoint setting, or a listed region such as us-east-1",
            )
        )
    if settings.has("api_services") or needs.has_lex:
        table = regions["lex_v2"]
        fix = f"deploy to one of {', '.join(table['regions'])}, or drop api_services from layers"
        results.append(_listed_region("region: Lex V2", region, table, fix))
    return results


def _listed_region(name: str, region: str, table: dict[str, Any], fix: str) -> CheckResult:
    """Pass when `region` is in the dated, sourced region table of regions.json; else fail with `fix`."""
    ok = region in table["regions"]
    detail = f"{region} {'is' if ok else 'is not'} listed ({table['source']}, {table['date']})"
    return CheckResult(name, Status.PASS if ok else Status.FAIL, detail, "" if ok else fix)


def check_bootstrap(client: ClientFactory, region: str) -> CheckResult:
    fix = f"run `make bootstrap` (cdk bootstrap) once for this account and {region}"
    try:
        stack = client("cloudformation").describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"][0]
    except ClientError as error:
        if error_code(error) == "ValidationError":  # "Stack with id CDKToolkit does not exist"
            return CheckResult("CDK bootstrap", Status.FAIL, f"no {BOOTSTRAP_STACK} stack in {region}", fix)
        raise
    status = stack["StackStatus"]
    if not status.endswith("_COMPLETE") or status.startswith(("DELETE", "ROLLBACK")):
        return CheckResult("CDK bootstrap", Status.FAIL, f"{BOOTSTRAP_STACK} is {status}", fix)
    try:
        version = client("ssm").get_parameter(Name=BOOTSTRAP_VERSION_PARAMETER)["Parameter"]["Value"]
    except ClientError as error:
        if error_code(error) != "ParameterNotFound":
            raise
        return CheckResult("CDK bootstrap", Status.FAIL, f"{BOOTSTRAP_VERSION_PARAMETER} is missing", fix)
    if not version.isdigit() or int(version) < MIN_BOOTSTRAP_VERSION:
        return CheckResult("CDK bootstrap", Status.FAIL, f"bootstrap version {version} < {MIN_BOOTSTRAP_VERSION}", fix)
    return CheckResult("CDK bootstrap", Status.PASS, f"{BOOTSTRAP_STACK} {status}, version {version}")


def _quota(client: ClientFactory, service: str, code: str) -> float | None:
    quotas = client("service-quotas")
    for call in (quotas.get_service_quota, quotas.get_aws_default_service_quota):
        try:
            return float(call(ServiceCode=service, QuotaCode=code)["Quota"]["Value"])
        except ClientError as error:
            if error_code(error) != "NoSuchResourceException":
                raise
    return None


def _quotas_by_name(client: ClientFactory, service: str) -> dict[str, float]:
    """Quota name -> applied value (default value where none is applied)."""
    quotas = client("service-quotas")
    values: dict[str, float] = {}
    for operation in ("list_aws_default_service_quotas", "list_service_quotas"):  # applied values win
        for page in quotas.get_paginator(operation).paginate(ServiceCode=service):
            values.update({q["QuotaName"]: float(q["Value"]) for q in page["Quotas"]})
    return values


def _vcpus(client: ClientFactory, instance_type: str) -> int | None:
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


def check_ec2(client: ClientFactory, region: str, instance_types: tuple[str, ...]) -> list[CheckResult]:
    results = []
    needed: dict[str, int] = {}
    for instance_type in sorted(set(instance_types)):
        offered = client("ec2").describe_instance_type_offerings(
            LocationType="region", Filters=[{"Name": "instance-type", "Values": [instance_type]}]
        )["InstanceTypeOfferings"]
        vcpus = _vcpus(client, instance_type) if offered else None
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
        code = EC2_VCPU_QUOTAS[group][0]
        value = _quota(client, "ec2", code)
        name = f"quota: EC2 On-Demand {group} vCPUs ({code})"
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


def check_sagemaker(client: ClientFactory, needs: Needs) -> list[CheckResult]:
    wanted: list[tuple[str, float, str]] = []  # (quota name or fragment, needed, what)
    for type_ in sorted(set(needs.notebook_types)):
        wanted.append((f"{type_} for notebook instance usage", needs.notebook_types.count(type_), "notebook"))
    for type_ in sorted(set(needs.endpoint_instance_types)):
        wanted.append((f"{type_} for endpoint usage", needs.endpoint_instance_types.count(type_), "endpoint"))
    if needs.has_serverless:
        wanted.append(("total concurrency", needs.serverless_concurrency, "serverless"))
    if not wanted:
        return []
    quotas = _quotas_by_name(client, "sagemaker")
    results = []
    for fragment, amount, what in wanted:
        matches = [
            (name, value)
            for name, value in quotas.items()
            if fragment.lower() in name.lower() and (what != "serverless" or "serverless" in name.lower())
        ]
        label = f"quota: SageMaker {fragment}" if what != "serverless" else "quota: SageMaker serverless concurrency"
        if not matches:
            results.append(CheckResult(label, Status.WARN, "quota not found", "check SageMaker in Service Quotas"))
            continue
        name, value = matches[0]
        if value < amount:
            fix = f"request {amount:g} or more for '{name}' in Service Quotas (SageMaker)"
            if what == "serverless":
                fix += ", or lower the endpoint's max concurrency"
            results.append(CheckResult(label, Status.FAIL, f"{value:g} allowed, {amount:g} needed", fix))
        else:
            results.append(CheckResult(label, Status.PASS, f"{value:g} allowed, {amount:g} needed"))
    return results


def run_checks(
    client: ClientFactory, region: str, settings: Settings, stacks: list[StackTemplate]
) -> list[CheckResult]:
    """Every check, in order; after failed credentials the AWS checks are skipped."""
    regions = json.loads(REGIONS_FILE.read_text())
    needs = Needs.of(stacks)
    results = [check_credentials(client)]
    results += check_regions(region, settings, needs, regions)
    if results[0].status == Status.FAIL:
        return [*results, CheckResult("CDK bootstrap and quotas", Status.SKIPPED, "needs credentials")]
    results.append(check_bootstrap(client, region))
    results += check_ec2(client, region, needs.ec2_instance_types)
    results += check_sagemaker(client, needs)
    return results


def report(results: list[CheckResult]) -> int:
    ui.console.print(checks.table("Preflight", results))
    failed = checks.failed(results)
    if failed:
        ui.console.print(f"{len(failed)} check(s) failed: fix them before `make deploy`.")
        return ui.EXIT_FAILED
    ui.console.print("Ready to deploy.")
    return ui.EXIT_OK


@click.command("preflight", epilog="Example: mlstack preflight -c region=eu-west-1")
@settings_options
@click.option("--assembly", type=click.Path(path_type=Path), help="Read this cloud assembly instead of synthesizing.")
def command(prefix: str | None, context: tuple[str, ...], assembly: Path | None) -> int:
    """Check credentials, region support, CDK bootstrap and quotas before a first deploy.

    Each check prints pass or fail with its fix; exit 1 when any fails, 3 when AWS refuses the credentials.
    """
    overrides = ops_settings.parse_overrides(context, prefix)
    settings = ops_settings.load(overrides)
    region = ops_settings.region_of(settings)
    with ui.spinner("Synthesizing the app...") as status:
        try:
            stacks = load_templates(overrides, assembly=assembly, resynth=True)
        except RuntimeError as error:
            raise ui.CommandError(f"synth failed: {error}", ui.EXIT_USAGE) from None
        status(f"Checking account, region {region}, bootstrap and quotas...")
        results = run_checks(clients_for(region), region, settings, stacks)
    code = report(results)
    aws_failure = next((result.cause for result in results if result.cause is not None), None)
    if aws_failure is not None:
        raise aws_failure  # AWS missing or refusing: the README's exit 3, as one line after the report
    return code
