"""mlstack preflight: pass and fail for credentials, regions, bootstrap and quotas, the training job's too
(moto + Stubber: moto's Service Quotas knows only a few services)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mlstack.ops import checks as ops_checks
from mlstack.ops import preflight, quotas
from mlstack.ops import settings as ops_settings
from mlstack.ops.checks import CheckResult, Status
from tests.mlstack.conftest import MOTO_REGION
from tests.mlstack.fixtures import fixture_stacks

REGION = MOTO_REGION  # the moto_account fixture's
SERVERLESS_QUOTA = "Maximum total concurrency that can be allocated across all serverless endpoints"
# The training job's defaults: training.instance_type ml.g5.xlarge, instance_count 1, spot true.
SPOT_TRAINING = "ml.g5.xlarge for spot training job usage"
ON_DEMAND_TRAINING = "ml.g5.xlarge for training job usage"
READY_SAGEMAKER = {
    "ml.t3.medium for notebook instance usage": 1,
    SERVERLESS_QUOTA: 10,
    SPOT_TRAINING: 1,
    ON_DEMAND_TRAINING: 1,
}


def _quota(code: str, value: float) -> dict[str, Any]:
    return {"Quota": {"ServiceCode": "ec2", "QuotaCode": code, "QuotaName": code, "Value": value}}


def _sagemaker_page(quotas: Mapping[str, float]) -> dict[str, Any]:
    return {
        "Quotas": [
            {"ServiceCode": "sagemaker", "QuotaCode": f"L-{n}", "QuotaName": name, "Value": value}
            for n, (name, value) in enumerate(quotas.items())
        ]
    }


def _clients(gpu_vcpus: float, sagemaker: Mapping[str, float]) -> tuple[quotas.ClientFactory, Stubber]:
    """moto for STS, CloudFormation, SSM and EC2; Service Quotas stubbed (moto knows only VPC quotas)."""
    quotas = boto3.client("service-quotas", region_name=REGION)
    stubber = Stubber(quotas)
    stubber.add_response(
        "get_service_quota", _quota("L-DB2E81BA", gpu_vcpus), {"ServiceCode": "ec2", "QuotaCode": "L-DB2E81BA"}
    )
    stubber.add_response("list_aws_default_service_quotas", _sagemaker_page(sagemaker), {"ServiceCode": "sagemaker"})
    stubber.add_response("list_service_quotas", {"Quotas": []}, {"ServiceCode": "sagemaker"})
    stubber.activate()
    real = preflight.clients_for(REGION)
    return (lambda name: quotas if name == "service-quotas" else real(name)), stubber


def _bootstrap(version: str = "27") -> None:
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="CDKToolkit",
        TemplateBody='{"Resources": {"StagingBucket": {"Type": "AWS::S3::Bucket"}}}',
    )
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/cdk-bootstrap/hnb659fds/version", Value=version, Type="String"
    )


def _results(checks: list[CheckResult]) -> dict[str, Status]:
    return {check.name: check.status for check in checks}


def test_a_ready_account_passes_every_check(moto_account: str) -> None:
    _bootstrap()
    client, stubber = _clients(8, READY_SAGEMAKER)
    checks = preflight.run_checks(client, REGION, ops_settings.load({"region": REGION}), fixture_stacks())
    stubber.assert_no_pending_responses()
    assert _results(checks) == {
        "credentials": Status.PASS,
        "region: Hugging Face DLC images": Status.PASS,
        "region: SageMaker serverless inference": Status.PASS,
        "region: Lex V2": Status.PASS,
        "CDK bootstrap": Status.PASS,
        "quota: EC2 On-Demand G and VT vCPUs (L-DB2E81BA)": Status.PASS,
        "quota: SageMaker ml.t3.medium for notebook instance usage": Status.PASS,
        "quota: SageMaker serverless concurrency": Status.PASS,
        f"quota: SageMaker {SPOT_TRAINING}": Status.PASS,
        f"quota: SageMaker {ON_DEMAND_TRAINING}": Status.PASS,
    }
    details = {c.name: c.detail for c in checks}
    assert details["quota: EC2 On-Demand G and VT vCPUs (L-DB2E81BA)"] == "8 vCPUs allowed, 4 needed"
    assert details["quota: SageMaker serverless concurrency"] == "10 allowed, 5 needed"
    assert ops_checks.failed(checks) == []


def test_a_new_account_fails_with_a_fix_for_each_problem(moto_account: str) -> None:
    # No bootstrap, no GPU quota (the default in new accounts), no notebook quota, serverless concurrency 1.
    client, _ = _clients(
        0,
        {
            "ml.t3.medium for notebook instance usage": 0,
            SERVERLESS_QUOTA: 1,
            SPOT_TRAINING: 0,
            ON_DEMAND_TRAINING: 0,
        },
    )
    checks = preflight.run_checks(client, REGION, ops_settings.load({"region": REGION}), fixture_stacks())
    failed = {c.name: c for c in checks if c.status == Status.FAIL}
    assert set(failed) == {
        "CDK bootstrap",
        "quota: EC2 On-Demand G and VT vCPUs (L-DB2E81BA)",
        "quota: SageMaker ml.t3.medium for notebook instance usage",
        "quota: SageMaker serverless concurrency",
        f"quota: SageMaker {SPOT_TRAINING}",
    }
    assert "make bootstrap" in failed["CDK bootstrap"].fix
    assert "--quota-code L-DB2E81BA --desired-value 4" in failed["quota: EC2 On-Demand G and VT vCPUs (L-DB2E81BA)"].fix
    assert "max concurrency" in failed["quota: SageMaker serverless concurrency"].fix
    spot_fix = failed[f"quota: SageMaker {SPOT_TRAINING}"].fix
    assert f"request 1 or more for '{SPOT_TRAINING}' (L-2)" in spot_fix
    assert "--service-code sagemaker --quota-code L-2 --desired-value 1" in spot_fix
    # The job runs on spot (training.spot's default): on demand only warns, naming the setting that needs it.
    on_demand = next(c for c in checks if c.name == f"quota: SageMaker {ON_DEMAND_TRAINING}")
    assert on_demand.status == Status.WARN and "-c training.spot=false" in on_demand.fix


def test_an_old_bootstrap_fails(moto_account: str) -> None:
    _bootstrap(version="5")
    check = preflight.check_bootstrap(preflight.clients_for(REGION), REGION)
    assert (check.status, check.detail) == (Status.FAIL, "bootstrap version 5 < 6")


def test_regions_without_lex_serverless_or_dlc_images_fail() -> None:
    settings = ops_settings.load({"region": "eu-south-2"})
    needs = preflight.Needs.of(fixture_stacks())
    regions = preflight.json.loads(preflight.REGIONS_FILE.read_text())
    results = _results(preflight.check_regions("eu-south-2", settings, needs, regions))
    assert results["region: Lex V2"] == Status.FAIL
    assert results["region: SageMaker serverless inference"] == Status.FAIL
    unknown = _results(preflight.check_regions("xx-nowhere-1", settings, needs, regions))
    assert unknown["region: Hugging Face DLC images"] == Status.FAIL


def test_an_instance_type_missing_from_the_region_fails(moto_account: str) -> None:
    checks = quotas.check_ec2(preflight.clients_for(REGION), REGION, ("zz.huge",))
    assert [(c.name, c.status) for c in checks] == [("region: EC2 zz.huge", Status.FAIL)]


@pytest.mark.parametrize(
    ("instance_type", "group"),
    [("g4dn.xlarge", "G and VT"), ("g5.2xlarge", "G and VT"), ("p3.2xlarge", "P"), ("inf2.xlarge", None)],
)
def test_instance_types_map_to_their_vcpu_quota(instance_type: str, group: str | None) -> None:
    assert quotas.vcpu_quota_group(instance_type) == group


@pytest.mark.parametrize(
    ("overrides", "blocking", "warning"),
    [
        ({"training.instance_type": "ml.g4dn.xlarge", "training.instance_count": "2"},
         "ml.g4dn.xlarge for spot training job usage", "ml.g4dn.xlarge for training job usage"),
        ({"training.spot": "false"}, ON_DEMAND_TRAINING, SPOT_TRAINING),
    ],
)  # fmt: skip
def test_the_training_quota_follows_the_training_settings(
    moto_account: str, overrides: dict[str, str], blocking: str, warning: str
) -> None:
    """The quota of the instance type, count and purchase option the job uses blocks; the other one warns."""
    settings = ops_settings.load({"region": REGION, **overrides})
    wanted = quotas.training_needs(settings)
    amount = settings.training.instance_count
    quotas_client = boto3.client("service-quotas", region_name=REGION)
    stubber = Stubber(quotas_client)
    page = _sagemaker_page({blocking: amount - 1, warning: 0, "ml.g5.xlarge for endpoint usage": 5})
    stubber.add_response("list_aws_default_service_quotas", page, {"ServiceCode": "sagemaker"})
    stubber.add_response("list_service_quotas", {"Quotas": []}, {"ServiceCode": "sagemaker"})
    with stubber:
        results = {c.name: c for c in quotas.check_sagemaker(lambda name: quotas_client, wanted)}
    assert results[f"quota: SageMaker {blocking}"].status == Status.FAIL
    assert results[f"quota: SageMaker {blocking}"].detail == f"{amount - 1} allowed, {amount} needed"
    assert results[f"quota: SageMaker {warning}"].status == Status.WARN


def test_an_applied_quota_wins_over_the_default(moto_account: str) -> None:
    quotas_client = boto3.client("service-quotas", region_name=REGION)
    stubber = Stubber(quotas_client)
    stubber.add_response(
        "list_aws_default_service_quotas", _sagemaker_page({SPOT_TRAINING: 0}), {"ServiceCode": "sagemaker"}
    )
    stubber.add_response("list_service_quotas", _sagemaker_page({SPOT_TRAINING: 4}), {"ServiceCode": "sagemaker"})
    with stubber:
        results = quotas.check_sagemaker(
            lambda name: quotas_client, quotas.training_needs(ops_settings.load({"region": REGION}))
        )
    assert results[0].status == Status.PASS and results[0].detail == "4 allowed, 1 needed"


def test_a_spot_gpu_instance_is_checked_against_the_spot_vcpu_quota(moto_account: str) -> None:
    """frameworks.spot=true draws on "All G and VT Spot Instance Requests", a quota of its own."""
    quotas_client = boto3.client("service-quotas", region_name=REGION)
    stubber = Stubber(quotas_client)
    stubber.add_response(
        "get_service_quota", _quota("L-3819A6DF", 0), {"ServiceCode": "ec2", "QuotaCode": "L-3819A6DF"}
    )
    real = preflight.clients_for(REGION)
    with stubber:
        results = quotas.check_ec2(
            lambda name: quotas_client if name == "service-quotas" else real(name), REGION, ("g4dn.xlarge",), spot=True
        )
    (result,) = results
    assert (result.name, result.status) == ("quota: EC2 Spot G and VT vCPUs (L-3819A6DF)", Status.FAIL)
    assert "--quota-code L-3819A6DF --desired-value 4" in result.fix
