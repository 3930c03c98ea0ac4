"""Frameworks stack: the DLAMI workstation's secure defaults, AMI choice, idle stop, network modes and settings."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks import outputs
from stacks.config import SettingsError, load_settings
from tests.conftest import ROOT, TEST_REGION, cdk_context, cfn_lint_errors, synth_app, template_of

LAYERS = "data,frameworks"
AGENT_CONFIG = json.loads((ROOT / "stacks/constructs/gpu_workstation/user_data/cloudwatch-agent.json").read_text())

# Every framework/OS pair a DLAMI exists for, with the public parameter it must resolve (written out, not derived
# from the settings code under test). pytorch on ubuntu-22.04 has no current DLAMI and is rejected (see below).
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


def _frameworks(**overrides: Any) -> Template:
    # synth_app attaches cdk-nag and raises on any unacknowledged finding: every template here passed nag.
    return template_of(synth_app(layers=LAYERS, **overrides), "Frameworks")


@pytest.fixture(scope="module")
def frameworks() -> Template:
    return _frameworks()


def _only(template: Template, resource_type: str) -> dict[str, Any]:
    [resource] = template.find_resources(resource_type).values()
    return resource


def _instance(template: Template) -> dict[str, Any]:
    return _only(template, "AWS::EC2::Instance")["Properties"]


def _user_data(template: Template) -> str:
    """The instance's user data with CloudFormation tokens replaced by <token>."""
    rendered = _instance(template)["UserData"]["Fn::Base64"]
    if isinstance(rendered, str):
        return rendered
    return "".join(part if isinstance(part, str) else "<token>" for part in rendered["Fn::Join"][1])


def _cfn_lint_errors(template: Template) -> str:
    return cfn_lint_errors({"Frameworks": template.to_json()})


# Instance -----------------------------------------------------------------------------------------------------


def test_no_key_pair_and_no_ingress_by_default(frameworks: Template) -> None:
    assert "KeyName" not in _instance(frameworks)
    frameworks.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)
    for group in frameworks.find_resources("AWS::EC2::SecurityGroup").values():
        assert "SecurityGroupIngress" not in group["Properties"]
        ports = {(rule["FromPort"], rule["ToPort"]) for rule in group["Properties"]["SecurityGroupEgress"]}
        assert ports == {(443, 443), (80, 80)}


def test_role_has_ssm_core_scoped_metrics_datasets_and_data_bucket_access(frameworks: Template) -> None:
    [role_ref] = _only(frameworks, "AWS::IAM::InstanceProfile")["Properties"]["Roles"]
    role = frameworks.to_json()["Resources"][role_ref["Ref"]]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    managed = sorted(json.dumps(arn) for arn in role["ManagedPolicyArns"])
    assert len(managed) == 2
    assert any(":iam::aws:policy/AmazonSSMManagedInstanceCore" in arn for arn in managed)
    # The public-datasets read policy, handed over by the Data stack.
    assert any("Mlstack-Data" in arn and "ReadPolicy" in arn for arn in managed)

    metrics_statement = {
        "Sid": "PublishIdleSignal",
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": AGENT_CONFIG["metrics"]["namespace"]}},
    }
    frameworks.has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyDocument": {"Statement": Match.array_with([metrics_statement])}, "Roles": [role_ref]},
    )
    frameworks.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like({"Sid": "ListDataBucket", "Action": "s3:ListBucket"}),
                    Match.object_like(
                        {
                            "Sid": "ReadWriteDataObjects",
                            "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                        }
                    ),
                ]
            },
            "Roles": [role_ref],
        },
    )


# AMI ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("framework", "os_name"), sorted(VALID_COMBINATIONS))
def test_every_framework_and_os_resolves_its_dlami_parameter_and_passes_nag_and_cfn_lint(
    framework: str, os_name: str
) -> None:
    template = _frameworks(**{"frameworks.framework": framework, "frameworks.os": os_name})
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


def test_pinned_ami_is_a_literal_id_and_drops_the_parameter() -> None:
    template = _frameworks(**{"frameworks.ami_id": "ami-0123456789abcdef0"})
    assert _instance(template)["ImageId"] == "ami-0123456789abcdef0"
    assert not any("deeplearning" in str(p.get("Default")) for p in template.to_json()["Parameters"].values())
    assert template.to_json()["Outputs"][outputs.WORKSTATION_AMI_PARAMETER]["Value"] == "pinned: ami-0123456789abcdef0"


