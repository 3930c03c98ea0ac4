"""GpuWorkstation in a bare stack: the instance's secure defaults and overrides (every DLAMI framework and OS, a
pinned AMI, spot, each network mode), its role, its user data (JupyterLab on localhost, the CloudWatch agent,
mlstack-train) and where mlstack-train reads its corpus (the settings' dataset entry)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from stacks.config import DEFAULT_PUBLIC_DATASETS, FrameworksSettings, PublicDataset, TrainingSettings, yelp_dataset
from stacks.constructs.gpu_workstation import GpuWorkstation, train_command_script
from stacks.constructs.network import WORKSTATION, Network
from tests.conftest import ROOT, cfn_lint_errors
from tests.unit.constructs.conftest import bare_stack, statements_of

AGENT_CONFIG = json.loads((ROOT / "stacks/constructs/gpu_workstation/user_data/cloudwatch-agent.json").read_text())
# Every framework/OS pair a DLAMI exists for, with the public parameter it must resolve (written out, not derived
# from the settings code under test). pytorch on ubuntu-22.04 has no current DLAMI: the settings refuse it
# (tests/unit/config/test_frameworks.py).
DLAMI = "/aws/service/deeplearning/ami/x86_64"
VALID_COMBINATIONS = {
    ("base", "ubuntu-22.04"): f"{DLAMI}/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id",
    ("base", "ubuntu-24.04"): f"{DLAMI}/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id",
    ("base", "amazon-linux-2023"): f"{DLAMI}/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id",
    ("pytorch", "ubuntu-24.04"): f"{DLAMI}/oss-nvidia-driver-gpu-pytorch-2.10-ubuntu-24.04/latest/ami-id",
    ("pytorch", "amazon-linux-2023"): f"{DLAMI}/oss-nvidia-driver-gpu-pytorch-2.10-amazon-linux-2023/latest/ami-id",
    ("tensorflow", "ubuntu-22.04"): f"{DLAMI}/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id",
    ("tensorflow", "ubuntu-24.04"): f"{DLAMI}/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id",
    ("tensorflow", "amazon-linux-2023"): f"{DLAMI}/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id",
}


def _build(nag: bool = False, data_bucket: bool = False, **settings: Any) -> tuple[GpuWorkstation, Template]:
    """The workstation in a bare stack; with `nag`, cdk-nag's AwsSolutions pack attached (synth raises on an
    unacknowledged finding); with `data_bucket`, granted a bucket "Data" of the stack."""
    stack = bare_stack()
    if nag:
        cdk.Validations.of(stack.node.root).add_plugins(AwsSolutionsChecks(stack.node.root))  # type: ignore[arg-type]
    frameworks = FrameworksSettings(**settings)
    workstation = GpuWorkstation(
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
    if data_bucket:
        workstation.grant_data_bucket(s3.Bucket(stack, "Data"))
    return workstation, Template.from_stack(stack)


def _workstation(**settings: Any) -> Template:
    return _build(**settings)[1]


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


def _user_data(template: Template) -> str:
    """The instance's user data with CloudFormation tokens replaced by <token>."""
    rendered = _instance(template)["UserData"]["Fn::Base64"]
    if isinstance(rendered, str):
        return rendered
    return "".join(part if isinstance(part, str) else "<token>" for part in rendered["Fn::Join"][1])


def _cfn_lint_errors(template: Template) -> str:
    return cfn_lint_errors({"Workstation": template.to_json()})


# AMI ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("framework", "os_name"), sorted(VALID_COMBINATIONS))
def test_every_framework_and_os_resolves_its_dlami_parameter_and_passes_nag_and_cfn_lint(
    framework: str, os_name: str
) -> None:
    workstation, template = _build(nag=True, framework=framework, os=os_name)
    assert workstation.machine_image_parameter == VALID_COMBINATIONS[(framework, os_name)]
    parameters = template.to_json()["Parameters"]
    [(name, parameter)] = [(k, p) for k, p in parameters.items() if "deeplearning" in str(p.get("Default"))]
    assert parameter == {
        "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        "Default": VALID_COMBINATIONS[(framework, os_name)],
    }
    props = _instance(template)
    assert props["ImageId"] == {"Ref": name}
    assert props["BlockDeviceMappings"][0]["DeviceName"] == (
        "/dev/xvda" if os_name == "amazon-linux-2023" else "/dev/sda1"
    )
    user_data = _user_data(template)
    assert f"MLSTACK_OS_USER={'ec2-user' if os_name == 'amazon-linux-2023' else 'ubuntu'}" in user_data
    assert ("tensorflow[and-cuda]" in user_data) == (framework == "tensorflow")
    assert _cfn_lint_errors(template) == ""


