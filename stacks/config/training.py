"""Settings of the SageMaker training jobs (`mlstack train`, sample 04_train_and_deploy): the sentiment recipe's
and the forecast recipe's (`forecast_*`); the instance limits, spot, runtime and cost cap are shared."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from stacks import deep_learning_containers as dlc
from stacks.config.fields import Section, closed_set_problem, pattern

# The recipes `mlstack train` runs, each a folder of training/.
RecipeName = Literal["sentiment", "forecast"]


class TrainingSettings(Section):
    """SageMaker training jobs of `mlstack train`: the sentiment model (sample 04_train_and_deploy) or the
    forecast model (`training.recipe=forecast`)."""

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

    # The recipe `mlstack train` runs (its --recipe flag overrides this): sentiment (training/sentiment, the Yelp
    # classifier) or forecast (training/forecast, DeepAR on the Spark job's series). Default sentiment.
    recipe: RecipeName = "sentiment"
    # Forecast recipe: the job's one instance, one of INSTANCE_TYPES; ml.g*/ml.p* types get the GPU image, the
    # others the CPU one. Default ml.m5.xlarge (4 vCPU: the demo-sized LSTM gains little from a GPU).
    forecast_instance_type: str = "ml.m5.xlarge"
    # Forecast recipe: PyTorch version of the pytorch-training Deep Learning Container, one of
    # dlc.PYTORCH_TRAINING_VERSIONS (those whose torch the recipe's GluonTS pin accepts). Default 2.10.0.
    forecast_pytorch_version: str = dlc.DEFAULT_FORECAST_PYTORCH_VERSION
    # Forecast recipe: steps forecast, and the length of each backtest window, 1-366. Default 7.
    forecast_prediction_length: int = Field(default=7, ge=1, le=366)
    # Forecast recipe: steps the network unrolls over before forecasting, 0-3660; 0 is 4 x prediction length. Default 0.
    forecast_context_length: int = Field(default=0, ge=0, le=3660)
    # Forecast recipe: epochs of each of the two fits (backtest, then all the data), 1-1000. Default 20.
    forecast_epochs: int = Field(default=20, ge=1, le=1000)
    # Forecast recipe: windows of prediction length per series in the backtest, 1-52. Default 4.
    forecast_backtest_windows: int = Field(default=4, ge=1, le=52)
    # Forecast recipe: series read from the channel; 0 reads them all. Default 0.
    forecast_max_items: int = Field(default=0, ge=0)
    # Forecast recipe: the series' frequency, D (daily, the Spark job's output) or h (hourly). Default D.
    forecast_freq: Literal["D", "h"] = "D"

    @field_validator("instance_type", "forecast_instance_type")
    @classmethod
    def _priced_training_type(cls, instance_type: str, info: ValidationInfo) -> str:
        example = "ml.m5.xlarge" if info.field_name == "forecast_instance_type" else "ml.g5.xlarge"
        problem = closed_set_problem(
            instance_type, cls.INSTANCE_TYPES, noun="a training type mlstack knows the price of", example=example
        )
        if problem:
            raise ValueError(problem)
        return instance_type

    @field_validator("forecast_pytorch_version")
    @classmethod
    def _pytorch_training_version(cls, version: str) -> str:
        if version not in dlc.PYTORCH_TRAINING_VERSIONS:
            raise ValueError(
                f"one of {', '.join(dlc.PYTORCH_TRAINING_VERSIONS)}, e.g. {dlc.DEFAULT_FORECAST_PYTORCH_VERSION}: "
                "the images whose torch the GluonTS pin accepts (torch>=2.10)"
            )
        return version

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

    def region_problem(self, region: str, recipe: RecipeName = "sentiment") -> str | None:
        """One settings line when a training job of `recipe` cannot pull its image in `region`, else None."""
        repository = dlc.PYTORCH_TRAINING if recipe == "forecast" else dlc.HUGGINGFACE_TRAINING
        problem = dlc.region_problem(repository, region)
        return f"{problem}; choose one with -c region=..., e.g. -c region=us-east-1" if problem else None

    def image_uri(self, region: str) -> str:
        """The training image in `region`; call region_problem first (LookupError where it is missing)."""
        return dlc.image_uri(dlc.HUGGINGFACE_TRAINING, region, self.image_tag)

    def instances(self, recipe: RecipeName) -> tuple[str, int]:
        """(instance type, count) of a recipe's job: the forecast job trains one model on one instance."""
        return (self.forecast_instance_type, 1) if recipe == "forecast" else (self.instance_type, self.instance_count)

    @property
    def forecast_image_tag(self) -> str:
        """The pytorch-training tag of the forecast job: the CPU or GPU variant its instance type needs."""
        return dlc.pytorch_training_tag(self.forecast_pytorch_version, self.forecast_instance_type)

    def forecast_image_uri(self, region: str) -> str:
        """The forecast job's image in `region`; call region_problem(region, "forecast") first (LookupError)."""
        return dlc.image_uri(dlc.PYTORCH_TRAINING, region, self.forecast_image_tag)

    @property
    def framework_versions(self) -> tuple[str, str, str]:
        """(pytorch, transformers, python) versions of image_tag, e.g. ("2.9.0", "5.3.0", "py312"), as the
        SageMaker Python SDK's HuggingFace estimator names them."""
        match = re.match(r"(?P<torch>[\d.]+)-transformers(?P<hf>[\d.]+)-gpu-(?P<py>py\d+)-", self.image_tag)
        assert match is not None  # image_tag's validator guarantees the shape
        return match["torch"], match["hf"], match["py"]
