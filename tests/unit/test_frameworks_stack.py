"""Frameworks stack: how it wires the network, the workstation, the idle stop and the Data stack's bucket, datasets
policy and training scripts together; its zones, outputs, nag and cfn-lint.

What each construct does with its props is proven in tests/unit/constructs/ (test_gpu_workstation: every AMI,
spot, network mode and the user data; test_network, test_idle_stop); the settings' messages in
tests/unit/config/test_frameworks.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks import outputs
from tests.conftest import ROOT, TEST_REGION, cfn_lint_errors, synth_app, template_of

LAYERS = "data,frameworks"
AGENT_CONFIG = json.loads((ROOT / "stacks/constructs/gpu_workstation/user_data/cloudwatch-agent.json").read_text())
ACCOUNT = "123456789012"
# Every setting the stack hands to its constructs or reads itself, changed at once in one synth, with the
# account known (as the CLI sets it with credentials): zones must need no look-up and nag must still pass.
CHANGED = {
    "frameworks.spot": "true",
    "frameworks.network": "private-nat",
    "frameworks.ami_id": "ami-0123456789abcdef0",
    "frameworks.idle_cpu_percent": "10",
    "frameworks.idle_stop_minutes": "30",
    "frameworks.availability_zone": "us-east-1b",
    "frameworks.jupyter_port": "8890",
    "training.base_model": "bert-base-uncased",
    "training.epochs": "3",
    "training.max_rows": "0",
}


@pytest.fixture(scope="module")
def frameworks() -> Template:
    # synth_app attaches cdk-nag and raises on any unacknowledged finding: every template here passed nag.
    return template_of(synth_app(layers=LAYERS), "Frameworks")


@pytest.fixture(scope="module")
def changed() -> Template:
    return template_of(synth_app(layers=LAYERS, account=ACCOUNT, **CHANGED), "Frameworks")


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


def test_nag_and_cfn_lint_pass_with_defaults_and_with_every_setting_changed(
    frameworks: Template, changed: Template
) -> None:
    assert cfn_lint_errors({"Frameworks": frameworks.to_json(), "Changed": changed.to_json()}) == ""


def test_the_frameworks_stack_is_absent_when_the_layer_is_off() -> None:
    assert [s.stack_name for s in synth_app(layers="data").stacks] == ["Mlstack-Data"]


# The Data stack's grants ----------------------------------------------------------------------------------------


def test_the_role_gets_the_data_stacks_datasets_policy_and_its_bucket(frameworks: Template) -> None:
    [role_ref] = _only(frameworks, "AWS::IAM::InstanceProfile")["Properties"]["Roles"]
    role = frameworks.to_json()["Resources"][role_ref["Ref"]]["Properties"]
    managed = sorted(json.dumps(arn) for arn in role["ManagedPolicyArns"])
    assert len(managed) == 2
    assert any(":iam::aws:policy/AmazonSSMManagedInstanceCore" in arn for arn in managed)
    # The public-datasets read policy, handed over by the Data stack.
    assert any("Mlstack-Data" in arn and "ReadPolicy" in arn for arn in managed)
    [bucket_policy] = [
        p
        for p in frameworks.find_resources("AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [role_ref]
        and any(s.get("Sid") == "ListDataBucket" for s in p["Properties"]["PolicyDocument"]["Statement"])
    ]
    for statement in bucket_policy["Properties"]["PolicyDocument"]["Statement"]:
        assert "Mlstack-Data" in json.dumps(statement["Resource"])  # the Data stack's bucket, by its output


# The idle stop watches this instance with the agent's metric ---------------------------------------------------


def test_the_idle_alarm_stops_this_instance_when_the_agents_busy_metric_stays_low(frameworks: Template) -> None:
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


def test_idle_threshold_and_duration_are_settings(changed: Template) -> None:
    changed.has_resource_properties("AWS::CloudWatch::Alarm", {"Threshold": 10, "EvaluationPeriods": 6})
    # The CPUUtilization fallback waits three times as long (IdleStop's own tests cover the rest).
    changed.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"Namespace": "AWS/EC2", "Threshold": 10, "EvaluationPeriods": 18}
    )


# Zones and network ----------------------------------------------------------------------------------------------


def test_zones_need_no_lookup_and_every_handler_logs_into_the_stack(frameworks: Template) -> None:
    for subnet in frameworks.find_resources("AWS::EC2::Subnet").values():
        # A look-up would have produced placeholder zones ("dummy1a") and a missing-context entry instead.
        assert subnet["Properties"]["AvailabilityZone"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    frameworks.resource_count_is("Custom::VpcRestrictDefaultSG", 1)
    [handler] = frameworks.find_resources("AWS::Lambda::Function").values()
    log_group_ref = handler["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert frameworks.to_json()["Resources"][log_group_ref]["Type"] == "AWS::Logs::LogGroup"


def test_the_settings_reach_the_network_the_zone_the_ami_and_spot_with_the_account_known(changed: Template) -> None:
    for subnet in changed.find_resources("AWS::EC2::Subnet").values():
        assert subnet["Properties"]["AvailabilityZone"] == "us-east-1b"
    changed.resource_count_is("AWS::EC2::NatGateway", 1)
    props = _instance(changed)
    assert "NetworkInterfaces" not in props  # private-nat: no public IP
    assert props["ImageId"] == "ami-0123456789abcdef0"
    assert "LaunchTemplate" in props
    changed.resource_count_is("Custom::AWS", 1)  # the spot request's cleanup
    for function in changed.find_resources("AWS::Lambda::Function").values():
        log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert changed.to_json()["Resources"][log_group]["DeletionPolicy"] == "Delete"


# Outputs --------------------------------------------------------------------------------------------------------


def test_outputs_print_the_exact_ssm_commands_and_where_the_ami_comes_from(frameworks: Template) -> None:
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
    assert found[outputs.WORKSTATION_AMI_PARAMETER]["Value"] == (
        "/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.10-ubuntu-24.04/latest/ami-id"
    )


def test_the_jupyter_port_and_a_pinned_ami_reach_the_outputs(changed: Template) -> None:
    assert "MLSTACK_JUPYTER_PORT=8890" in _user_data(changed)
    found = changed.to_json()["Outputs"]
    command = found[outputs.WORKSTATION_JUPYTER_COMMAND]["Value"]["Fn::Join"][1]
    assert """'{"portNumber":["8890"],"localPortNumber":["8890"]}'""" in command[-1]
    assert found[outputs.WORKSTATION_AMI_PARAMETER]["Value"] == "pinned: ami-0123456789abcdef0"


# mlstack-train: the Data stack's bucket and scripts, the prefix, the region, the training settings -------------


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


def test_mlstack_train_follows_the_training_settings(changed: Template) -> None:
    assert "--model_name_or_path bert-base-uncased --epochs 3 --max_rows 0" in _train_command(changed)