def test_a_pinned_ami_is_a_literal_id_and_drops_the_parameter() -> None:
    workstation, template = _build(ami_id="ami-0123456789abcdef0")
    assert _instance(template)["ImageId"] == "ami-0123456789abcdef0"
    assert workstation.machine_image_parameter is None
    assert not any("deeplearning" in str(p.get("Default")) for p in template.to_json().get("Parameters", {}).values())


# Spot -----------------------------------------------------------------------------------------------------------


def test_on_demand_by_default(default: Template) -> None:
    default.resource_count_is("AWS::EC2::LaunchTemplate", 0)
    default.resource_count_is("Custom::AWS", 0)
    assert "LaunchTemplate" not in _instance(default)


@pytest.fixture(scope="module")
def spot() -> Template:
    return _build(nag=True, spot=True)[1]


def test_spot_is_a_persistent_request_that_stops_on_interruption(spot: Template) -> None:
    assert _cfn_lint_errors(spot) == ""
    [(name, launch_template)] = spot.find_resources("AWS::EC2::LaunchTemplate").items()
    data = launch_template["Properties"]["LaunchTemplateData"]
    assert data["InstanceMarketOptions"] == {
        "MarketType": "spot",
        "SpotOptions": {"SpotInstanceType": "persistent", "InstanceInterruptionBehavior": "stop"},
    }
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert _instance(spot)["LaunchTemplate"] == {
        "LaunchTemplateId": {"Ref": name},
        "Version": {"Fn::GetAtt": [name, "LatestVersionNumber"]},
    }


def _sdk_call(value: Any) -> dict[str, Any]:
    """An AwsCustomResource call (JSON, possibly in an Fn::Join) with references replaced by <ref>."""
    text = (
        value if isinstance(value, str) else "".join(p if isinstance(p, str) else "<ref>" for p in value["Fn::Join"][1])
    )
    return dict(json.loads(text))


def test_destroying_a_spot_instance_cancels_its_persistent_request_first(spot: Template) -> None:
    [instance_id] = spot.find_resources("AWS::EC2::Instance")
    [cleanup] = spot.find_resources("Custom::AWS").values()
    create = _sdk_call(cleanup["Properties"]["Create"])
    assert (create["service"], create["action"]) == ("EC2", "describeInstances")
    assert create["parameters"] == {"InstanceIds": ["<ref>"]}
    # Referencing the instance makes CloudFormation delete this resource (cancel) before the instance.
    assert {"Ref": instance_id} in cleanup["Properties"]["Create"]["Fn::Join"][1]
    assert create["physicalResourceId"] == {"responsePath": "Reservations.0.Instances.0.SpotInstanceRequestId"}
    delete = _sdk_call(cleanup["Properties"]["Delete"])
    assert (delete["service"], delete["action"]) == ("EC2", "cancelSpotInstanceRequests")
    assert delete["parameters"] == {"SpotInstanceRequestIds": ["PHYSICAL:RESOURCEID:"]}  # the id recorded at create
    # Its handler logs to a group of the construct that destroy removes (the app gives CDK's other handlers theirs).
    handler_id = cleanup["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    log_group = spot.to_json()["Resources"][handler_id]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert spot.to_json()["Resources"][log_group]["DeletionPolicy"] == "Delete"


# Role -----------------------------------------------------------------------------------------------------------


def test_role_has_ssm_core_and_publishes_metrics_to_the_agents_namespace_only() -> None:
    workstation, template = _build()
    role = template.to_json()["Resources"][
        cdk.Stack.of(workstation).get_logical_id(workstation.role.node.default_child)
    ]  # type: ignore[arg-type]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"
    }
    [managed] = role["Properties"]["ManagedPolicyArns"]
    assert ":iam::aws:policy/AmazonSSMManagedInstanceCore" in json.dumps(managed)
    assert statements_of(template, workstation.role)["PublishIdleSignal"] == {
        "Sid": "PublishIdleSignal",
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": AGENT_CONFIG["metrics"]["namespace"]}},
    }


def test_grant_data_bucket_lists_the_bucket_and_reads_and_writes_its_objects() -> None:
    workstation, template = _build(data_bucket=True)
    stack = cdk.Stack.of(workstation)
    role_id = stack.get_logical_id(workstation.role.node.default_child)  # type: ignore[arg-type]
    bucket_id = stack.get_logical_id(stack.node.find_child("Data").node.default_child)  # type: ignore[arg-type]
    bucket_arn = {"Fn::GetAtt": [bucket_id, "Arn"]}
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like({"Sid": "ListDataBucket", "Action": "s3:ListBucket", "Resource": bucket_arn}),
                    Match.object_like(
                        {
                            "Sid": "ReadWriteDataObjects",
                            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                            "Resource": {"Fn::Join": ["", [bucket_arn, "/*"]]},
                        }
                    ),
                ]
            },
            "Roles": [{"Ref": role_id}],
        },
    )


# Network --------------------------------------------------------------------------------------------------------


