"""Platform layer: a SageMaker notebook instance that stops itself, a SageMaker inference endpoint, the forecast
endpoint when a forecast model is set, and the execution role of training jobs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks import deep_learning_containers as dlc
from stacks import outputs
from stacks.config import ENDPOINT_NAME, PREFIX_TAG_KEY, Settings, TrainingSettings, prefixed
from stacks.constructs.forecast_endpoint import ForecastEndpoint
from stacks.constructs.inference_endpoint import InferenceEndpoint
from stacks.constructs.log_groups import own_function_logs
from stacks.constructs.network import NOTEBOOK, Network
from stacks.constructs.notebook_instance import NotebookInstance
from stacks.constructs.platform_key import PlatformKey
from stacks.constructs.sample_notebooks import SampleNotebooks
from stacks.constructs.training_role import TrainingRole
from stacks.data_stack import DataStack
from stacks.naming import forecast_endpoint_name
from stacks.serve_command import serve_model_command

# Where the sample notebooks live in the data bucket; the notebook copies them on creation.
SAMPLES_PREFIX = "notebooks/"


def _image(repository: str, region: str, tag: str) -> str:
    return dlc.image_uri(repository, region, tag) if dlc.available(repository, region) else ""


def _forecast_training_image(training: TrainingSettings, region: str) -> str:
    return "" if training.region_problem(region, "forecast") else training.forecast_image_uri(region)


class PlatformStack(cdk.Stack):
    """Notebook instance (KMS, IMDSv2, idle auto-stop, samples) and a serverless-by-default endpoint.

    Exposes `notebook`, `endpoint_name` / `endpoint_arn` for ApiServices (None when the endpoint is disabled), and
    `forecast` (the ForecastEndpoint, None without platform.forecast_model_data_url).
    """

    def __init__(self, scope: Construct, id_: str, *, settings: Settings, data: DataStack, **kwargs: Any) -> None:
        super().__init__(scope, id_, description="mlstack Platform layer: SageMaker notebook and endpoint", **kwargs)
        platform = settings.platform
        key = PlatformKey(self, "Key", description=f"{settings.prefix}: SageMaker notebook and endpoint storage").key

        endpoint = (
            InferenceEndpoint(
                self,
                "Inference",
                settings=platform,
                name=prefixed(settings, ENDPOINT_NAME),
                key=key,
                data_bucket=data.data_bucket,
                alarm_topic=data.alerts_topic,
            )
            if platform.endpoint_enabled
            else None
        )
        self.endpoint_name = endpoint.endpoint_name if endpoint else None
        self.endpoint_arn = endpoint.endpoint_arn if endpoint else None
        # Only with a trained forecast model: an endpoint without a model has nothing to serve. The bot invokes
        # it by its fixed name, so ApiServices needs no reference to it (a model set later needs no bot deploy).
        self.forecast = (
            ForecastEndpoint(
                self,
                "Forecast",
                settings=platform,
                name=forecast_endpoint_name(settings.prefix),
                key=key,
                data_bucket=data.data_bucket,
                alarm_topic=data.alerts_topic,
            )
            if platform.forecast_model_data_url
            else None
        )

        # An IAM role only: training jobs (`mlstack train`, sample 04) bill while they run, nothing idles here.
        self.training_role = TrainingRole(
            self,
            "Training",
            prefix=settings.prefix,
            data_bucket=data.data_bucket,
            datasets=data.datasets,
        ).role
        network = (
            Network(self, "Network", profile=NOTEBOOK, log_key=key) if platform.notebook_network == "vpc" else None
        )
        self.notebook = NotebookInstance(
            self,
            "Notebook",
            settings=platform,
            name=prefixed(settings, "notebook"),
            prefix=settings.prefix,
            key=key,
            data_bucket=data.data_bucket,
            datasets=data.datasets,
            samples_prefix=SAMPLES_PREFIX,
            network=network,
        )
        self.notebook.allow_passing(self.training_role, sid="PassTrainingRoleToSageMaker")
        if data.spark:  # notebook 05_big_data submits the GHCN-D job
            data.spark.grant_submit(self.notebook.role)
        samples = SampleNotebooks(
            self,
            "Samples",
            bucket=data.data_bucket,
            key_prefix=SAMPLES_PREFIX,
            notebook_settings={
                "prefix": settings.prefix,
                "region": self.region,
                "data_bucket": data.data_bucket.bucket_name,
                "glue_database": data.datasets.database_name,
                "athena_workgroup": data.datasets.workgroup.ref,
                "endpoint_name": self.endpoint_name or "",
                # Samples that deploy their own model use the same container image; empty where AWS has none.
                "inference_image": _image(dlc.HUGGINGFACE_INFERENCE, self.region, platform.endpoint_image_tag),
                "notebook_role_arn": self.notebook.role.role_arn,
                "training_role_arn": self.training_role.role_arn,
                "training_image": _image(dlc.HUGGINGFACE_TRAINING, self.region, settings.training.image_tag),
                # Every training setting (None included), and the spot wait `mlstack train` derives from them.
                "training": {
                    **settings.training.model_dump(),
                    "effective_max_wait_minutes": settings.training.effective_max_wait_minutes,
                },
                "spark_application_id": data.spark.application.attr_application_id if data.spark else "",
                "spark_role_arn": data.spark.role.role_arn if data.spark else "",
                "spark": settings.spark.model_dump(mode="json"),
                "model_data_url": platform.model_data_url or "",
                # Sample 04 prints it with the trained model's URL appended, as `mlstack train` does.
                "serve_model_command": " ".join(serve_model_command(settings.prefix)),
                # The forecast notebook: the endpoint the bot invokes (it exists once a forecast model is set),
                # the model it serves, and the command that sets one (the model's URL appended).
                "forecast_endpoint_name": forecast_endpoint_name(settings.prefix),
                "forecast_model_data_url": platform.forecast_model_data_url or "",
                "serve_forecast_command": " ".join(serve_model_command(settings.prefix, recipe="forecast")),
                # 06 trains with the PyTorch training image and the packages it lacks (the job's requirements.txt),
                # and serves the model on a temporary endpoint of the inference image until one is deployed.
                "forecast_training_image": _forecast_training_image(settings.training, self.region),
                "forecast_job_requirements": dlc.forecast_job_requirements(),
                "forecast_inference_image": _image(dlc.PYTORCH_INFERENCE, self.region, platform.forecast_image_tag),
                "public_datasets": [
                    {"id": d.id, "bucket": d.bucket, "region": d.region, "prefix": d.prefix}
                    for d in settings.public_datasets
                ],
                "tag_key": PREFIX_TAG_KEY,
            },
            log_key=key,
        )
        # The on-create script copies the samples: they must be in the bucket first.
        self.notebook.notebook.node.add_dependency(samples)
        # CDK's own handlers here (the VPC's default-security-group restriction) log under the stack's key too.
        own_function_logs(self, encryption_key=key)

        cdk.CfnOutput(self, outputs.NOTEBOOK_NAME, value=self.notebook.name)
        cdk.CfnOutput(
            self,
            outputs.NOTEBOOK_URL,
            value=f"https://{self.region}.console.aws.amazon.com/sagemaker/home?region={self.region}"
            f"#/notebook-instances/{self.notebook.name}",
            description="Console page of the notebook (Open JupyterLab); or: aws sagemaker "
            f"create-presigned-notebook-instance-url --notebook-instance-name {self.notebook.name}",
        )
        if self.endpoint_name:
            cdk.CfnOutput(self, outputs.ENDPOINT_NAME, value=self.endpoint_name)
        if self.forecast:
            cdk.CfnOutput(
                self,
                outputs.FORECAST_ENDPOINT_NAME,
                value=self.forecast.endpoint_name,
                description=f"Serverless forecast endpoint serving {platform.forecast_model_data_url}",
            )
        cdk.CfnOutput(
            self,
            outputs.TRAINING_ROLE_ARN,
            value=self.training_role.role_arn,
            description="Execution role for SageMaker training jobs named with the prefix (mlstack train, sample 04)",
        )
