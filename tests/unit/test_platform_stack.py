"""Platform stack: the notebook's security and auto-stop, its role's exact scope, the endpoint's variants."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.config import SettingsError, load_settings
from tests.conftest import cdk_context, synth_app, template_of

ACCOUNT = {"Ref": "AWS::AccountId"}
DATA_BUCKET_ARN = {
    "Fn::GetStackOutput": {
        "StackName": "Mlstack-Data",
        "Region": "us-east-1",
        "OutputName": "PublishOutputFnGetAttDataLakeDataBucket9C6EFFB9Arn60967BE1",
    }
}


@pytest.fixture(scope="module")
def platform() -> Template:
    return template_of(synth_app(layers="data,platform"), "Platform")


def _only(template: Template, kind: str) -> dict[str, Any]:
    [resource] = template.find_resources(kind).values()
    return resource


def _arn(service: str, resource: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [f"arn:aws:{service}:us-east-1:", ACCOUNT, f":{resource}"]]}


def _role_statements(template: Template, marker_sid: str) -> dict[str, dict[str, Any]]:
    """Statements by Sid of the one role policy that contains `marker_sid`."""
    for policy in template.find_resources("AWS::IAM::Policy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(s.get("Sid") == marker_sid for s in statements):
            return {s.get("Sid", f"#{i}"): s for i, s in enumerate(statements)}
    raise AssertionError(f"no policy with statement {marker_sid}")


def _script(hook: list[dict[str, Any]]) -> str:
    """A lifecycle hook's script: Fn::Base64 of plain text, or of a Fn::Join with references."""
    content = hook[0]["Content"]["Fn::Base64"]
    if isinstance(content, str):
        return content
    return "".join(part if isinstance(part, str) else "<ref>" for part in content["Fn::Join"][1])


# Notebook instance