def test_public_network_gives_a_public_ip_for_ssm_no_nat_and_egress_on_443_and_80_only(default: Template) -> None:
    default.resource_count_is("AWS::EC2::NatGateway", 0)
    default.resource_count_is("AWS::EC2::VPCEndpoint", 0)
    for subnet in default.find_resources("AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False
    [interface] = _instance(default)["NetworkInterfaces"]
    assert interface["AssociatePublicIpAddress"] is True
    for group in default.find_resources("AWS::EC2::SecurityGroup").values():
        ports = {(rule["FromPort"], rule["ToPort"]) for rule in group["Properties"]["SecurityGroupEgress"]}
        assert ports == {(443, 443), (80, 80)}


def test_flow_logs_go_to_a_short_lived_log_group_that_destroy_removes(default: Template) -> None:
    [(name, _)] = [
        (k, v)
        for k, v in default.find_resources("AWS::Logs::LogGroup").items()
        if any(
            fl["Properties"].get("LogGroupName") == {"Ref": k}
            for fl in default.find_resources("AWS::EC2::FlowLog").values()
        )
    ]
    default.has_resource("AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 7}, "DeletionPolicy": "Delete"})
    default.has_resource_properties(
        "AWS::EC2::FlowLog", {"LogDestinationType": "cloud-watch-logs", "LogGroupName": {"Ref": name}}
    )
    for log_group in default.find_resources("AWS::Logs::LogGroup").values():
        assert log_group["DeletionPolicy"] == "Delete"
        assert log_group["UpdateReplacePolicy"] == "Delete"


def test_private_nat_puts_the_instance_behind_one_nat_gateway() -> None:
    _, template = _build(nag=True, network="private-nat")
    assert _cfn_lint_errors(template) == ""
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    props = _instance(template)
    assert "NetworkInterfaces" not in props  # no public IP
    subnet = template.to_json()["Resources"][props["SubnetId"]["Ref"]]
    assert {"Key": "aws-cdk:subnet-type", "Value": "Private"} in subnet["Properties"]["Tags"]


def test_private_endpoints_have_no_internet_route_and_the_endpoints_ssm_needs() -> None:
    _, template = _build(nag=True, network="private-endpoints")
    assert _cfn_lint_errors(template) == ""
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint").values()
    services = sorted(json.dumps(e["Properties"]["ServiceName"]) for e in endpoints)
    for service in ("ssm", "ssmmessages", "ec2messages", "monitoring", "s3"):
        assert any(f".{service}" in s or f'{service}"' in s for s in services), (service, services)
    assert len(services) == 5
    assert "NetworkInterfaces" not in _instance(template)


# User data: JupyterLab over SSM, the CloudWatch agent, mlstack-train -------------------------------------------


def test_user_data_runs_jupyterlab_as_a_service_bound_to_localhost(default: Template) -> None:
    user_data = _user_data(default)
    assert "cat > /opt/mlstack/jupyterlab.service <<'MLSTACK_EOF'" in user_data
    assert "ExecStart=@@JUPYTER_ENV@@/bin/jupyter lab --ip=127.0.0.1 --port=@@PORT@@ --no-browser" in user_data
    assert "MLSTACK_JUPYTER_PORT=8888" in user_data
    assert "systemctl enable --now jupyterlab.service" in user_data
    assert "--ip=0.0.0.0" not in user_data
    # The agent config travels inside the user data, verbatim.
    assert json.dumps(AGENT_CONFIG["metrics"]["namespace"]) in user_data


def test_the_jupyter_port_is_a_setting() -> None:
    assert "MLSTACK_JUPYTER_PORT=8890" in _user_data(_workstation(jupyter_port=8890))


def test_agent_publishes_cpu_and_gpu_utilization_as_the_alarm_metric() -> None:
    metrics = AGENT_CONFIG["metrics"]
    assert metrics["append_dimensions"] == {"InstanceId": "${aws:InstanceId}"}
    assert ["InstanceId"] in metrics["aggregation_dimensions"]
    renamed = {
        plugin: {m["name"]: m.get("rename") for m in spec["measurement"]}
        for plugin, spec in metrics["metrics_collected"].items()
    }
    assert renamed["cpu"]["usage_active"] == "BusyPercent"
    assert renamed["nvidia_gpu"]["utilization_gpu"] == "BusyPercent"


def test_mlstack_train_is_valid_bash() -> None:
    script = ROOT / "stacks/constructs/gpu_workstation/user_data/mlstack-train.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_mlstack_train_follows_the_training_settings() -> None:
    script = train_command_script(
        prefix="mlstack",
        data_bucket_name="b",
        code_prefix="training/",
        training=TrainingSettings(base_model="bert-base-uncased", epochs=3, max_rows=0),
        corpus=yelp_dataset(DEFAULT_PUBLIC_DATASETS),
        region="eu-west-1",
    )
    assert "--model_name_or_path bert-base-uncased --epochs 3 --max_rows 0" in script