# Spot -----------------------------------------------------------------------------------------------------------


def test_on_demand_by_default(frameworks: Template) -> None:
    frameworks.resource_count_is("AWS::EC2::LaunchTemplate", 0)
    assert "LaunchTemplate" not in _instance(frameworks)


def test_spot_is_a_persistent_request_that_stops_on_interruption() -> None:
    template = _frameworks(**{"frameworks.spot": "true"})
    assert _cfn_lint_errors(template) == ""
    [(name, launch_template)] = template.find_resources("AWS::EC2::LaunchTemplate").items()
    data = launch_template["Properties"]["LaunchTemplateData"]
    assert data["InstanceMarketOptions"] == {
        "MarketType": "spot",
        "SpotOptions": {"SpotInstanceType": "persistent", "InstanceInterruptionBehavior": "stop"},
    }
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert _instance(template)["LaunchTemplate"] == {
        "LaunchTemplateId": {"Ref": name},
        "Version": {"Fn::GetAtt": [name, "LatestVersionNumber"]},
    }


def _sdk_call(value: Any) -> dict[str, Any]:
    """An AwsCustomResource call (JSON, possibly in an Fn::Join) with references replaced by <ref>."""
    text = (
        value if isinstance(value, str) else "".join(p if isinstance(p, str) else "<ref>" for p in value["Fn::Join"][1])
    )
    return json.loads(text)


def test_destroying_a_spot_instance_cancels_its_persistent_request_first() -> None:
    template = _frameworks(**{"frameworks.spot": "true"})
    [instance_id] = template.find_resources("AWS::EC2::Instance")
    [cleanup] = template.find_resources("Custom::AWS").values()
    create = _sdk_call(cleanup["Properties"]["Create"])
    assert (create["service"], create["action"]) == ("EC2", "describeInstances")
    assert create["parameters"] == {"InstanceIds": ["<ref>"]}
    # Referencing the instance makes CloudFormation delete this resource (cancel) before the instance.
    assert {"Ref": instance_id} in cleanup["Properties"]["Create"]["Fn::Join"][1]
    assert create["physicalResourceId"] == {"responsePath": "Reservations.0.Instances.0.SpotInstanceRequestId"}
    delete = _sdk_call(cleanup["Properties"]["Delete"])
    assert (delete["service"], delete["action"]) == ("EC2", "cancelSpotInstanceRequests")
    assert delete["parameters"] == {"SpotInstanceRequestIds": ["PHYSICAL:RESOURCEID:"]}  # the id recorded at create
    for function in template.find_resources("AWS::Lambda::Function").values():
        log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert template.to_json()["Resources"][log_group]["DeletionPolicy"] == "Delete"


# Idle stop ------------------------------------------------------------------------------------------------------


def test_idle_alarm_stops_the_instance_when_cpu_and_gpu_are_idle(frameworks: Template) -> None:
    [instance_id] = frameworks.find_resources("AWS::EC2::Instance")
    frameworks.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmActions": [f"arn:aws:automate:{TEST_REGION}:ec2:stop"],
            "Namespace": AGENT_CONFIG["metrics"]["namespace"],
            "MetricName": "BusyPercent",
            "Dimensions": [{"Name": "InstanceId", "Value": {"Ref": instance_id}}],
            "Statistic": "Maximum",
            "Period": 300,
            "Threshold": 5,
            "ComparisonOperator": "LessThanThreshold",
            "EvaluationPeriods": 12,
            "DatapointsToAlarm": 12,
            "TreatMissingData": "notBreaching",
        },
    )


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


def test_idle_threshold_and_duration_are_settings() -> None:
    template = _frameworks(**{"frameworks.idle_cpu_percent": "10", "frameworks.idle_stop_minutes": "30"})
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"Threshold": 10, "EvaluationPeriods": 6})
    # The CPUUtilization fallback waits three times as long (IdleStop's own tests cover the rest).
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"Namespace": "AWS/EC2", "Threshold": 10, "EvaluationPeriods": 18}
    )


# Network --------------------------------------------------------------------------------------------------------


