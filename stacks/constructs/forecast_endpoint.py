"""The forecast endpoint: the forecast recipe's model archive (`mlstack train --recipe forecast`:
model.pt, config.json and code/inference.py) on the PyTorch inference Deep Learning Container, serverless, named
`<prefix>-forecast` (stacks/naming.py), which the bot's Forecast intent invokes."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks import deep_learning_containers as dlc
from stacks.config import PlatformSettings, SettingsError
from stacks.constructs.inference_endpoint import ModelEndpoint, ServingSpec

# Script mode of SageMaker's PyTorch inference toolkit: it imports SAGEMAKER_PROGRAM from SAGEMAKER_SUBMIT_DIRECTORY
# for model_fn/input_fn/predict_fn/output_fn. The archive unpacks to /opt/ml/model with the handlers in code/.
SERVING_ENVIRONMENT = {
    "SAGEMAKER_PROGRAM": "inference.py",
    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
    # AWS's serverless guide recommends one worker and one copy of the model per container ("Container
    # support"); the toolkit otherwise starts a worker per vCPU, each loading the model.
    "SAGEMAKER_MODEL_SERVER_WORKERS": "1",
}

# SageMaker's serverless guide lists network isolation among the features serverless endpoints do not support
# ("Feature exclusions": GPUs, ..., VPC configuration, network isolation, data capture, ...; awsdocs/
# amazon-sagemaker-developer-guide doc_source/serverless-endpoints.md, read 2026-12-05), so the model sets none.
# The handlers need no network anyway: torch and numpy are in the image, the rest ships in the archive.
NETWORK_ISOLATION_SKIP = {
    "id": "CKV_AWS_370",
    "comment": "Serverless endpoints do not support network isolation (SageMaker's serverless feature exclusions); "
    "the forecast handlers make no network calls.",
}


class ForecastEndpoint(ModelEndpoint):
    """Serverless endpoint serving `settings.forecast_model_data_url` with the archive's own inference code.

    The role pulls only the PyTorch inference image and reads only that archive (with the data bucket's key when
    it has one); its alarms are those of every serverless endpoint here (4XX and 5XX invocations).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: PlatformSettings,
        name: str,
        key: kms.IKey,
        data_bucket: s3.IBucket,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        if settings.forecast_model_data_url is None:
            raise ValueError("ForecastEndpoint needs platform.forecast_model_data_url (a model.tar.gz to serve)")
        problem = settings.forecast_region_problem(cdk.Stack.of(scope).region)
        if problem:  # the settings loader refuses this first; a construct used on its own refuses it too
            raise SettingsError([problem])
        spec = ServingSpec(
            repository=dlc.PYTORCH_INFERENCE,
            image_tag=settings.forecast_image_tag,
            environment=SERVING_ENVIRONMENT,
            model_data_url=settings.forecast_model_data_url,
            memory_mb=settings.forecast_memory_mb,
            max_concurrency=settings.forecast_max_concurrency,
            purpose="pull the PyTorch inference image, read the forecast model archive, write the endpoint's "
            "logs and metrics",
            checkov_skips=(NETWORK_ISOLATION_SKIP,),
        )
        super().__init__(scope, id_, spec=spec, name=name, key=key, data_bucket=data_bucket, alarm_topic=alarm_topic)