def test_notebook_is_encrypted_imdsv2_only_without_root_and_named_by_prefix(platform: Template) -> None:
    notebook = _only(platform, "AWS::SageMaker::NotebookInstance")["Properties"]
    [key_id] = platform.find_resources("AWS::KMS::Key")
    assert notebook["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert notebook["RootAccess"] == "Disabled"
    assert notebook["InstanceMetadataServiceConfiguration"] == {"MinimumInstanceMetadataServiceVersion": "2"}
    assert notebook["NotebookInstanceName"] == "mlstack-notebook"
    assert notebook["InstanceType"] == "ml.t3.medium"
    assert notebook["VolumeSizeInGB"] == 5
    assert notebook["PlatformIdentifier"] == "notebook-al2023-v1"
    assert notebook["DirectInternetAccess"] == "Enabled"
    assert "SubnetId" not in notebook


def test_stack_key_rotates_and_is_deleted_with_the_stack(platform: Template) -> None:
    key = _only(platform, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["PendingWindowInDays"] == 7
    assert key["DeletionPolicy"] == "Delete"


def test_log_groups_are_encrypted_with_the_stack_key_kept_briefly_and_destroyed(platform: Template) -> None:
    [key_id] = platform.find_resources("AWS::KMS::Key")
    groups = platform.find_resources("AWS::Logs::LogGroup").values()
    assert len(groups) == 2  # endpoint container logs, sample-deployment function logs
    for group in groups:
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
        assert group["Properties"]["RetentionInDays"] in (7, 30)
        assert group["DeletionPolicy"] == "Delete"
    statements = _only(platform, "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
    [logs] = [s for s in statements if s.get("Sid") == "EncryptLogGroupsOfThisAccount"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": _arn("logs", "log-group:*")}}


def test_auto_stop_script_is_attached_and_runs_the_idle_check_from_cron(platform: Template) -> None:
    [(lifecycle_id, lifecycle)] = platform.find_resources("AWS::SageMaker::NotebookInstanceLifecycleConfig").items()
    notebook = _only(platform, "AWS::SageMaker::NotebookInstance")["Properties"]
    assert notebook["LifecycleConfigName"] == {"Fn::GetAtt": [lifecycle_id, "NotebookInstanceLifecycleConfigName"]}
    on_start = _script(lifecycle["Properties"]["OnStart"])
    assert "$CHECK --idle-minutes 60 --started-at $(date +%s) --region us-east-1" in on_start
    assert "crontab" in on_start
    assert "def is_idle(" in on_start  # the check itself travels inside the script
    on_create = _script(lifecycle["Properties"]["OnCreate"])
    assert 'aws s3 cp --recursive --only-show-errors --region us-east-1 "s3://<ref>/notebooks/"' in on_create


def test_idle_stop_minutes_is_a_setting_and_zero_disables_it() -> None:
    template = template_of(
        synth_app(layers="data,platform", **{"platform.notebook_idle_stop_minutes": "15"}), "Platform"
    )
    lifecycle = _only(template, "AWS::SageMaker::NotebookInstanceLifecycleConfig")["Properties"]
    assert "--idle-minutes 15 " in _script(lifecycle["OnStart"])

    template = template_of(
        synth_app(layers="data,platform", **{"platform.notebook_idle_stop_minutes": "0"}), "Platform"
    )
    lifecycle = _only(template, "AWS::SageMaker::NotebookInstanceLifecycleConfig")["Properties"]
    assert "OnStart" not in lifecycle
    assert "OnCreate" in lifecycle  # samples are still copied


def test_lifecycle_content_is_base64_encoded_by_cloudformation(platform: Template) -> None:
    lifecycle = _only(platform, "AWS::SageMaker::NotebookInstanceLifecycleConfig")["Properties"]
    script = lifecycle["OnStart"][0]["Content"]["Fn::Base64"]
    # The service limit is 16384 characters of base64 per script.
    assert len(base64.b64encode(script.encode())) <= 16384


def test_notebook_overrides_root_access_type_volume_platform() -> None:
    template = template_of(
        synth_app(
            layers="data,platform",
            **{
                "platform.notebook_root_access": "true",
                "platform.notebook_instance_type": "ml.m5.xlarge",
                "platform.notebook_volume_size_gb": "20",
                "platform.notebook_platform": "notebook-al2-v3",
            },
        ),
        "Platform",
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


def test_vpc_network_mode_turns_direct_internet_off_with_endpoints_and_no_nat() -> None:
    template = template_of(synth_app(layers="data,platform", **{"platform.notebook_network": "vpc"}), "Platform")
    notebook = _only(template, "AWS::SageMaker::NotebookInstance")["Properties"]
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


# Notebook role


def test_notebook_role_sagemaker_statements_are_scoped_to_the_prefix(platform: Template) -> None:
    statements = _role_statements(platform, "StopThisNotebookWhenIdle")
    prefixed = [
        _arn("sagemaker", "endpoint-config/mlstack-*"),
        _arn("sagemaker", "endpoint/mlstack-*"),
        _arn("sagemaker", "model/mlstack-*"),
        _arn("sagemaker", "training-job/mlstack-*"),
    ]
    assert statements["StopThisNotebookWhenIdle"] == {
        "Sid": "StopThisNotebookWhenIdle",
        "Effect": "Allow",
        "Action": ["sagemaker:DescribeNotebookInstance", "sagemaker:StopNotebookInstance"],
        "Resource": _arn("sagemaker", "notebook-instance/mlstack-notebook"),
    }
    assert statements["CreatePrefixedTaggedResources"] == {
        "Sid": "CreatePrefixedTaggedResources",
        "Effect": "Allow",
        "Action": [
            "sagemaker:AddTags",
            "sagemaker:CreateEndpoint",
            "sagemaker:CreateEndpointConfig",
            "sagemaker:CreateModel",
            "sagemaker:CreateTrainingJob",
        ],
        "Resource": prefixed,
        "Condition": {"StringEquals": {"aws:RequestTag/mlstack:prefix": "mlstack"}},
    }
    manage = statements["ManagePrefixedResources"]
    assert manage["Resource"] == prefixed
    assert "Condition" not in manage
    assert set(manage["Action"]) == {
        "sagemaker:DescribeTrainingJob",
        "sagemaker:StopTrainingJob",
        "sagemaker:DescribeModel",
        "sagemaker:DeleteModel",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:DeleteEndpointConfig",
        "sagemaker:DescribeEndpoint",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteEndpoint",
        "sagemaker:InvokeEndpoint",
    }


def _role_id(template: Template, start: str) -> str:
    [role_id] = [logical_id for logical_id in template.find_resources("AWS::IAM::Role") if logical_id.startswith(start)]
    return role_id


def test_notebook_role_passes_only_itself_and_the_training_role_and_only_to_sagemaker(platform: Template) -> None:
    statements = _role_statements(platform, "StopThisNotebookWhenIdle")
    for sid, role_id in (
        ("PassOwnRoleToSageMaker", _role_id(platform, "NotebookRole")),
        ("PassTrainingRoleToSageMaker", _role_id(platform, "TrainingRole")),
    ):
        assert statements[sid] == {
            "Sid": sid,
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": {"Fn::GetAtt": [role_id, "Arn"]},
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        }
    passes = [s for s in statements.values() if "iam:PassRole" in s["Action"]]
    assert len(passes) == 3
    spark = statements["PassSparkJobRoleToEmrServerless"]  # the Data stack's Spark job role, to EMR Serverless only
    assert spark["Condition"] == {"StringEquals": {"iam:PassedToService": "emr-serverless.amazonaws.com"}}
    assert "SparkJobRole" in spark["Resource"]["Fn::GetStackOutput"]["OutputName"]


def test_notebook_role_reads_and_writes_the_data_bucket_and_queries_athena(platform: Template) -> None:
    statements = _role_statements(platform, "StopThisNotebookWhenIdle")
    assert statements["ReadWriteDataBucketObjects"]["Action"] == [
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:PutObject",
    ]
    assert statements["ReadWriteDataBucketObjects"]["Resource"] == {"Fn::Join": ["", [DATA_BUCKET_ARN, "/*"]]}
    assert statements["ListDataBucket"]["Resource"] == DATA_BUCKET_ARN
    athena = [s for s in statements.values() if "athena:StartQueryExecution" in s["Action"]]
    assert len(athena) == 1
    assert ":workgroup/" in str(athena[0]["Resource"])
    role = next(r for i, r in platform.find_resources("AWS::IAM::Role").items() if i.startswith("NotebookRole"))
    [managed] = role["Properties"]["ManagedPolicyArns"]
    assert managed["Fn::GetStackOutput"]["OutputName"].startswith("PublishOutputRefPublicDatasetsReadPolicy")


def test_notebook_role_logs_and_image_pulls_are_scoped(platform: Template) -> None:
    statements = _role_statements(platform, "StopThisNotebookWhenIdle")
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
    assert statements["PullDeepLearningContainers"]["Resource"] == "arn:aws:ecr:us-east-1:763104351884:repository/*"
    # The only "*" resource: GetAuthorizationToken has no resource-level permissions.
    wildcard = [s for s in statements.values() if s["Resource"] == "*"]
    assert wildcard == [statements["LogInToEcr"]]
    assert statements["LogInToEcr"]["Action"] == "ecr:GetAuthorizationToken"
    actions = [a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not [a for a in actions if a.startswith("sagemaker:") and "*" in a]


# Training role


def _objects(prefix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [DATA_BUCKET_ARN, f"/{prefix}*"]]}


def test_training_role_has_exactly_data_in_model_out_image_logs_and_metrics(platform: Template) -> None:
    statements = _role_statements(platform, "PullTrainingImage")
    assert statements == {
        "ListTrainingInputsAndCheckpoints": {
            "Sid": "ListTrainingInputsAndCheckpoints",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": DATA_BUCKET_ARN,
            "Condition": {"StringLike": {"s3:prefix": ["training/*", "checkpoints/*"]}},
        },
        "ReadTrainingInputsAndCheckpoints": {
            "Sid": "ReadTrainingInputsAndCheckpoints",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [_objects("checkpoints/"), _objects("training/")],
        },
        "WriteModelsAndCheckpoints": {
            "Sid": "WriteModelsAndCheckpoints",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
            "Resource": [_objects("checkpoints/"), _objects("models/")],
        },
        "PullTrainingImage": {
            "Sid": "PullTrainingImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-training",
        },
        "LogInToEcr": {"Sid": "LogInToEcr", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        "WriteOwnJobLogs": {
            "Sid": "WriteOwnJobLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": _arn("logs", "log-group:/aws/sagemaker/TrainingJobs:log-stream:mlstack-*"),
        },
        "CreateTrainingLogGroup": {
            "Sid": "CreateTrainingLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
            "Resource": _arn("logs", "log-group:/aws/sagemaker/TrainingJobs:*"),
        },
        "PublishTrainingMetrics": {
            "Sid": "PublishTrainingMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}},
        },
    }
    role = platform.find_resources("AWS::IAM::Role")[_role_id(platform, "TrainingRole")]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
    ]
    # The public datasets come from the Data stack's read policy, passed as a constructor value (no export).
    [managed] = role["ManagedPolicyArns"]
    assert managed["Fn::GetStackOutput"]["OutputName"].startswith("PublishOutputRefPublicDatasetsReadPolicy")
    # Nothing but the one default policy: no other inline or managed grants.
    attached = [
        p for p in platform.find_resources("AWS::IAM::Policy").values()
        if {"Ref": _role_id(platform, "TrainingRole")} in p["Properties"]["Roles"]
    ]  # fmt: skip
    assert len(attached) == 1


def test_training_role_scope_follows_the_prefix_and_its_arn_is_an_output() -> None:
    template = template_of(synth_app(layers="data,platform", prefix="team-a"), "Platform", prefix="Team-A")
    statements = _role_statements(template, "PullTrainingImage")
    assert statements["WriteOwnJobLogs"]["Resource"] == _arn(
        "logs", "log-group:/aws/sagemaker/TrainingJobs:log-stream:team-a-*"
    )
    output = template.to_json()["Outputs"]["TrainingRoleArn"]
    assert output["Value"] == {"Fn::GetAtt": [_role_id(template, "TrainingRole"), "Arn"]}


def test_training_role_pulls_no_image_where_aws_publishes_none() -> None:
    template = template_of(
        synth_app(layers="data,platform", region="mx-central-1", **{"platform.endpoint_enabled": "false"}), "Platform"
    )
    statements = _role_statements(template, "WriteOwnJobLogs")
    assert {"PullTrainingImage", "LogInToEcr"}.isdisjoint(statements)


# Inference endpoint


@pytest.mark.parametrize(
    ("region", "account"),
    [
        ("af-south-1", "626614931356"),
        ("ap-northeast-3", "364406365360"),
        ("il-central-1", "780543022126"),
        ("ca-west-1", "204538143572"),
        ("us-east-1", "763104351884"),  # CDK's fact
        ("ap-east-1", "871362719292"),  # CDK's fact, an account of its own
        ("mx-central-1", None),
    ],
)
def test_dlc_accounts_cover_the_regions_the_sagemaker_sdk_lists(region: str, account: str | None) -> None:
    from stacks.constructs.inference_endpoint import dlc_account, dlc_image_uri

    assert dlc_account(region) == account
    if account:
        assert dlc_image_uri(region, "t").startswith(f"{account}.dkr.ecr.{region}.amazonaws.com/")


def test_model_uses_the_regional_hugging_face_dlc_and_settings(platform: Template) -> None:
    model = _only(platform, "AWS::SageMaker::Model")["Properties"]
    assert model["PrimaryContainer"] == {
        "Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:"
        "2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04",
        "Environment": {
            "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
            "HF_TASK": "text-classification",
        },
    }


def test_model_role_pulls_only_its_image_and_writes_only_its_logs(platform: Template) -> None:
    statements = _role_statements(platform, "PullInferenceImage")
    [log_group_id] = [i for i in platform.find_resources("AWS::Logs::LogGroup") if i.startswith("InferenceLogs")]
    assert statements == {
        "PullInferenceImage": {
            "Sid": "PullInferenceImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-inference",
        },
        "LogInToEcr": {"Sid": "LogInToEcr", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        "WriteEndpointLogs": {
            "Sid": "WriteEndpointLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
        },
    }
    platform.has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/aws/sagemaker/Endpoints/mlstack-endpoint", "RetentionInDays": 30}
    )


TRAINED_MODEL = "s3://mlstack-data-bucket/models/mlstack-train-1/output/model.tar.gz"


def test_without_model_data_url_the_model_is_the_hub_model_and_the_role_reads_no_s3(platform: Template) -> None:
    model = _only(platform, "AWS::SageMaker::Model")["Properties"]
    assert "ModelDataUrl" not in model["PrimaryContainer"]
    assert "EnableNetworkIsolation" not in model
    statements = _role_statements(platform, "PullInferenceImage")
    assert not [s for s in statements.values() if any(a.startswith("s3:") for a in s["Action"])]


@pytest.fixture(scope="module")
def trained() -> Template:
    return template_of(synth_app(layers="data,platform", **{"platform.model_data_url": TRAINED_MODEL}), "Platform")


def test_model_data_url_serves_the_trained_archive_instead_of_the_hub_model(trained: Template) -> None:
    model = _only(trained, "AWS::SageMaker::Model")["Properties"]
    assert model["PrimaryContainer"] == {
        "Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:"
        "2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04",
        "ModelDataUrl": TRAINED_MODEL,
        "Environment": {"HF_TASK": "text-classification"},
    }
    # The archive is downloaded by SageMaker: the container needs no network.
    assert model["EnableNetworkIsolation"] is True
    [variant] = _only(trained, "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 4096, "MaxConcurrency": 2}


def test_model_role_reads_exactly_the_trained_archive_in_the_data_bucket(trained: Template) -> None:
    statements = _role_statements(trained, "PullInferenceImage")
    assert statements["ReadModelArchive"] == {
        "Sid": "ReadModelArchive",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": {"Fn::Join": ["", [DATA_BUCKET_ARN, "/models/mlstack-train-1/output/model.tar.gz"]]},
    }
    assert set(statements) == {"PullInferenceImage", "LogInToEcr", "WriteEndpointLogs", "ReadModelArchive"}


def test_endpoint_is_serverless_by_default_without_kms(platform: Template) -> None:
    config = _only(platform, "AWS::SageMaker::EndpointConfig")["Properties"]
    [variant] = config["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 4096, "MaxConcurrency": 2}
    assert "InstanceType" not in variant
    assert "KmsKeyId" not in config  # SageMaker rejects a key for serverless variants
    platform.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "mlstack-endpoint"})


def test_serverless_memory_and_concurrency_are_settings() -> None:
    template = template_of(
        synth_app(
            layers="data,platform",
            **{"platform.endpoint_memory_mb": "3072", "platform.endpoint_max_concurrency": "20"},
        ),
        "Platform",
    )
    config = _only(template, "AWS::SageMaker::EndpointConfig")["Properties"]
    assert config["ProductionVariants"][0]["ServerlessConfig"] == {"MemorySizeInMB": 3072, "MaxConcurrency": 20}


def test_instance_type_makes_an_instance_backed_endpoint_with_kms() -> None:
    template = template_of(
        synth_app(layers="data,platform", **{"platform.endpoint_instance_type": "ml.m5.large"}), "Platform"
    )
    config = _only(template, "AWS::SageMaker::EndpointConfig")["Properties"]
    [variant] = config["ProductionVariants"]
    assert variant["InstanceType"] == "ml.m5.large"
    assert variant["InitialInstanceCount"] == 1
    assert "ServerlessConfig" not in variant
    [key_id] = template.find_resources("AWS::KMS::Key")
    assert config["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_instance_types_with_local_nvme_storage_get_no_kms_key() -> None:
    template = template_of(
        synth_app(layers="data,platform", **{"platform.endpoint_instance_type": "ml.g4dn.xlarge"}), "Platform"
    )
    config = _only(template, "AWS::SageMaker::EndpointConfig")["Properties"]
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.g4dn.xlarge"
    assert "KmsKeyId" not in config


def test_alarms_on_model_errors_and_5xx(platform: Template) -> None:
    alarms = platform.find_resources("AWS::CloudWatch::Alarm").values()
    assert sorted(a["Properties"]["MetricName"] for a in alarms) == ["Invocation5XXErrors", "InvocationModelErrors"]
    for alarm in alarms:
        props = alarm["Properties"]
        assert props["Namespace"] == "AWS/SageMaker"
        assert props["Dimensions"] == [
            {"Name": "EndpointName", "Value": "mlstack-endpoint"},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ]
        assert props["Threshold"] == 1
        assert props["TreatMissingData"] == "notBreaching"


def test_platform_stack_exposes_the_endpoint_for_api_services() -> None:
    from app import create_app

    app, _ = create_app(cdk_context(layers="data,platform"))
    stack = app.node.find_child("Mlstack-Platform")
    [endpoint_id] = [c.node.id for c in stack.node.find_child("Inference").node.children if c.node.id == "Endpoint"]
    endpoint = stack.node.find_child("Inference").node.find_child(endpoint_id)
    assert stack.resolve(stack.endpoint_name) == {"Fn::GetAtt": [stack.get_logical_id(endpoint), "EndpointName"]}
    assert stack.resolve(stack.endpoint_arn) == {"Ref": stack.get_logical_id(endpoint)}


def test_endpoint_can_be_disabled() -> None:
    from app import create_app

    app, _ = create_app(cdk_context(layers="data,platform", **{"platform.endpoint_enabled": "false"}))
    stack = app.node.find_child("Mlstack-Platform")
    assert stack.endpoint_name is None and stack.endpoint_arn is None
    template = Template.from_stack(stack)
    for kind in ("AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint"):
        template.resource_count_is(kind, 0)
    template.resource_count_is("AWS::CloudWatch::Alarm", 0)
    assert "EndpointName" not in template.to_json().get("Outputs", {})
    template.resource_count_is("AWS::SageMaker::NotebookInstance", 1)


def test_region_without_deep_learning_containers_is_a_one_line_error() -> None:
    from app import create_app

    with pytest.raises(SettingsError) as error:
        create_app(cdk_context(layers="data,platform", region="mx-central-1"))
    assert error.value.problems == [
        "region='mx-central-1': AWS publishes no Deep Learning Containers (the inference endpoint's image) there; "
        "deploy to another region, e.g. -c region=us-east-1, or set -c platform.endpoint_enabled=false"
    ]
    # Without the endpoint the notebook still deploys there (and gets no image-pull grant).
    template = template_of(
        synth_app(layers="data,platform", region="mx-central-1", **{"platform.endpoint_enabled": "false"}), "Platform"
    )
    assert "PullDeepLearningContainers" not in _role_statements(template, "StopThisNotebookWhenIdle")


# Samples, outputs, tags


def test_samples_are_deployed_under_notebooks_and_copied_after_deployment(platform: Template) -> None:
    [(deployment_id, deployment)] = platform.find_resources("Custom::CDKBucketDeployment").items()
    assert deployment["Properties"]["DestinationBucketKeyPrefix"] == "notebooks/"
    assert deployment["Properties"]["RetainOnDelete"] is False
    assert deployment_id in _only(platform, "AWS::SageMaker::NotebookInstance")["DependsOn"]
    [handler] = platform.find_resources("AWS::Lambda::Function").values()
    [log_group_id] = [i for i in platform.find_resources("AWS::Logs::LogGroup") if i.startswith("SamplesLogs")]
    assert handler["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": log_group_id}}


def test_outputs(platform: Template) -> None:
    outputs = platform.to_json()["Outputs"]
    assert outputs["NotebookInstanceName"]["Value"] == "mlstack-notebook"
    assert outputs["NotebookUrlHint"]["Value"].endswith("#/notebook-instances/mlstack-notebook")
    assert "create-presigned-notebook-instance-url" in outputs["NotebookUrlHint"]["Description"]
    assert outputs["EndpointName"]["Value"]["Fn::GetAtt"][1] == "EndpointName"


def test_sagemaker_resources_carry_the_prefix_tag(platform: Template) -> None:
    for kind in ("AWS::SageMaker::NotebookInstance", "AWS::SageMaker::Model", "AWS::SageMaker::Endpoint"):
        tags = {t["Key"]: t["Value"] for t in _only(platform, kind)["Properties"]["Tags"]}
        assert tags["mlstack:prefix"] == "mlstack"


def test_prefix_changes_every_physical_name_and_scope() -> None:
    template = template_of(synth_app(layers="data,platform", prefix="team-a"), "Platform", prefix="Team-A")
    template.has_resource_properties("AWS::SageMaker::NotebookInstance", {"NotebookInstanceName": "team-a-notebook"})
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "team-a-endpoint"})
    statements = _role_statements(template, "StopThisNotebookWhenIdle")
    assert statements["CreatePrefixedTaggedResources"]["Condition"] == {
        "StringEquals": {"aws:RequestTag/mlstack:prefix": "team-a"}
    }
    assert _arn("sagemaker", "endpoint/team-a-*") in statements["ManagePrefixedResources"]["Resource"]


# Settings


MEMORY = "a whole number from 1024 to 6144 in steps of 1024, e.g. 4096"


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("endpoint_memory_mb", "1500", f"endpoint_memory_mb='1500': {MEMORY}"),
        ("endpoint_memory_mb", "7168", f"endpoint_memory_mb='7168': {MEMORY}"),
        ("endpoint_memory_mb", "512", f"endpoint_memory_mb='512': {MEMORY}"),
        ("endpoint_max_concurrency", "0", "endpoint_max_concurrency='0': a whole number from 1 to 200, e.g. 2"),
        ("endpoint_max_concurrency", "201", "endpoint_max_concurrency='201': a whole number from 1 to 200, e.g. 2"),
        ("endpoint_instance_type", "ml.zz9.large",
         "endpoint_instance_type='ml.zz9.large': unknown instance type family ml.zz9; allowed families: ml.t2, ml.t3"),
        ("endpoint_instance_type", "m5.large",
         "endpoint_instance_type='m5.large': a SageMaker instance type: ml.<family>.<size>, e.g. ml.t3.medium"),
        ("notebook_instance_type", "ml.q1.medium",
         "notebook_instance_type='ml.q1.medium': unknown instance type family ml.q1"),
        ("notebook_volume_size_gb", "4", "notebook_volume_size_gb='4': a whole number from 5 to 16384, e.g. 5"),
        ("notebook_idle_stop_minutes", "-1", "notebook_idle_stop_minutes='-1': a whole number from 0 to 1440, e.g. 60"),
        ("notebook_idle_stop_minutes", "1441", "notebook_idle_stop_minutes='1441': a whole number from 0 to 1440"),
        ("notebook_network", "private", "notebook_network='private': one of public, vpc, e.g. public"),
        ("notebook_platform", "notebook-al1-v1",
         "notebook_platform='notebook-al1-v1': notebook-al2023-v<number> (Amazon Linux 2023)"),
        ("notebook_root_access", "maybe", "notebook_root_access='maybe': true or false, e.g. false"),
        ("endpoint_enabled", "perhaps", "endpoint_enabled='perhaps': true or false, e.g. true"),
        ("hf_model_id", "not a model", "hf_model_id='not a model': a Hugging Face Hub model id, owner/name or name"),
        ("hf_task", "Text Classification",
         "hf_task='Text Classification': a transformers pipeline task: lowercase letters, digits and hyphens"),
        ("endpoint_image_tag", "2.6.0-gpu-py312",
         "endpoint_image_tag='2.6.0-gpu-py312': a CPU tag of the Hugging Face PyTorch inference image"),
    ],
)  # fmt: skip
def test_bad_platform_setting_is_one_clear_line(setting: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(cdk_context(**{f"platform.{setting}": value}))
    [problem] = error.value.problems
    assert problem.startswith(f"platform.{message}"), problem


def test_platform_defaults_and_clearing_the_instance_type() -> None:
    settings = load_settings(cdk_context(**{"platform.endpoint_instance_type": ""}))
    platform = settings.platform
    assert platform.endpoint_instance_type is None
    assert (platform.endpoint_memory_mb, platform.endpoint_max_concurrency) == (4096, 2)
    assert platform.notebook_idle_stop_minutes == 60
    assert platform.notebook_network == "public"
    assert platform.endpoint_enabled is True


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            {"layers": "data,platform", "region": "mx-central-1"},
            "mlstack: invalid setting: region='mx-central-1': AWS publishes no Deep Learning Containers",
        ),
        (
            {"platform.endpoint_memory_mb": "1500"},
            "mlstack: invalid setting: platform.endpoint_memory_mb='1500': a whole number from 1024 to 6144 in steps",
        ),
        ({"region": "us-fake-1"}, "mlstack: invalid setting: region='us-fake-1': not an AWS region; the us- regions"),
    ],
)
def test_app_exits_with_one_line_for_a_bad_platform_setting(
    overrides: dict, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # app.py's main in this process (test_app.py runs it as the CLI does, in a process of its own)
    from app import main

    assert main(cdk_context(**overrides)) == 2
    [problem] = capsys.readouterr().err.splitlines()
    assert problem.startswith(line), problem


def _acknowledgements(app: Any, stack_name: str) -> set[tuple[str, str]]:
    import aws_cdk as cdk

    found = set()
    for construct in app.node.find_child(stack_name).node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                # Only ours: CDK itself acknowledges some CloudFormation-Validate rules (e.g. on the VPC).
                found |= {(construct.node.path, rule) for rule in entry.data if rule.startswith("AwsSolutions::")}
    return found


@pytest.mark.parametrize(
    "overrides",
    [{}, {"platform.notebook_network": "vpc", "platform.endpoint_instance_type": "ml.m5.large"}],
    ids=["defaults", "vpc-instance"],
)
def test_every_platform_nag_acknowledgement_matches_a_finding(overrides: dict) -> None:
    """A stale acknowledgement would hide the next real finding with that id: each one must be in use."""
    from app import create_app

    app, _ = create_app(cdk_context(layers="data,platform", **overrides))
    assembly = app.synth()  # raises on any unacknowledged finding
    report = json.loads((Path(assembly.directory) / "validation-report.json").read_text())
    used = {
        (suppressed["acknowledgedAt"], suppressed["acknowledgedId"])
        for plugin in report["pluginReports"]
        for suppressed in plugin["suppressedViolations"]
    }
    assert _acknowledgements(app, "Mlstack-Platform") - used == set()
