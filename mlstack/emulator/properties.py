"""Property fixes: moto creates these models from a template but drops properties the app sets.

Each `install_*` completes moto's own create with what it dropped, so checks read back what was deployed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlstack.emulator.backends import ec2_backend
from mlstack.emulator.resources.dynamodb import apply_table_options


def complete_cloudformation_create(model: Any, complete: Callable[[Any, dict[str, Any], str, str], None]) -> None:
    """After moto creates a `model` from a template, `complete(resource, properties, account, region)` sets
    what moto's own create_from_cloudformation_json dropped."""
    original = model.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        resource = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        complete(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    model.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def install_function_properties() -> None:
    from moto.awslambda.models import LambdaFunction

    # moto 5.2.5 builds a CloudFormation function from a fixed list of properties that leaves out Layers,
    # Architectures, TracingConfig and LoggingConfig (so arm64 read back as x86_64, layers were never checked
    # and the Lex runtime's code hook could not write the function's output to its log group).
    def complete(function: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        if properties.get("Layers"):
            # A Ref to a stack's own AWS::Lambda::LayerVersion resolves to moto's object, not its ARN.
            arns = [layer if isinstance(layer, str) else layer.arn for layer in properties["Layers"]]
            function.layers = function._get_layers_data(arns)
        if properties.get("Architectures"):
            function.architectures = properties["Architectures"]
        if properties.get("TracingConfig"):
            function.tracing_config = properties["TracingConfig"]
        if properties.get("LoggingConfig"):
            function.logging_config = properties["LoggingConfig"]

    complete_cloudformation_create(LambdaFunction, complete)


def install_kms_key_tags() -> None:
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    # moto 5.2.5 hands a CloudFormation key's Tags ({Key, Value}, the template's shape) to the KMS tagger,
    # which reads the API's shape ({TagKey, TagValue}) and fails with KeyError: 'TagKey'.
    def create_from_cloudformation_json(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["Tags"] = [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in properties.get("Tags", [])]
        return original(
            cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs
        )

    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[assignment]


def install_table_properties() -> None:
    from moto.dynamodb.models.table import Table

    # moto 5.2.5 creates an AWS::DynamoDB::Table without its TimeToLiveSpecification and point-in-time
    # recovery; both are applied here so the checks can read them back.
    def complete(table: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        apply_table_options(
            account_id,
            region_name,
            table.name,
            properties.get("TimeToLiveSpecification"),
            properties.get("PointInTimeRecoverySpecification"),
        )

    complete_cloudformation_create(Table, complete)


def install_notebook_properties() -> None:
    from moto.sagemaker.models import FakeSagemakerNotebookInstance

    # CloudFormation property -> attribute of moto's notebook that DescribeNotebookInstance reports.
    kept = {
        "LifecycleConfigName": "lifecycle_config_name",
        "KmsKeyId": "kms_key_id",
        "RootAccess": "root_access",
        "DirectInternetAccess": "direct_internet_access",
        "VolumeSizeInGB": "volume_size_in_gb",
    }

    # moto 5.2.5 creates a CloudFormation notebook from its instance type and role only, dropping the
    # lifecycle config, KMS key, root access and internet access the template sets.
    def complete(notebook: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        for key, attribute in kept.items():
            if key in properties:
                assert hasattr(notebook, attribute), f"moto's notebook lost {attribute}: revisit this extension"
                setattr(notebook, attribute, properties[key])

    complete_cloudformation_create(FakeSagemakerNotebookInstance, complete)


def install_instance_launch_template() -> None:
    from moto.ec2.models.instances import Instance, MetadataOptions

    # moto 5.2.5 ignores an AWS::EC2::Instance's LaunchTemplate, where CDK puts `require_imdsv2`
    # (MetadataOptions.HttpTokens=required): the instance read back IMDSv2 as optional. Metadata options
    # given on the instance or in its launch template version are applied here.
    def complete(instance: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        options = properties.get("MetadataOptions")
        reference = properties.get("LaunchTemplate")
        if reference and not options:
            backend = ec2_backend(account_id, region_name)
            template = (
                backend.get_launch_template(reference["LaunchTemplateId"])
                if reference.get("LaunchTemplateId")
                else backend.get_launch_template_by_name(reference["LaunchTemplateName"])
            )
            options = template.get_version(reference.get("Version", "$Default")).data.get("MetadataOptions")
        if options:
            instance.metadata_options = MetadataOptions(options)

    complete_cloudformation_create(Instance, complete)


def install_bucket_properties() -> None:
    from moto.s3.models import FakeBucket, s3_backends

    # moto 5.2.5 creates an AWS::S3::Bucket with its encryption and tags only; the public access block
    # and versioning the app's buckets declare are applied here so checks can read them back.
    def complete(bucket: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        backend = s3_backends[account_id]["aws"]
        if properties.get("PublicAccessBlockConfiguration"):
            backend.put_public_access_block(bucket.name, properties["PublicAccessBlockConfiguration"])
        status = properties.get("VersioningConfiguration", {}).get("Status")
        if status:
            backend.put_bucket_versioning(bucket.name, status)

    complete_cloudformation_create(FakeBucket, complete)


def install_endpoint_names() -> None:
    from moto.sagemaker.models import FakeEndpoint

    assert FakeEndpoint.cloudformation_name_type() == "", "moto names endpoints now: revisit this extension"

    # moto 5.2.5 names a template's AWS::SageMaker::Endpoint `<stack>-<logical id>-<random>`, ignoring its
    # EndpointName: callers that invoke an endpoint by its fixed name (the bot's forecast endpoint,
    # `<prefix>-forecast`) found nothing. CloudFormation uses EndpointName when it is given.
    FakeEndpoint.cloudformation_name_type = staticmethod(lambda: "EndpointName")  # type: ignore[method-assign]
