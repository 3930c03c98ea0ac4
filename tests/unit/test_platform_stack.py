"""Platform stack: the notebook's security and auto-stop, its role's exact scope, the endpoint's variants."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.config import SettingsError
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


# Notebook role


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


# Training role


def _objects(prefix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [DATA_BUCKET_ARN, f"/{prefix}*"]]}


def test_training_role_reads_the_data_stacks_bucket_and_datasets_policy(platform: Template) -> None:
    """Wiring: the Data stack's bucket and read policy reach the training role (its own tests: constructs/)."""
    statements = _role_statements(platform, "PullTrainingImage")
    assert statements["ListTrainingInputsAndCheckpoints"]["Resource"] == DATA_BUCKET_ARN
    assert statements["WriteModelsAndCheckpoints"]["Resource"] == [_objects("checkpoints/"), _objects("models/")]
    role = platform.find_resources("AWS::IAM::Role")[_role_id(platform, "TrainingRole")]["Properties"]
    # The public datasets come from the Data stack's read policy, passed as a constructor value (no export).
    [managed] = role["ManagedPolicyArns"]
    assert managed["Fn::GetStackOutput"]["OutputName"].startswith("PublishOutputRefPublicDatasetsReadPolicy")


def test_training_role_scope_follows_the_prefix_and_its_arn_is_an_output() -> None:
    template = template_of(synth_app(layers="data,platform", prefix="team-a"), "Platform", prefix="Team-A")
    statements = _role_statements(template, "PullTrainingImage")
    assert statements["WriteOwnJobLogs"]["Resource"] == _arn(
        "logs", "log-group:/aws/sagemaker/TrainingJobs:log-stream:team-a-*"
    )
    output = template.to_json()["Outputs"]["TrainingRoleArn"]
    assert output["Value"] == {"Fn::GetAtt": [_role_id(template, "TrainingRole"), "Arn"]}


# Inference endpoint


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
    [line] = error.value.problems
    assert line.startswith("region='mx-central-1': AWS publishes no huggingface-pytorch-inference")
    # Without the endpoint the notebook still deploys there, pulling only the repositories AWS publishes there.
    template = template_of(
        synth_app(layers="data,platform", region="mx-central-1", **{"platform.endpoint_enabled": "false"}), "Platform"
    )
    pulls = _role_statements(template, "StopThisNotebookWhenIdle")["PullDeepLearningContainers"]["Resource"]
    assert sorted(pulls) == [
        "arn:aws:ecr:mx-central-1:637423239942:repository/pytorch-inference",
        "arn:aws:ecr:mx-central-1:637423239942:repository/pytorch-training",
    ]


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
