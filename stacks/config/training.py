"""Settings of the SageMaker training job (`mlstack train`, sample 04_train_and_deploy)."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from stacks import deep_learning_containers as dlc
from stacks.config.fields import Section, closed_set_problem, pattern


class TrainingSettings(Section):
    """SageMaker training job that fine-tunes the sentiment model (`mlstack train`, sample 04_train_and_deploy)."""

    # Training instance types whose on-demand price mlstack/ops/prices.json records (sagemaker_training_hour), so
    # that `mlstack train` can print a job's worst-case cost before submitting it. GPU types for the Hugging Face
    # PyTorch training container; CPU types for a cheap trial of the job's plumbing.
    INSTANCE_TYPES: ClassVar[tuple[str, ...]] = (
        "ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g4dn.4xlarge", "ml.g4dn.8xlarge", "ml.g4dn.12xlarge",
        "ml.g4dn.16xlarge",
        "ml.g5.xlarge", "ml.g5.2xlarge", "ml.g5.4xlarge", "ml.g5.8xlarge", "ml.g5.12xlarge", "ml.g5.16xlarge",
        "ml.g5.24xlarge", "ml.g5.48xlarge",
        "ml.p3.2xlarge", "ml.p3.8xlarge", "ml.p3.16xlarge", "ml.p4d.24xlarge",
        "ml.m5.large", "ml.m5.xlarge", "ml.m5.2xlarge", "ml.m5.4xlarge", "ml.c5.xlarge", "ml.c5.2xlarge",
        "ml.c5.4xlarge",
    )  # fmt: skip
    # SageMaker's limit on MaxRuntimeInSeconds and MaxWaitTimeInSeconds: 28 days.
    MAX_MINUTES: ClassVar[int] = 28 * 24 * 60

    # Training instance type, one of INSTANCE_TYPES. Default ml.g5.xlarge (one NVIDIA A10G GPU).
    instance_type: str = "ml.g5.xlarge"
    # Instances of the job, 1-16; more than one trains data-parallel with SageMaker's torchrun launcher. Default 1.
    instance_count: int = Field(default=1, ge=1, le=16)
    # Managed spot training (up to about 70 % cheaper; interrupted jobs resume from checkpoints). Default true.
    spot: bool = True
    # The job stops after this many minutes of training (MaxRuntimeInSeconds), 1-40320. Default 60.
    max_runtime_minutes: int = Field(default=60, ge=1, le=40320)
    # Spot only: minutes to wait for spot capacity plus training (MaxWaitTimeInSeconds), at least
    # max_runtime_minutes, at most 40320. Default none: twice max_runtime_minutes.
    max_wait_minutes: int | None = Field(default=None, ge=1, le=40320, examples=[240])
    # Passes over the training data. Default 1.
    epochs: int = Field(default=1, ge=1, le=100)
    # Training rows read from the corpus (the Yelp polarity set has about 560,000); 0 reads them all. Default 100000.
    max_rows: int = Field(default=100000, ge=0)
    # Pretrained Hugging Face Hub model the job fine-tunes. Default distilbert-base-uncased.
    base_model: Annotated[
        str,
        pattern(
            r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?",
            "a Hugging Face Hub model id (owner/name: letters, digits, . _ -), e.g. distilbert-base-uncased",
        ),
    ] = "distilbert-base-uncased"
    # Tag of the Hugging Face PyTorch training Deep Learning Container (GPU; the SDK's and release notes' grammar,
    # newer CUDA and OS versions included). Default {dlc.DEFAULT_TRAINING_TAG} (README "Images and regions").
    image_tag: Annotated[
        str,
        pattern(
            dlc.HUGGINGFACE_GPU_TAG.pattern,
            f"a GPU tag of the Hugging Face training image, e.g. {dlc.DEFAULT_TRAINING_TAG}",
        ),
    ] = dlc.DEFAULT_TRAINING_TAG
    # `mlstack train` refuses a job whose worst-case cost (instances x max runtime, or max wait with spot, x the
    # on-demand price) is above this many US dollars, unless raised. Default 5.
    max_job_usd: float = Field(default=5.0, gt=0)

    @field_validator("instance_type")
    @classmethod
    def _priced_training_type(cls, instance_type: str) -> str:
        problem = closed_set_problem(
            instance_type, cls.INSTANCE_TYPES, noun="a training type mlstack knows the price of", example="ml.g5.xlarge"
        )
        if problem:
            raise ValueError(problem)
        return instance_type

    @field_validator("max_wait_minutes")
    @classmethod
    def _wait_covers_runtime(cls, minutes: int | None, info: ValidationInfo) -> int | None:
        runtime = info.data.get("max_runtime_minutes")
        if minutes is not None and info.data.get("spot") and runtime is not None and minutes < runtime:
            raise ValueError(
                f"shorter than training.max_runtime_minutes={runtime}: with spot the wait includes the training "
                f"time, so it must be at least {runtime}, e.g. {min(2 * runtime, cls.MAX_MINUTES)}"
            )
        return minutes

    @property
    def effective_max_wait_minutes(self) -> int | None:
        """MaxWaitTimeInSeconds / 60 of a spot job (max_wait_minutes, else twice the runtime); None on demand."""
        if not self.spot:
            return None
        return self.max_wait_minutes or min(2 * self.max_runtime_minutes, self.MAX_MINUTES)

    def region_problem(self, region: str) -> str | None:
        """One settings line when a training job cannot pull its image in `region`, else None."""
        problem = dlc.region_problem(dlc.HUGGINGFACE_TRAINING, region)
        return f"{problem}; choose one with -c region=..., e.g. -c region=us-east-1" if problem else None

    def image_uri(self, region: str) -> str:
        """The training image in `region`; call region_problem first (LookupError where it is missing)."""
        return dlc.image_uri(dlc.HUGGINGFACE_TRAINING, region, self.image_tag)

    @property
    def framework_versions(self) -> tuple[str, str, str]:
        """(pytorch, transformers, python) versions of image_tag, e.g. ("2.9.0", "5.3.0", "py312"), as the
        SageMaker Python SDK's HuggingFace estimator names them."""
        match = re.match(r"(?P<torch>[\d.]+)-transformers(?P<hf>[\d.]+)-gpu-(?P<py>py\d+)-", self.image_tag)
        assert match is not None  # image_tag's validator guarantees the shape
        return match["torch"], match["hf"], match["py"]
