"""Platform layer settings: the SageMaker notebook instance and inference endpoint."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from stacks import deep_learning_containers as dlc
from stacks.config.data import MODELS_PREFIX
from stacks.config.fields import Section, closed_set_problem, is_s3_bucket_name, pattern

# The endpoint's physical name is `<prefix>-<ENDPOINT_NAME>`.
ENDPOINT_NAME = "endpoint"

# SageMaker instance families (`ml.<family>.<size>`) accepted for the notebook and the endpoint. Not every
# family is offered for both, nor in every region: the service reports that at deploy time.
SAGEMAKER_INSTANCE_FAMILIES = (
    "t2", "t3", "m4", "m5", "m5d", "m6i", "m6id", "m7i", "c4", "c5", "c5d", "c6i", "c6id", "c7i",
    "r5", "r5d", "r6i", "r6id", "r7i", "g4dn", "g5", "g6", "g6e", "p3", "p3dn", "p4d", "p5", "inf1", "inf2",
)  # fmt: skip


def _sagemaker_instance_type(value: str) -> str:
    match = re.fullmatch(r"ml\.([a-z0-9]+)\.([a-z0-9]+)", value)
    if not match:
        raise ValueError("a SageMaker instance type: ml.<family>.<size>, e.g. ml.t3.medium")
    problem = closed_set_problem(match.group(1), SAGEMAKER_INSTANCE_FAMILIES, noun="a SageMaker family", example="t3")
    if problem:
        raise ValueError(f"family {match.group(1)}: {problem}")
    return value


def _bucket_and_key(url: str | None) -> tuple[str, str] | None:
    if url is None:
        return None
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return bucket, key


class PlatformSettings(Section):
    """Platform layer: SageMaker notebook instance and inference endpoint."""

    # Notebook instance type, ml.<family>.<size> of a known family. Default ml.t3.medium (about $0.05/h).
    notebook_instance_type: str = "ml.t3.medium"
    # Notebook ML storage volume in GB, 5-16384. Billed while it exists, running or stopped. Default 5.
    notebook_volume_size_gb: int = Field(default=5, ge=5, le=16384)
    # Notebook platform: notebook-al2023-v<n> (Amazon Linux 2023) or notebook-al2-v<n>. Default notebook-al2023-v1.
    notebook_platform: Annotated[
        str,
        pattern(
            r"notebook-al2(023)?-v\d+",
            "notebook-al2023-v<number> (Amazon Linux 2023) or notebook-al2-v<number>, e.g. notebook-al2023-v1",
        ),
    ] = "notebook-al2023-v1"
    # Root access for notebook users (sudo). Default false.
    notebook_root_access: bool = False
    # public: direct internet access, nothing else to pay for; vpc: a private isolated VPC with S3 and
    # SageMaker endpoints, no direct internet (interface endpoints bill hourly). Default public.
    notebook_network: Literal["public", "vpc"] = "public"
    # Minutes without kernel or terminal activity before the instance stops itself, 0-1440; 0 disables. Default 60.
    notebook_idle_stop_minutes: int = Field(default=60, ge=0, le=1440)
    # Create the inference endpoint. Default true.
    endpoint_enabled: bool = True
    # Hugging Face Hub model the endpoint serves (HF_MODEL_ID). Default a DistilBERT SST-2 sentiment model.
    hf_model_id: Annotated[
        str,
        pattern(
            r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?",
            "a Hugging Face Hub model id (owner/name: letters, digits, . _ -), e.g. distilbert/distilbert-base-uncased",
        ),
    ] = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    # transformers pipeline task (HF_TASK). Default text-classification.
    hf_task: Annotated[
        str,
        pattern(
            r"[a-z][a-z0-9-]*",
            "a transformers pipeline task: lowercase letters, digits and hyphens, e.g. text-classification",
        ),
    ] = "text-classification"
    # Tag of the Hugging Face PyTorch inference DLC (CPU; the SDK's and release notes' grammar, Ubuntu or Amazon
    # Linux). Default {dlc.DEFAULT_INFERENCE_TAG} (see README "Images and regions").
    endpoint_image_tag: Annotated[
        str,
        pattern(
            dlc.HUGGINGFACE_CPU_TAG.pattern,
            f"a CPU tag of the Hugging Face inference image, e.g. {dlc.DEFAULT_INFERENCE_TAG}",
        ),
    ] = dlc.DEFAULT_INFERENCE_TAG
    # Serverless memory in MB: 1024-6144 in steps of 1024 (service limits); CPU share grows with it. The
    # Hugging Face container (a Java model server plus PyTorch) needs headroom beyond the model. Default 4096.
    endpoint_memory_mb: int = Field(default=4096, ge=1024, le=6144, multiple_of=1024)
    # Serverless maximum concurrent invocations, 1-200 (service limits). Default 2.
    endpoint_max_concurrency: int = Field(default=2, ge=1, le=200)
    # Instance type for an instance-backed endpoint instead of serverless, ml.<family>.<size>; it bills
    # every hour it exists. Default none (serverless).
    endpoint_instance_type: str | None = None
    # A model artifact (model.tar.gz) the endpoint serves instead of hf_model_id, e.g. one `mlstack train` wrote:
    # s3://<data bucket>/models/<...>/model.tar.gz. The model role may read only the data bucket's models/ prefix,
    # so a URL in another bucket fails when the endpoint starts. Default none: the Hub model.
    model_data_url: str | None = Field(
        default=None, examples=["s3://mlstack-data-datalakedata1a2b3c/models/mlstack-train-1/output/model.tar.gz"]
    )

    # A forecast model archive (the model.tar.gz of `mlstack train --recipe forecast`, holding model.pt,
    # config.json and code/inference.py) served by a second serverless endpoint, `<prefix>-forecast`, that the
    # bot's Forecast intent invokes. Same rule as model_data_url: s3://<data bucket>/models/<...>.tar.gz.
    # Default none: no forecast endpoint.
    forecast_model_data_url: str | None = Field(
        default=None, examples=["s3://mlstack-data-datalakedata1a2b3c/models/mlstack-forecast-1/output/model.tar.gz"]
    )
    # Tag of the PyTorch inference DLC serving the forecast model: a CPU tag (serverless endpoints have no GPU),
    # <pytorch>-cpu-py3<n>[-<os>[-sagemaker]]. Default {dlc.DEFAULT_PYTORCH_INFERENCE_TAG}.
    forecast_image_tag: Annotated[
        str,
        pattern(
            dlc.PYTORCH_INFERENCE_CPU_TAG.pattern,
            f"a CPU tag of pytorch-inference (serverless has no GPU), e.g. {dlc.DEFAULT_PYTORCH_INFERENCE_TAG}",
        ),
    ] = dlc.DEFAULT_PYTORCH_INFERENCE_TAG
    # The forecast endpoint's serverless memory in MB: 1024-6144 in steps of 1024. The TorchScript network is
    # well under 1 MB; torch itself and the model server take the rest. Default 2048.
    forecast_memory_mb: int = Field(default=2048, ge=1024, le=6144, multiple_of=1024)
    # The forecast endpoint's maximum concurrent invocations, 1-200. Default 2.
    forecast_max_concurrency: int = Field(default=2, ge=1, le=200)

    @field_validator("model_data_url", "forecast_model_data_url")
    @classmethod
    def _model_in_models_prefix(cls, url: str | None) -> str | None:
        if url is None:
            return None
        bucket, _, key = url.removeprefix("s3://").partition("/")
        if not (
            url.startswith("s3://")
            and is_s3_bucket_name(bucket)
            and key.startswith(MODELS_PREFIX)
            and key.endswith(".tar.gz")
            and len(key) > len(MODELS_PREFIX) + len(".tar.gz")
        ):
            raise ValueError(
                "an s3:// URL of a model archive in the data bucket, "
                f"e.g. s3://<bucket>/{MODELS_PREFIX}<job>/output/model.tar.gz"
            )
        return url

    @property
    def instance_backed_endpoint(self) -> bool:
        """An endpoint on an instance (billed by the hour) rather than serverless."""
        return self.endpoint_enabled and self.endpoint_instance_type is not None

    @property
    def serverless_endpoint(self) -> bool:
        return self.endpoint_enabled and self.endpoint_instance_type is None

    def region_problem(self, region: str) -> str | None:
        """One settings line when the endpoint is enabled in a region without its image, else None."""
        problem = dlc.region_problem(dlc.HUGGINGFACE_INFERENCE, region) if self.endpoint_enabled else None
        return (
            f"{problem}; deploy to one (-c region=...) or set -c platform.endpoint_enabled=false" if problem else None
        )

    def forecast_region_problem(self, region: str) -> str | None:
        """One settings line when a forecast model is set in a region without the PyTorch inference image."""
        problem = dlc.region_problem(dlc.PYTORCH_INFERENCE, region) if self.forecast_model_data_url else None
        return (
            f"{problem}; deploy to one (-c region=...) or leave platform.forecast_model_data_url unset"
            if problem
            else None
        )

    @property
    def model_data_bucket_and_key(self) -> tuple[str, str] | None:
        """(bucket, key) of model_data_url, or None when the endpoint serves the Hub model."""
        return _bucket_and_key(self.model_data_url)

    @property
    def forecast_model_data_bucket_and_key(self) -> tuple[str, str] | None:
        """(bucket, key) of forecast_model_data_url, or None when there is no forecast endpoint."""
        return _bucket_and_key(self.forecast_model_data_url)

    @field_validator("notebook_instance_type", "endpoint_instance_type")
    @classmethod
    def _instance_type(cls, value: str | None) -> str | None:
        return None if value is None else _sagemaker_instance_type(value)
