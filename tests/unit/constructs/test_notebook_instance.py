"""NotebookInstance in a bare stack: its secure defaults, overrides, lifecycle scripts and its role's scope."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from stacks import deep_learning_containers as dlc
from stacks.config import DEFAULT_PUBLIC_DATASETS, PlatformSettings
from stacks.constructs.network import NOTEBOOK, Network
from stacks.constructs.notebook_instance import NotebookInstance
from stacks.constructs.public_datasets import PublicDatasets
from tests.unit.constructs.conftest import bare_stack, statements_of

ACCOUNT = {"Ref": "AWS::AccountId"}


def _notebook(region: str = "us-east-1", vpc: bool = False, **settings: Any) -> tuple[NotebookInstance, Template]:
    stack = bare_stack(region)
    key = kms.Key(stack, "Key")
    bucket = s3.Bucket(stack, "Data")
    datasets = PublicDatasets(
        stack,
        "Datasets",
        datasets=DEFAULT_PUBLIC_DATASETS,
        results_bucket=bucket,
        name_prefix="mlstack",
        bytes_scanned_cutoff_mb=1024,
    )
    notebook = NotebookInstance(
        stack,
        "Notebook",
        settings=PlatformSettings(**settings),
        name="mlstack-notebook",
        prefix="mlstack",
        key=key,
        data_bucket=bucket,
        datasets=datasets,
        samples_prefix="notebooks/",
        network=Network(stack, "Network", profile=NOTEBOOK, log_key=key) if vpc else None,
    )
    return notebook, Template.from_stack(stack)


def _only(template: Template, kind: str) -> dict[str, Any]:
    [resource] = template.find_resources(kind).values()
    return resource["Properties"]


def _arn(service: str, resource: str, region: str = "us-east-1") -> dict[str, Any]:
    return {"Fn::Join": ["", [f"arn:aws:{service}:{region}:", ACCOUNT, f":{resource}"]]}


def _script(hook: list[dict[str, Any]]) -> str:
    content = hook[0]["Content"]["Fn::Base64"]
    if isinstance(content, str):
        return content
    return "".join(part if isinstance(part, str) else "<ref>" for part in content["Fn::Join"][1])


@pytest.fixture(scope="module")
def default() -> tuple[NotebookInstance, Template]:
    return _notebook()


def test_encrypted_imdsv2_only_without_root_public_by_default(default: tuple[NotebookInstance, Template]) -> None:
    _, template = default
    notebook = _only(template, "AWS::SageMaker::NotebookInstance")
    [key_id] = template.find_resources("AWS::KMS::Key")
    assert notebook["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert notebook["RootAccess"] == "Disabled"
    assert notebook["InstanceMetadataServiceConfiguration"] == {"MinimumInstanceMetadataServiceVersion": "2"}
    assert (notebook["NotebookInstanceName"], notebook["InstanceType"]) == ("mlstack-notebook", "ml.t3.medium")
    assert (notebook["VolumeSizeInGB"], notebook["PlatformIdentifier"]) == (5, "notebook-al2023-v1")
    assert notebook["DirectInternetAccess"] == "Enabled"
    assert "SubnetId" not in notebook


def test_overrides_root_access_type_volume_platform() -> None:
    _, template = _notebook(
        notebook_root_access=True,
        notebook_instance_type="ml.m5.xlarge",
        notebook_volume_size_gb=20,
        notebook_platform="notebook-al2-v3",
    )
    template.has_resource_properties(
        "AWS::SageMaker::NotebookInstance",
        {
            "RootAccess": "Enabled",
            "InstanceType": "ml.m5.xlarge",
            "VolumeSizeInGB": 20,
            "PlatformIdentifier": "notebook-al2-v3",
        },
    )


def test_auto_stop_script_is_attached_and_runs_the_idle_check_from_cron(
    default: tuple[NotebookInstance, Template],
) -> None:
    _, template = default
    [(lifecycle_id, lifecycle)] = template.find_resources("AWS::SageMaker::NotebookInstanceLifecycleConfig").items()
    notebook = _only(template, "AWS::SageMaker::NotebookInstance")
    assert notebook["LifecycleConfigName"] == {"Fn::GetAtt": [lifecycle_id, "NotebookInstanceLifecycleConfigName"]}
    on_start = _script(lifecycle["Properties"]["OnStart"])
    assert "$CHECK --idle-minutes 60 --started-at $(date +%s) --region us-east-1" in on_start
    assert "crontab" in on_start
    assert "def is_idle(" in on_start  # the check itself travels inside the script
    # The service limit is 16384 characters of base64 per script; a bucket name (at most 63) fills each <ref>.
    assert len(base64.b64encode(on_start.replace("<ref>", "x" * 63).encode())) <= 16384
    on_create = _script(lifecycle["Properties"]["OnCreate"])
    assert 'aws s3 cp --recursive --only-show-errors --region us-east-1 "s3://<ref>/notebooks/"' in on_create
    # Every start brings the settings file of the last deploy.
    assert 'aws s3 cp --only-show-errors --region us-east-1 "s3://<ref>/notebooks/mlstack.json"' in on_start


def test_idle_stop_minutes_is_a_setting_and_zero_disables_it() -> None:
    _, template = _notebook(notebook_idle_stop_minutes=15)
    lifecycle = _only(template, "AWS::SageMaker::NotebookInstanceLifecycleConfig")
    assert "--idle-minutes 15 " in _script(lifecycle["OnStart"])
    _, template = _notebook(notebook_idle_stop_minutes=0)
    lifecycle = _only(template, "AWS::SageMaker::NotebookInstanceLifecycleConfig")
    on_start = _script(lifecycle["OnStart"])
    assert "crontab" not in on_start and "idle_check" not in on_start
    assert '"s3://<ref>/notebooks/mlstack.json"' in on_start  # the settings file is still refreshed
    assert "OnCreate" in lifecycle  # samples are still copied


def test_role_sagemaker_statements_are_scoped_to_the_prefix(default: tuple[NotebookInstance, Template]) -> None:
    notebook, template = default
    statements = statements_of(template, notebook.role)
    prefixed = [
        _arn("sagemaker", "training-job/mlstack-*"),
        _arn("sagemaker", "model/mlstack-*"),
        _arn("sagemaker", "endpoint-config/mlstack-*"),
        _arn("sagemaker", "endpoint/mlstack-*"),
    ]
    assert statements["StopThisNotebookWhenIdle"]["Resource"] == _arn("sagemaker", "notebook-instance/mlstack-notebook")
    create = statements["CreatePrefixedTaggedResources"]
    assert sorted(create["Resource"], key=str) == sorted(prefixed, key=str)
    assert create["Condition"] == {"StringEquals": {"aws:RequestTag/mlstack:prefix": "mlstack"}}
    assert set(create["Action"]) == {
        "sagemaker:AddTags",
        "sagemaker:CreateEndpoint",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateModel",
        "sagemaker:CreateTrainingJob",
    }
    manage = statements["ManagePrefixedResources"]
    assert sorted(manage["Resource"], key=str) == sorted(prefixed, key=str)
    assert "Condition" not in manage
    actions = [a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not [a for a in actions if a.startswith("sagemaker:") and "*" in a]


def test_role_logs_and_image_pulls_are_scoped(default: tuple[NotebookInstance, Template]) -> None:
    notebook, template = default
    statements = statements_of(template, notebook.role)
    assert sorted(statements["WriteOwnLogs"]["Resource"], key=str) == sorted(
        [
            _arn("logs", "log-group:/aws/sagemaker/NotebookInstances:log-stream:mlstack-notebook/*"),
            _arn("logs", "log-group:/aws/sagemaker/TrainingJobs:log-stream:*"),
            _arn("logs", "log-group:/aws/sagemaker/Endpoints/mlstack-*:log-stream:*"),
        ],
        key=str,
    )
    # Reading covers the jobs' and endpoints' logs, not other notebooks' streams.
    assert "NotebookInstances" not in str(statements["ReadJobAndEndpointLogs"]["Resource"])
    # Exactly the Deep Learning Container repositories mlstack knows, from the region's registry account.
    assert sorted(statements["PullDeepLearningContainers"]["Resource"]) == sorted(
        f"arn:aws:ecr:us-east-1:763104351884:repository/{repository}" for repository in dlc.REPOSITORIES
    )
    # The only "*" resource: GetAuthorizationToken has no resource-level permissions.
    assert [s["Sid"] for s in statements.values() if s["Resource"] == "*"] == ["LogInToEcr"]


def test_pulls_only_what_the_region_publishes() -> None:
    notebook, template = _notebook("mx-central-1")
    pulls = statements_of(template, notebook.role)["PullDeepLearningContainers"]["Resource"]
    assert sorted(pulls) == [
        "arn:aws:ecr:mx-central-1:637423239942:repository/pytorch-inference",
        "arn:aws:ecr:mx-central-1:637423239942:repository/pytorch-training",
    ]


def test_in_the_vpc_direct_internet_is_off_with_endpoints_and_no_nat() -> None:
    _, template = _notebook(vpc=True)
    notebook = _only(template, "AWS::SageMaker::NotebookInstance")
    assert notebook["DirectInternetAccess"] == "Disabled"
    assert "Ref" in notebook["SubnetId"]
    assert len(notebook["SecurityGroupIds"]) == 1
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    template.resource_count_is("AWS::EC2::Subnet", 1)
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint").values()
    kinds = sorted(
        (e["Properties"].get("VpcEndpointType", "Gateway"), str(e["Properties"]["ServiceName"])) for e in endpoints
    )
    assert [kind for kind, _ in kinds] == ["Gateway", "Interface", "Interface"]
    assert any("sagemaker.api" in name for _, name in kinds)
    assert any("sagemaker.runtime" in name for _, name in kinds)
    template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL"})
    for group in template.find_resources("AWS::Logs::LogGroup").values():
        assert group["DeletionPolicy"] == "Delete"