def test_default_network_is_public_with_no_nat_and_a_public_ip_for_ssm(frameworks: Template) -> None:
    frameworks.resource_count_is("AWS::EC2::NatGateway", 0)
    frameworks.resource_count_is("AWS::EC2::VPCEndpoint", 0)
    for subnet in frameworks.find_resources("AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False
        assert subnet["Properties"]["AvailabilityZone"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    [interface] = _instance(frameworks)["NetworkInterfaces"]
    assert interface["AssociatePublicIpAddress"] is True


def test_flow_logs_go_to_a_short_lived_log_group_that_destroy_removes(frameworks: Template) -> None:
    [(name, _)] = [
        (k, v)
        for k, v in frameworks.find_resources("AWS::Logs::LogGroup").items()
        if any(
            fl["Properties"].get("LogGroupName") == {"Ref": k}
            for fl in frameworks.find_resources("AWS::EC2::FlowLog").values()
        )
    ]
    frameworks.has_resource("AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 7}, "DeletionPolicy": "Delete"})
    frameworks.has_resource_properties(
        "AWS::EC2::FlowLog", {"LogDestinationType": "cloud-watch-logs", "LogGroupName": {"Ref": name}}
    )
    for log_group in frameworks.find_resources("AWS::Logs::LogGroup").values():
        assert log_group["DeletionPolicy"] == "Delete"
        assert log_group["UpdateReplacePolicy"] == "Delete"


def test_default_security_group_is_restricted_and_its_handler_logs_into_the_stack(frameworks: Template) -> None:
    frameworks.resource_count_is("Custom::VpcRestrictDefaultSG", 1)
    [handler] = frameworks.find_resources("AWS::Lambda::Function").values()
    log_group_ref = handler["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert frameworks.to_json()["Resources"][log_group_ref]["Type"] == "AWS::Logs::LogGroup"


def test_private_nat_puts_the_instance_behind_one_nat_gateway() -> None:
    template = _frameworks(**{"frameworks.network": "private-nat"})
    assert _cfn_lint_errors(template) == ""
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    props = _instance(template)
    assert "NetworkInterfaces" not in props  # no public IP
    subnet = template.to_json()["Resources"][props["SubnetId"]["Ref"]]
    assert {"Key": "aws-cdk:subnet-type", "Value": "Private"} in subnet["Properties"]["Tags"]


def test_private_endpoints_have_no_internet_route_and_the_endpoints_ssm_needs() -> None:
    template = _frameworks(**{"frameworks.network": "private-endpoints"})
    assert _cfn_lint_errors(template) == ""
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint").values()
    services = sorted(json.dumps(e["Properties"]["ServiceName"]) for e in endpoints)
    for service in ("ssm", "ssmmessages", "ec2messages", "monitoring", "s3"):
        assert any(f".{service}" in s or f'{service}"' in s for s in services), (service, services)
    assert len(services) == 5
    assert "NetworkInterfaces" not in _instance(template)


def test_configured_availability_zone_is_used() -> None:
    template = _frameworks(**{"frameworks.availability_zone": "us-east-1b"})
    for subnet in template.find_resources("AWS::EC2::Subnet").values():
        assert subnet["Properties"]["AvailabilityZone"] == "us-east-1b"


@pytest.mark.parametrize("spot", ["false", "true"])
def test_zones_need_no_lookup_and_nag_passes_when_the_account_is_known(spot: str) -> None:
    from app import create_app

    os.environ["CDK_DEFAULT_ACCOUNT"] = "123456789012"  # as the CLI sets it when credentials are present
    try:
        app, _ = create_app(cdk_context(layers=LAYERS, **{"frameworks.spot": spot}))
        assembly = app.synth()  # raises on any nag finding the acknowledgements miss with a literal account
    finally:
        os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
    template = Template.from_json(assembly.get_stack_by_name("Mlstack-Frameworks").template)
    for subnet in template.find_resources("AWS::EC2::Subnet").values():
        # A look-up would have produced placeholder zones ("dummy1a") and a missing-context entry instead.
        assert subnet["Properties"]["AvailabilityZone"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}


# JupyterLab over SSM --------------------------------------------------------------------------------------------


def test_user_data_runs_jupyterlab_as_a_service_bound_to_localhost(frameworks: Template) -> None:
    user_data = _user_data(frameworks)
    assert "cat > /opt/mlstack/jupyterlab.service <<'MLSTACK_EOF'" in user_data
    assert "ExecStart=@@JUPYTER_ENV@@/bin/jupyter lab --ip=127.0.0.1 --port=@@PORT@@ --no-browser" in user_data
    assert "MLSTACK_JUPYTER_PORT=8888" in user_data
    assert "systemctl enable --now jupyterlab.service" in user_data
    assert "--ip=0.0.0.0" not in user_data
    # The agent config travels inside the user data, verbatim.
    assert json.dumps(AGENT_CONFIG["metrics"]["namespace"]) in user_data


def test_jupyter_port_is_a_setting() -> None:
    template = _frameworks(**{"frameworks.jupyter_port": "8890"})
    assert "MLSTACK_JUPYTER_PORT=8890" in _user_data(template)
    command = template.to_json()["Outputs"][outputs.WORKSTATION_JUPYTER_COMMAND]["Value"]["Fn::Join"][1]
    assert """'{"portNumber":["8890"],"localPortNumber":["8890"]}'""" in command[-1]


def test_outputs_print_the_exact_ssm_commands(frameworks: Template) -> None:
    [instance_id] = frameworks.find_resources("AWS::EC2::Instance")
    found = frameworks.to_json()["Outputs"]
    assert found[outputs.WORKSTATION_INSTANCE_ID]["Value"] == {"Ref": instance_id}
    assert found[outputs.WORKSTATION_SHELL_COMMAND]["Value"] == {
        "Fn::Join": ["", ["aws ssm start-session --target ", {"Ref": instance_id}, f" --region {TEST_REGION}"]]
    }
    assert found[outputs.WORKSTATION_JUPYTER_COMMAND]["Value"] == {
        "Fn::Join": [
            "",
            [
                "aws ssm start-session --target ",
                {"Ref": instance_id},
                f" --region {TEST_REGION} --document-name AWS-StartPortForwardingSession "
                """--parameters '{"portNumber":["8888"],"localPortNumber":["8888"]}'""",
            ],
        ]
    }


def test_frameworks_stack_is_absent_when_the_layer_is_off() -> None:
    assert [s.stack_name for s in synth_app(layers="data").stacks] == ["Mlstack-Data"]


# Settings -------------------------------------------------------------------------------------------------------


def test_defaults() -> None:
    settings = load_settings(cdk_context()).frameworks
    assert (settings.instance_type, settings.framework, settings.os) == ("g4dn.xlarge", "pytorch", "ubuntu-24.04")
    assert (settings.network, settings.spot, settings.ami_id, settings.key_pair_name) == ("public", False, None, None)
    assert (settings.idle_cpu_percent, settings.idle_stop_minutes, settings.root_volume_gb) == (5, 60, 125)


def test_a_cpu_type_is_accepted_with_allow_cpu() -> None:
    settings = load_settings(
        cdk_context(**{"frameworks.instance_type": "m7i.large", "frameworks.allow_cpu": "true"})
    ).frameworks
    assert settings.instance_type == "m7i.large"


@pytest.mark.parametrize(
    ("overrides", "expected_line"),
    [
        (
            {"frameworks.instance_type": "t3.large"},
            "frameworks.instance_type='t3.large': t3 has no NVIDIA GPU; use one of the GPU families: g4dn, g5, g6,",
        ),
        (
            {"frameworks.instance_type": "x9z.huge"},
            "frameworks.instance_type='x9z.huge': x9z has no NVIDIA GPU; use one of the GPU families: g4dn,",
        ),
        (
            {"frameworks.instance_type": "g5g.xlarge"},
            "frameworks.instance_type='g5g.xlarge': g5g is arm64; the DLAMIs used here are x86_64;",
        ),
        (
            {"frameworks.instance_type": "m7g.large", "frameworks.allow_cpu": "true"},
            "frameworks.instance_type='m7g.large': m7g is arm64",
        ),
        (
            {"frameworks.instance_type": "big-gpu"},
            "frameworks.instance_type='big-gpu': an EC2 instance type: family.size, e.g. g4dn.xlarge",
        ),
        (
            {"frameworks.framework": "mxnet"},
            "frameworks.framework='mxnet': Apache MXNet is retired (moved to the Apache Attic in 2023) and no "
            "current DLAMI ships it; choose pytorch, or base/tensorflow",
        ),
        ({"frameworks.framework": "jax"}, "frameworks.framework='jax': one of base, pytorch, tensorflow, e.g. pytorch"),
        (
            {"frameworks.framework": "pytorch", "frameworks.os": "ubuntu-22.04"},
            "frameworks.os='ubuntu-22.04': no pytorch DLAMI for ubuntu-22.04: current PyTorch DLAMIs are built "
            "for ubuntu-24.04 and amazon-linux-2023 only",
        ),
        (
            {"frameworks.os": "debian-12"},
            "frameworks.os='debian-12': one of ubuntu-22.04, ubuntu-24.04, amazon-linux-2023",
        ),
        (
            {"frameworks.network": "private-endpoints", "frameworks.framework": "base"},
            "frameworks: network=private-endpoints has no internet access, but framework=base installs JupyterLab",
        ),
        (
            {"frameworks.ami_id": "ami-xyz"},
            "frameworks.ami_id='ami-xyz': an AMI id: ami- and 17 (or 8) hexadecimal digits",
        ),
        (
            {"frameworks.idle_stop_minutes": "5"},
            "frameworks.idle_stop_minutes='5': a whole number from 10 to 1440 in steps of 5",
        ),
        (
            {"frameworks.idle_stop_minutes": "62"},
            "frameworks.idle_stop_minutes='62': a whole number from 10 to 1440 in steps of 5",
        ),
        (
            {"frameworks.idle_cpu_percent": "0"},
            "frameworks.idle_cpu_percent='0': a number greater than 0 and less than 100",
        ),
        ({"frameworks.root_volume_gb": "50"}, "frameworks.root_volume_gb='50': a whole number from 100 to 16384"),
        ({"frameworks.network": "vpn"}, "frameworks.network='vpn': one of public, private-nat, private-endpoints"),
    ],
)
def test_invalid_frameworks_settings_give_one_line_each(overrides: dict[str, str], expected_line: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(**overrides))
    [problem] = caught.value.problems
    assert problem.startswith(expected_line), problem
    assert "\n" not in problem


def test_mxnet_fails_the_app_with_one_line_and_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    # app.py's main in this process (test_app.py runs it as the CLI does, in a process of its own)
    from app import main

    assert main(cdk_context(**{"frameworks.framework": "mxnet"})) == 2
    [problem] = capsys.readouterr().err.splitlines()
    assert problem.startswith("mlstack: invalid setting: frameworks.framework='mxnet': Apache MXNet is retired")


# Training on the workstation ------------------------------------------------------------------------------------


def _train_command(template: Template) -> str:
    user_data = _user_data(template)
    start = user_data.index("cat > /usr/local/bin/mlstack-train <<'MLSTACK_EOF'\n")
    end = user_data.index("\nMLSTACK_EOF", start)
    assert "chmod 755 /usr/local/bin/mlstack-train" in user_data[end:]
    return user_data[start:end]


def test_user_data_installs_mlstack_train_running_the_training_script_on_every_gpu(frameworks: Template) -> None:
    script = _train_command(frameworks)
    # The script the Data stack copies to the data bucket (a token here: the bucket is the Data stack's).
    assert 'bucket=<token>\ncode_url="s3://$bucket/training/scripts/sentiment/"' in script
    assert 'data_url="${MLSTACK_TRAIN_DATA:-s3://fast-ai-nlp/yelp_review_polarity_csv.tgz}"' in script
    assert "data_region=us-east-1" in script
    assert "-m torch.distributed.run --standalone --nproc_per_node=gpu train.py" in script
    # SageMaker's script-mode contract, and the training settings' defaults.
    for variable in ("SM_MODEL_DIR=", "SM_CHANNEL_TRAIN=", "SM_OUTPUT_DATA_DIR="):
        assert variable in script
    assert "--model_name_or_path distilbert-base-uncased --epochs 1 --max_rows 100000" in script
    # The model goes where the endpoint may serve it from, as the archive the inference container loads.
    assert 'model_url="s3://$bucket/models/workstation/$stamp/"' in script
    assert 'tar -czf "$run/model.tar.gz"' in script
    # The command `mlstack train` prints (stacks/serve_command.py), the model's URL appended.
    assert (
        "mlstack cdk deploy Mlstack-Platform --prefix mlstack -c platform.model_data_url=${model_url}model.tar.gz"
        in script
    )
    assert "@@" not in script.replace("@@NAME@@", "")  # every marker filled


def test_mlstack_train_follows_the_training_settings() -> None:
    template = template_of(
        synth_app(
            layers=LAYERS,
            **{"training.base_model": "bert-base-uncased", "training.epochs": "3", "training.max_rows": "0"},
        ),
        "Frameworks",
    )
    assert "--model_name_or_path bert-base-uncased --epochs 3 --max_rows 0" in _train_command(template)


def test_mlstack_train_is_valid_bash() -> None:
    script = ROOT / "stacks/constructs/gpu_workstation/user_data/mlstack-train.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
