"""GpuWorkstation in a bare stack: the instance's secure defaults and overrides, and where mlstack-train reads its
corpus (the settings' dataset entry)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.config import DEFAULT_PUBLIC_DATASETS, FrameworksSettings, PublicDataset, TrainingSettings, yelp_dataset
from stacks.constructs.gpu_workstation import GpuWorkstation, train_command_script
from stacks.constructs.network import WORKSTATION, Network
from tests.unit.constructs.conftest import bare_stack


def _workstation(**settings: Any) -> Template:
    stack = bare_stack()
    frameworks = FrameworksSettings(**settings)
    GpuWorkstation(
        stack,
        "Workstation",
        settings=frameworks,
        network=Network(stack, "Network", profile=WORKSTATION[frameworks.network]),
        data_bucket_name="mlstack-data",
        train_command=train_command_script(
            prefix="mlstack",
            data_bucket_name="mlstack-data",
            code_prefix="training/scripts/",
            training=TrainingSettings(),
            corpus=yelp_dataset(DEFAULT_PUBLIC_DATASETS),
            region="us-east-1",
        ),
    )
    return Template.from_stack(stack)


def _instance(template: Template) -> dict[str, Any]:
    [resource] = template.find_resources("AWS::EC2::Instance").values()
    return resource["Properties"]


@pytest.fixture(scope="module")
def default() -> Template:
    return _workstation()


def test_instance_requires_imdsv2_and_monitors_in_detail(default: Template) -> None:
    props = _instance(default)
    assert props["MetadataOptions"]["HttpTokens"] == "required"
    assert props["MetadataOptions"]["HttpEndpoint"] == "enabled"
    assert props["Monitoring"] is True
    assert props["InstanceType"] == "g4dn.xlarge"


def test_root_volume_is_encrypted_gp3_and_deleted_with_the_instance(default: Template) -> None:
    assert _instance(default)["BlockDeviceMappings"] == [
        {
            "DeviceName": "/dev/sda1",
            "Ebs": {"DeleteOnTermination": True, "Encrypted": True, "VolumeSize": 125, "VolumeType": "gp3"},
        }
    ]


def test_root_volume_size_is_a_setting() -> None:
    assert _instance(_workstation(root_volume_gb=200))["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 200


def test_no_key_pair_and_no_ingress_by_default(default: Template) -> None:
    assert "KeyName" not in _instance(default)
    default.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)
    for group in default.find_resources("AWS::EC2::SecurityGroup").values():
        assert "SecurityGroupIngress" not in group["Properties"]


def test_a_configured_key_pair_is_attached_but_opens_no_ssh() -> None:
    template = _workstation(key_pair_name="my-key")
    assert _instance(template)["KeyName"] == "my-key"
    template.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)


def _train_command(corpus: PublicDataset) -> str:
    return train_command_script(
        prefix="mlstack",
        data_bucket_name="b",
        code_prefix="training/",
        training=TrainingSettings(),
        corpus=corpus,
        region="eu-west-1",
    )


def test_mlstack_train_reads_the_yelp_archive_of_the_default_dataset_entry() -> None:
    script = _train_command(yelp_dataset(DEFAULT_PUBLIC_DATASETS))
    assert 'data_url="${MLSTACK_TRAIN_DATA:-s3://fast-ai-nlp/yelp_review_polarity_csv.tgz}"' in script
    assert "data_region=us-east-1" in script


def test_mlstack_train_follows_a_moved_dataset_entry() -> None:
    mirror = PublicDataset(id="fast_ai_nlp", bucket="my-mirror", region="eu-west-1", prefix="nlp/", format="archive")
    assert yelp_dataset((mirror,)) == mirror
    script = _train_command(mirror)
    assert 'data_url="${MLSTACK_TRAIN_DATA:-s3://my-mirror/nlp/yelp_review_polarity_csv.tgz}"' in script
    assert "data_region=eu-west-1" in script
