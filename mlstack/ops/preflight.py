"""`mlstack preflight`: what would stop a first deploy or the first training job, checked before it starts.

Credentials and account (STS), region support of every enabled layer (Hugging Face DLC images,
SageMaker serverless inference, Lex V2), the CDK bootstrap, and the quotas a first deploy needs (EC2
vCPUs for the GPU instance, SageMaker notebook, endpoint and serverless concurrency) and the training job
(`training.instance_type`, on demand and spot). What to check is read from the synthesized templates, so a
layer is checked as soon as its stack exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mlstack.ops import quotas, ui
from mlstack.ops import settings as ops_settings
from mlstack.ops.aws import ClientFactory, clients_for, error_code
from mlstack.ops.checks import CheckResult, Status
from mlstack.ops.templates import StackTemplate, load_templates
from stacks import deep_learning_containers as dlc
from stacks.config import Settings

REGIONS_FILE = Path(__file__).resolve().with_name("regions.json")
BOOTSTRAP_STACK = "CDKToolkit"
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
# Templates synthesized by CDK v2 assert bootstrap version 6 or later (their CheckBootstrapVersion rule).
MIN_BOOTSTRAP_VERSION = 6


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
    spot = settings.has("frameworks") and settings.frameworks.spot  # the GPU instance's purchase option
    results += quotas.check_ec2(client, region, needs.ec2_instance_types, spot=spot)
    results += quotas.check_sagemaker(client, quotas.sagemaker_needs(needs, settings))
    return results


def preflight(
    context: Iterable[str], prefix: str | None, assembly: Path | None, progress: Callable[[str], None]
) -> list[CheckResult]:
    """Synthesize (or read `assembly`), then run every check in the settings' region."""
    overrides = ops_settings.parse_overrides(context, prefix)
    settings = ops_settings.load(overrides)
    region = ops_settings.region_of(settings)
    try:
        stacks = load_templates(overrides, assembly=assembly, resynth=True)
    except RuntimeError as error:
        raise ui.CommandError(f"synth failed: {error}", ui.EXIT_USAGE) from None
    progress(f"Checking account, region {region}, bootstrap and quotas...")
    return run_checks(clients_for(region), region, settings, stacks)
