"""scripts/preflight.py: pass and fail for credentials, regions, bootstrap and quotas (moto + Stubber)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mlstack.commands import preflight
from mlstack.ops import settings as ops_settings
from mlstack.ops.checks import CheckResult, Status
from tests.mlstack.commands.conftest import Cli
from tests.mlstack.commands.fixtures import fixture_stacks, write_assembly
from tests.mlstack.conftest import MOTO_REGION

REGION = MOTO_REGION  # the moto_account fixture's
SERVERLESS_QUOTA = "Maximum total concurrency that can be allocated across all serverless endpoints"


def _quota(code: str, value: float) -> dict[str, Any]:
    return {"Quota": {"ServiceCode": "ec2", "QuotaCode": code, "QuotaName": code, "Value": value}}


def _sagemaker_page(quotas: dict[str, float]) -> dict[str, Any]:
    return {
        "Quotas": [
            {"ServiceCode": "sagemaker", "QuotaCode": f"L-{n}", "QuotaName": name, "Value": value}
            for n, (name, value) in enumerate(quotas.items())
        ]
    }


def _clients(gpu_vcpus: float, sagemaker: dict[str, float]) -> tuple[preflight.ClientFactory, Stubber]:
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
    client, stubber = _clients(8, {"ml.t3.medium for notebook instance usage": 1, SERVERLESS_QUOTA: 10})
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
    }
    details = {c.name: c.detail for c in checks}
    assert details["quota: EC2 On-Demand G and VT vCPUs (L-DB2E81BA)"] == "8 vCPUs allowed, 4 needed"
    assert details["quota: SageMaker serverless concurrency"] == "10 allowed, 5 needed"
    assert preflight.report(checks) == 0


def test_a_new_account_fails_with_a_fix_for_each_problem(moto_account: str) -> None:
    # No bootstrap, no GPU quota (the default in new accounts), no notebook quota, serverless concurrency 1.
    client, _ = _clients(0, {"ml.t3.medium for notebook instance usage": 0, SERVERLESS_QUOTA: 1})
    checks = preflight.run_checks(client, REGION, ops_settings.load({"region": REGION}), fixture_stacks())
    failed = {c.name: c for c in checks if c.status == Status.FAIL}
    assert set(failed) == {
        "CDK bootstrap",
        "quota: EC2 On-Demand G and VT vCPUs (L-DB2E81BA)",
        "quota: SageMaker ml.t3.medium for notebook instance usage",
        "quota: SageMaker serverless concurrency",
    }
    assert "make bootstrap" in failed["CDK bootstrap"].fix
    assert "--quota-code L-DB2E81BA --desired-value 4" in failed["quota: EC2 On-Demand G and VT vCPUs (L-DB2E81BA)"].fix
    assert "max concurrency" in failed["quota: SageMaker serverless concurrency"].fix
    assert preflight.report(checks) == 1


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
    checks = preflight.check_ec2(preflight.clients_for(REGION), REGION, ("zz.huge",))
    assert [(c.name, c.status) for c in checks] == [("region: EC2 zz.huge", Status.FAIL)]


@pytest.mark.parametrize(
    ("instance_type", "group"),
    [("g4dn.xlarge", "G and VT"), ("g5.2xlarge", "G and VT"), ("p3.2xlarge", "P"), ("inf2.xlarge", None)],
)
def test_instance_types_map_to_their_vcpu_quota(instance_type: str, group: str | None) -> None:
    assert preflight.vcpu_quota_group(instance_type) == group


def test_without_credentials_the_aws_checks_are_skipped_and_the_command_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli
) -> None:
    sts = boto3.client("sts", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(sts)
    stubber.add_client_error("get_caller_identity", "ExpiredToken", "The security token has expired")
    stubber.activate()
    monkeypatch.setattr(preflight, "clients_for", lambda region: lambda name: sts)
    assembly = write_assembly(tmp_path, fixture_stacks())
    result = cli("preflight", "--assembly", str(assembly), "-c", f"region={REGION}")
    assert result.code == 3
    out = result.out
    assert "ExpiredToken" in out and "aws sso login" in out and "SKIP" in out
    # The report still shows the region checks; the AWS failure ends it as the error model's one line.
    assert result.err.strip() == (
        "mlstack: AWS refused GetCallerIdentity: ExpiredToken: The security token has expired; "
        "check the credentials (expired session? `aws sso login`)"
    )
