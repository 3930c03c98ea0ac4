"""Typed, validated settings for mlstack: the only code that reads CDK context.

Defaults live in `cdk.json` under the `mlstack` key. Any setting can be overridden on the command line
with `-c key=value`, using dotted keys for a layer's section (`-c platform.endpoint_memory_mb=3072`).
Command-line values arrive as strings: lists are comma-separated (`-c layers=data,platform`) or JSON,
booleans are `true`/`false`, an empty value clears an optional setting.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from stacks import naming
from stacks.naming import LAYERS, Layer

# Retention periods CloudWatch Logs accepts, in days, ascending: what log-retention settings may be set to, and
# (mapped to aws_logs.RetentionDays in stacks/constructs/log_groups.py) what log groups are created with.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

CONTEXT_KEY = "mlstack"
# Every resource, and everything the samples create from the notebook, carries this tag with the prefix
# as its value, so that `make cleanup` and `make status` can find what belongs to one deployment.
PREFIX_TAG_KEY = "mlstack:prefix"
# Region when neither the `region` setting nor the environment names one (app.py and the commands alike).
DEFAULT_REGION = "us-east-1"


# The profile's region, or a function that looks it up only when no setting or variable names a region.
ProfileRegion = str | None | Callable[[], str | None]


def region_and_source(setting: str | None, profile_region: ProfileRegion = None) -> tuple[str, str]:
    """The effective region and where it came from (`region`, `AWS_REGION`, ...), in the one region order
    of the app and every command: the `region` setting (`-c region=`), then AWS_REGION /
    AWS_DEFAULT_REGION, then the profile's region, then us-east-1.

    app.py passes CDK_DEFAULT_REGION as the profile's region: the CDK CLI sets it from the profile.
    """
    if setting:
        return setting, "region"
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(variable):
            return os.environ[variable], variable
    profile = profile_region() if callable(profile_region) else profile_region
    if profile:
        return profile, "the AWS profile's region"
    return DEFAULT_REGION, "the default region"


def resolve_region(setting: str | None, profile_region: ProfileRegion = None) -> str:
    """The region the app deploys to and every command talks to (see `region_and_source`)."""
    return region_and_source(setting, profile_region)[0]


@functools.cache
def aws_regions() -> dict[str, tuple[str, ...]]:
    """Partition (aws, aws-cn, aws-us-gov, ...) -> its region names, from the endpoint data botocore ships.

    Offline and as current as the installed botocore; the `*-global` pseudo-regions are left out.
    """
    from botocore.loaders import create_loader  # botocore ships with boto3, a runtime requirement

    loader = create_loader()
    regions: dict[str, set[str]] = {}
    for data in ("partitions", "endpoints"):
        for partition in loader.load_data(data)["partitions"]:
            name = partition.get("id") or partition.get("partition")
            regions.setdefault(name, set()).update(r for r in partition["regions"] if not r.endswith("-global"))
    return {name: tuple(sorted(names)) for name, names in regions.items()}


def region_problem(value: str) -> str | None:
    """Why `value` is not an AWS region (naming close matches or the partitions' regions), or None."""
    known = [region for regions in aws_regions().values() for region in regions]
    if value in known:
        return None
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.75)
    if close:
        return f"not an AWS region; did you mean {' or '.join(close)}?"
    area = value.split("-", 1)[0]
    same_area = [region for region in known if region.split("-", 1)[0] == area and len(area) == 2]
    if same_area:
        return f"not an AWS region; the {area}- regions are {', '.join(same_area)}"
    partitions = "; ".join(f"{name}: {', '.join(regions)}" for name, regions in sorted(aws_regions().items()))
    return f"not an AWS region, e.g. us-east-1; regions by partition: {partitions}"


def _known_region(value: str) -> str:
    problem = region_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _pattern(regex: str, allowed: str, max_length: int | None = None) -> AfterValidator:
    """A validator for text of a given shape whose message says `allowed` in words (never the regex)."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value) or (max_length is not None and len(value) > max_length):
            raise ValueError(allowed)
        return value

    check.allowed = allowed  # type: ignore[attr-defined]  # read by _allowed_in_words for a missing value
    return AfterValidator(check)


ALL_LAYERS: tuple[Layer, ...] = LAYERS

S3BucketName = Annotated[
    str,
    _pattern(
        r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
        "an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, beginning and ending with a "
        "letter or digit, e.g. noaa-ghcn-pds",
    ),
]
# A region botocore's partition data lists (aws, aws-cn, aws-us-gov, ...).
AwsRegion = Annotated[str, AfterValidator(_known_region)]
Email = Annotated[str, _pattern(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address, e.g. ana@example.com")]


class SettingsError(Exception):
    """Invalid settings; `problems` holds one line per problem, each naming setting, value and rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Section(BaseModel):
    """Base of every settings model: immutable, and a typo is an error rather than a silent default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_string_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        # `-c budget_email=` clears an optional setting (one whose default is None).
        optional = info.field_name is not None and cls.model_fields[info.field_name].default is None
        return None if value == "" and optional else value


def _split_list(value: Any) -> Any:
    """Accept `a,b` and JSON lists from the command line as well as real lists from cdk.json."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f'not a valid JSON list ({error.msg}); e.g. a,b or ["a", "b"]') from None
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


class Tags(_Section):
    """Tags applied to every resource; `project` is also the tag user-created resources get."""

    owner: str = "mlstack-user"  # who to ask about these resources
    project: str = "mlstack"  # groups the app's resources in Cost Explorer
    cost_center: str = "sandbox"  # billing allocation


class PublicDataset(_Section):
    """A Registry of Open Data dataset: a public S3 bucket the stacks get read access to."""

    id: Annotated[
        str,
        _pattern(
            r"[a-z][a-z0-9_]{0,62}",
            "a Glue table name: a lowercase letter, then up to 62 lowercase letters, digits or underscores, "
            "e.g. my_dataset",
        ),
    ]
    bucket: S3BucketName
    region: AwsRegion
    prefix: str = ""  # key prefix the grant is limited to; empty = whole bucket
    format: Literal["csv", "parquet", "archive", "images", "text"]
    description: str = ""


DEFAULT_PUBLIC_DATASETS: tuple[PublicDataset, ...] = (
    PublicDataset(
        id="noaa_ghcn",
        bucket="noaa-ghcn-pds",
        region="us-east-1",
        prefix="",
        format="parquet",
        description="NOAA Global Historical Climatology Network Daily (CSV and Parquet by year)",
    ),
    PublicDataset(
        id="fast_ai_imageclas",
        bucket="fast-ai-imageclas",
        region="us-east-1",
        format="archive",
        description="fast.ai image classification datasets (tgz archives)",
    ),
    PublicDataset(
        id="fast_ai_nlp",
        bucket="fast-ai-nlp",
        region="us-east-1",
        format="archive",
        description="fast.ai NLP datasets (tgz archives)",
    ),
)


class DataSettings(_Section):
    """Data layer: data bucket, public dataset links, Glue, Athena."""

    # Athena refuses a query once it has scanned this many megabytes (service minimum 10 MB). Default 1 GB.
    athena_bytes_scanned_cutoff_mb: int = Field(default=1024, ge=10)
    # Days before old object versions in the data bucket expire. Default 30.
    noncurrent_version_expiry_days: int = Field(default=30, ge=1)
    # Days before Athena query results expire. Default 7.
    athena_results_expiry_days: int = Field(default=7, ge=1)
    # Days before media generated for bot replies (speech MP3s under generated/) expire. Default 1.
    generated_media_expiry_days: int = Field(default=1, ge=1)
    # Adopt a data bucket kept by an earlier `retain_data=true` destroy (its DataBucketName output) instead of
    # creating an empty one; the stack then never deletes it. Default none: a new bucket.
    existing_bucket_name: str | None = None

    @field_validator("existing_bucket_name")
    @classmethod
    def _bucket_name(cls, name: str | None) -> str | None:
        if name is not None and not _is_s3_bucket_name(name):
            raise ValueError(
                "not an S3 bucket name: 3-63 characters of lowercase letters, digits, dots and hyphens, starting "
                "and ending with a letter or digit, no '..', not an IP address (e.g. mlstack-data-datalakedata1a2b3c)"
            )
        return name


def _is_s3_bucket_name(name: str) -> bool:
    """S3's general purpose bucket naming rules (the ones a name given here can break)."""
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    return (
        3 <= len(name) <= 63
        and set(name) <= allowed
        and name[0].isalnum()
        and name[-1].isalnum()
        and ".." not in name
        and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name)
    )


def _zone_name(value: str) -> str:
    """An availability zone name: a known region plus one zone letter (us-east-1b)."""
    region, letter = value[:-1], value[-1:]
    if not (letter.isalpha() and letter.islower()) or region_problem(region):
        raise ValueError("an availability zone: the region's name and a zone letter, e.g. us-east-1b")
    return value


# Key prefixes of the data bucket for training: inputs a job may read, and where jobs write models and checkpoints.
TRAINING_INPUTS_PREFIX = "training/"
MODELS_PREFIX = "models/"
CHECKPOINTS_PREFIX = "checkpoints/"

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
    if match.group(1) not in SAGEMAKER_INSTANCE_FAMILIES:
        raise ValueError(
            f"unknown instance type family ml.{match.group(1)}; allowed families: "
            + ", ".join(f"ml.{family}" for family in SAGEMAKER_INSTANCE_FAMILIES)
            + "; e.g. ml.t3.medium"
        )
    return value


class PlatformSettings(_Section):
    """Platform layer: SageMaker notebook instance and inference endpoint."""

    # Notebook instance type, ml.<family>.<size> of a known family. Default ml.t3.medium (about $0.05/h).
    notebook_instance_type: str = "ml.t3.medium"
    # Notebook ML storage volume in GB, 5-16384. Billed while it exists, running or stopped. Default 5.
    notebook_volume_size_gb: int = Field(default=5, ge=5, le=16384)
    # Notebook platform: notebook-al2023-v<n> (Amazon Linux 2023) or notebook-al2-v<n>. Default notebook-al2023-v1.
    notebook_platform: Annotated[
        str,
        _pattern(
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
        _pattern(
            r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?",
            "a Hugging Face Hub model id, owner/name or name, of letters, digits, dots, underscores and hyphens, "
            "e.g. distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        ),
    ] = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    # transformers pipeline task (HF_TASK). Default text-classification.
    hf_task: Annotated[
        str,
        _pattern(
            r"[a-z][a-z0-9-]*",
            "a transformers pipeline task: lowercase letters, digits and hyphens, e.g. text-classification",
        ),
    ] = "text-classification"
    # Tag of the Hugging Face PyTorch inference DLC (CPU). Default 2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04.
    endpoint_image_tag: Annotated[
        str,
        _pattern(
            r"[\w.-]+-cpu-[\w.-]+",
            "a CPU tag of the Hugging Face PyTorch inference image (it contains -cpu-), "
            "e.g. 2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04",
        ),
    ] = "2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04"
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

    @field_validator("model_data_url")
    @classmethod
    def _model_in_models_prefix(cls, url: str | None) -> str | None:
        if url is None:
            return None
        bucket, _, key = url.removeprefix("s3://").partition("/")
        if not (
            url.startswith("s3://")
            and _is_s3_bucket_name(bucket)
            and key.startswith(MODELS_PREFIX)
            and key.endswith(".tar.gz")
            and len(key) > len(MODELS_PREFIX) + len(".tar.gz")
        ):
            raise ValueError(
                f"an s3:// URL of a model archive under the data bucket's {MODELS_PREFIX} prefix: "
                f"s3://<data bucket>/{MODELS_PREFIX}<path>/model.tar.gz, "
                "e.g. s3://mlstack-data-datalakedata1a2b3c/models/mlstack-train-1/output/model.tar.gz"
            )
        return url

    @property
    def model_data_bucket_and_key(self) -> tuple[str, str] | None:
        """(bucket, key) of model_data_url, or None when the endpoint serves the Hub model."""
        if self.model_data_url is None:
            return None
        bucket, _, key = self.model_data_url.removeprefix("s3://").partition("/")
        return bucket, key

    @field_validator("notebook_instance_type", "endpoint_instance_type")
    @classmethod
    def _instance_type(cls, value: str | None) -> str | None:
        return None if value is None else _sagemaker_instance_type(value)


class FrameworksSettings(_Section):
    """Frameworks layer: Deep Learning AMI GPU instance."""

    # Instance families the x86_64 OSS Nvidia Driver DLAMIs list as supported ("supported_ec2_instances" in
    # the release notes of "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.10 (Amazon Linux 2023)
    # 20260919", docs.aws.amazon.com/dlami/latest/devguide, checked 2026-12-02): G4dn, G5, G6, Gr6, Gr6f,
    # G6e, G6f, P4 (p4d), P4de, P5, P5e, P5en, P6-B200. Not here on purpose: p3 (dropped by current DLAMIs),
    # g7 and p6-b300 (in no DLAMI's list), g5g/p6e-gb200 (arm64), trn1/trn2/inf2 (AWS Neuron, not NVIDIA).
    GPU_FAMILIES: ClassVar[tuple[str, ...]] = (
        "g4dn", "g5", "g6", "gr6", "gr6f", "g6e", "g6f", "p4d", "p4de", "p5", "p5e", "p5en", "p6-b200",
    )  # fmt: skip
    FRAMEWORKS: ClassVar[tuple[str, ...]] = ("base", "pytorch", "tensorflow")
    # PyTorch DLAMIs exist per PyTorch version; 2.10 is current for Ubuntu 24.04 and Amazon Linux 2023.
    PYTORCH_DLAMI_VERSION: ClassVar[str] = "2.10"
    # framework -> OS -> why no DLAMI exists for it (combinations not listed here exist).
    NO_DLAMI: ClassVar[dict[str, dict[str, str]]] = {
        "pytorch": {
            "ubuntu-22.04": "current PyTorch DLAMIs are built for ubuntu-24.04 and amazon-linux-2023 only "
            "(the last Ubuntu 22.04 one was PyTorch 2.7)",
        },
    }
    # Graviton and other arm64 families (m7g, c7gn, t4g, g5g): the x86_64 DLAMIs cannot boot on them.
    ARM_FAMILY: ClassVar[re.Pattern[str]] = re.compile(r"^[a-z]+\d+[a-z]*g[a-z]*$")
    INSTANCE_TYPE: ClassVar[re.Pattern[str]] = re.compile(r"^(?P<family>[a-z][a-z0-9-]*)\.(?P<size>[a-z0-9]+)$")

    # Accept a non-GPU instance type (e.g. m7i.large for a cheap trial). Default false.
    allow_cpu: bool = False
    # EC2 instance type: a GPU family from GPU_FAMILIES, or an x86_64 CPU type with allow_cpu. Default g4dn.xlarge.
    instance_type: str = "g4dn.xlarge"
    # Deep Learning AMI flavour: base (Base OSS Nvidia Driver GPU), pytorch (PyTorch DLAMI), tensorflow
    # (base DLAMI plus TensorFlow installed into its own venv at first boot). Default pytorch.
    framework: str = "pytorch"
    # DLAMI operating system: ubuntu-22.04, ubuntu-24.04, amazon-linux-2023. Default ubuntu-24.04.
    os: Literal["ubuntu-22.04", "ubuntu-24.04", "amazon-linux-2023"] = "ubuntu-24.04"
    # Pin an exact AMI id (ami-...) so deploys never replace the instance. Default none: the DLAMI's
    # public SSM parameter, resolved at each deploy (a new DLAMI release then replaces the instance).
    ami_id: (
        Annotated[
            str,
            _pattern(
                r"ami-[0-9a-f]{8}([0-9a-f]{9})?",
                "an AMI id: ami- and 17 (or 8) hexadecimal digits, e.g. ami-0123456789abcdef0",
            ),
        ]
        | None
    ) = Field(default=None, examples=["ami-0123456789abcdef0"])
    # Encrypted gp3 root volume in GiB; the DLAMI snapshots need 75-100+. Default 125.
    root_volume_gb: int = Field(default=125, ge=100, le=16384)
    # public (public subnet, no NAT, no idle cost), private-nat (private subnet + one NAT gateway) or
    # private-endpoints (isolated subnet + SSM/CloudWatch interface endpoints + S3 gateway). Default public.
    network: Literal["public", "private-nat", "private-endpoints"] = "public"
    # Availability zone for the subnet(s), e.g. us-east-1b, when the first zone has no GPU capacity; it must
    # be a zone of the deploy region. Default none: the region's first zone.
    availability_zone: Annotated[str, AfterValidator(_zone_name)] | None = Field(default=None, examples=["us-east-1b"])
    # Stop the instance when CPU and GPU utilization both stay below this percentage... Default 5.
    idle_cpu_percent: float = Field(default=5.0, gt=0, lt=100)
    # ...for this many minutes: a multiple of 5 between 10 and 1440. Default 60.
    idle_stop_minutes: int = Field(default=60, ge=10, le=1440, multiple_of=5)
    # Run as a persistent spot instance that stops (keeps its volume) on interruption. Default false.
    spot: bool = False
    # Existing EC2 key pair to attach (no SSH ingress is opened either way; SSM is the way in). Default none.
    key_pair_name: (
        Annotated[str, _pattern(r".+", "an EC2 key pair name of 1 to 255 characters, e.g. my-key", max_length=255)]
        | None
    ) = Field(default=None, examples=["my-key"])
    # Port JupyterLab listens on, on 127.0.0.1 only. Default 8888.
    jupyter_port: int = Field(default=8888, ge=1024, le=65535)

    @field_validator("framework")
    @classmethod
    def _framework_known(cls, framework: str) -> str:
        if framework == "mxnet":
            raise ValueError(
                "Apache MXNet is retired (moved to the Apache Attic in 2023) and no current DLAMI ships it; "
                "choose pytorch, or base/tensorflow"
            )
        if framework not in cls.FRAMEWORKS:
            raise ValueError(f"one of {', '.join(cls.FRAMEWORKS)}, e.g. pytorch")
        return framework

    @field_validator("instance_type")
    @classmethod
    def _instance_type_has_a_gpu(cls, instance_type: str, info: ValidationInfo) -> str:
        match = cls.INSTANCE_TYPE.match(instance_type)
        if not match:
            raise ValueError("an EC2 instance type: family.size, e.g. g4dn.xlarge")
        family = match["family"]
        if family in cls.GPU_FAMILIES:
            return instance_type
        allowed = f"GPU families: {', '.join(cls.GPU_FAMILIES)}"
        if cls.ARM_FAMILY.match(family):
            raise ValueError(
                f"{family} is arm64; the DLAMIs used here are x86_64; use one of the {allowed}, e.g. g4dn.xlarge"
            )
        if re.match(r"^[gp]\d", family):  # an NVIDIA family the DLAMI release notes do not list
            raise ValueError(
                f"{family} is not among the instance families the DLAMI release notes list; use one of the "
                f"{allowed}, e.g. g4dn.xlarge"
            )
        if not info.data.get("allow_cpu"):
            raise ValueError(
                f"{family} has no NVIDIA GPU; use one of the {allowed}, e.g. g4dn.xlarge (or set allow_cpu=true)"
            )
        return instance_type

    @field_validator("os")
    @classmethod
    def _dlami_exists(cls, os: str, info: ValidationInfo) -> str:
        framework = info.data.get("framework")
        reason = cls.NO_DLAMI.get(str(framework), {}).get(os)
        if reason:
            raise ValueError(
                f"no {framework} DLAMI for {os}: {reason}; choose another os, e.g. ubuntu-24.04, or framework=base"
            )
        return os

    @model_validator(mode="after")
    def _endpoints_need_preinstalled_jupyter(self) -> FrameworksSettings:
        if self.network == "private-endpoints" and self.framework != "pytorch":
            raise ValueError(
                f"network=private-endpoints has no internet access, but framework={self.framework} installs "
                "JupyterLab with pip at first boot; use framework=pytorch or network=public/private-nat"
            )
        return self

    @property
    def ami_parameter(self) -> str:
        """Public SSM parameter holding the latest DLAMI id for this framework and OS."""
        if self.framework == "pytorch":
            name = f"oss-nvidia-driver-gpu-pytorch-{self.PYTORCH_DLAMI_VERSION}-{self.os}"
        else:  # base, and tensorflow (installed on the base DLAMI)
            name = f"base-oss-nvidia-driver-gpu-{self.os}"
        return f"/aws/service/deeplearning/ami/x86_64/{name}/latest/ami-id"


class TrainingSettings(_Section):
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
        _pattern(
            r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?",
            "a Hugging Face Hub model id, owner/name or name, of letters, digits, dots, underscores and hyphens, "
            "e.g. distilbert-base-uncased",
        ),
    ] = "distilbert-base-uncased"
    # Tag of the Hugging Face PyTorch training Deep Learning Container (GPU). Default
    # 2.5.1-transformers4.49.0-gpu-py311-cu124-ubuntu22.04.
    image_tag: Annotated[
        str,
        _pattern(
            r"\d+\.\d+(\.\d+)?-transformers\d+\.\d+\.\d+-gpu-py\d+-[\w.-]+",
            "a GPU tag of the Hugging Face PyTorch training image, <pytorch>-transformers<version>-gpu-py<nn>-..., "
            "e.g. 2.5.1-transformers4.49.0-gpu-py311-cu124-ubuntu22.04",
        ),
    ] = "2.5.1-transformers4.49.0-gpu-py311-cu124-ubuntu22.04"
    # `mlstack train` refuses a job whose worst-case cost (instances x max runtime, or max wait with spot, x the
    # on-demand price) is above this many US dollars, unless raised. Default 5.
    max_job_usd: float = Field(default=5.0, gt=0)

    @field_validator("instance_type")
    @classmethod
    def _priced_training_type(cls, instance_type: str) -> str:
        if instance_type not in cls.INSTANCE_TYPES:
            raise ValueError(
                "not a training instance type mlstack knows the price of; GPU: "
                + ", ".join(t for t in cls.INSTANCE_TYPES if t.split(".")[1][0] in "gp")
                + "; CPU: "
                + ", ".join(t for t in cls.INSTANCE_TYPES if t.split(".")[1][0] not in "gp")
                + "; e.g. ml.g5.xlarge"
            )
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

    @property
    def framework_versions(self) -> tuple[str, str, str]:
        """(pytorch, transformers, python) versions of image_tag, e.g. ("2.5.1", "4.49.0", "py311"), as the
        SageMaker Python SDK's HuggingFace estimator names them."""
        match = re.match(r"(?P<torch>[\d.]+)-transformers(?P<hf>[\d.]+)-gpu-(?P<py>py\d+)-", self.image_tag)
        assert match is not None  # image_tag's validator guarantees the shape
        return match["torch"], match["hf"], match["py"]


class ApiServicesSettings(_Section):
    """API services layer: Lex V2 bot and its fulfillment Lambda."""

    # Lex V2 English locales: the bot's sample utterances and prompts are English, so only these can build.
    LEX_ENGLISH_LOCALES: ClassVar[tuple[str, ...]] = ("en_US", "en_GB", "en_AU", "en_IN", "en_ZA")
    # Amazon Polly voices with the neural engine (the bot's voice channel and the Speak intent use it), by the
    # language they speak. Source: Amazon Polly Developer Guide, "Available voices" (neural column) and
    # "Neural TTS", docs.aws.amazon.com/polly/latest/dg/available-voices.html, checked 2026-12-02. Lex V2
    # refuses a locale whose voice speaks another language, so a voice must speak every locale's language.
    POLLY_NEURAL_VOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "en-US": (
            "Danielle", "Gregory", "Ivy", "Joanna", "Joey", "Justin", "Kendra", "Kevin", "Kimberly", "Matthew",
            "Ruth", "Salli", "Stephen",
        ),
        "en-GB": ("Amy", "Arthur", "Brian", "Emma"),
        "en-AU": ("Olivia",),
        "en-IN": ("Kajal",),
        "en-ZA": ("Ayanda",),
        "en-IE": ("Niamh",),
        "en-NZ": ("Aria",),
    }  # fmt: skip
    POLLY_NEURAL_ENGLISH_VOICES: ClassVar[tuple[str, ...]] = tuple(
        voice for voices in POLLY_NEURAL_VOICES.values() for voice in voices
    )

    # Bot locales; the first is the one scripts talk to (output BotLocaleId). Default ["en_US"].
    # Allowed: en_US, en_GB, en_AU, en_IN, en_ZA (the utterances are English), each at most once. One voice
    # serves every locale and must speak each one's language, so in practice one locale per deployment.
    locales: tuple[str, ...] = ("en_US",)
    # Seconds Lex keeps a conversation's context between messages. Default 300; Lex allows 60-86400.
    idle_session_ttl_seconds: int = Field(default=300, ge=60, le=86400)
    # Amazon Polly voice of the Speak intent (and the bot's voice channel). Default "Joanna";
    # allowed: a neural voice of POLLY_NEURAL_VOICES that speaks the language of every locale (en_GB: Amy...).
    polly_voice: str = "Joanna"
    # Days a request's result stays in the DynamoDB results table before TTL deletes it. Default 30; 1-365.
    result_ttl_days: int = Field(default=30, ge=1, le=365)
    # Lifetime of the presigned URL a Speak reply carries. Default 3600; 60-43200 (the URL dies with the
    # Lambda role session that signed it anyway, at most 12 hours).
    presigned_url_seconds: int = Field(default=3600, ge=60, le=43200)
    # Retention of the function's and the bot's conversation log groups. Default 30; a CloudWatch Logs value.
    log_retention_days: int = 30
    # Adopt a results table kept by an earlier `retain_data=true` destroy (its ResultsTableName output) instead
    # of creating an empty one; the stack then never deletes it. Default none: a new table.
    existing_results_table_name: str | None = None

    @field_validator("existing_results_table_name")
    @classmethod
    def _table_name(cls, name: str | None) -> str | None:
        allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        if name is not None and not (3 <= len(name) <= 255 and set(name) <= allowed):
            raise ValueError(
                "not a DynamoDB table name: 3-255 letters, digits, underscores, hyphens and dots "
                "(e.g. Mlstack-ApiServices-ResultsTable1A2B3C4D-EXAMPLE)"
            )
        return name

    @field_validator("locales", mode="before")
    @classmethod
    def _locales_from_command_line(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("locales")
    @classmethod
    def _english_locales(cls, locales: tuple[str, ...]) -> tuple[str, ...]:
        allowed = ", ".join(cls.LEX_ENGLISH_LOCALES)
        if not locales:
            raise ValueError(f"give at least one of {allowed}, e.g. en_US")
        unknown = [locale for locale in locales if locale not in cls.LEX_ENGLISH_LOCALES]
        if unknown:
            raise ValueError(f"unsupported locale {', '.join(unknown)}; allowed: {allowed}, e.g. en_US")
        if len(set(locales)) != len(locales):
            raise ValueError("each locale may appear once, e.g. en_GB")
        return locales

    @field_validator("polly_voice")
    @classmethod
    def _known_voice(cls, voice: str) -> str:
        if voice not in cls.POLLY_NEURAL_ENGLISH_VOICES:
            raise ValueError(
                "not an English neural Amazon Polly voice; allowed: "
                + "; ".join(f"{language}: {', '.join(voices)}" for language, voices in cls.POLLY_NEURAL_VOICES.items())
                + "; e.g. Joanna"
            )
        return voice

    def voice_problem(self) -> str | None:
        """Why the voice cannot serve every locale (Lex V2 wants a voice of each locale's language), or None."""
        language = next(lang for lang, voices in self.POLLY_NEURAL_VOICES.items() if self.polly_voice in voices)
        wrong = [locale for locale in self.locales if locale.replace("_", "-") != language]
        if not wrong:
            return None
        fits = {locale: self.POLLY_NEURAL_VOICES.get(locale.replace("_", "-"), ()) for locale in wrong}
        suggestions = "; ".join(f"{locale}: {', '.join(voices)}" for locale, voices in fits.items())
        example = next(iter(fits.values()), ("Joanna",))[0]
        if len({locale.replace("_", "-") for locale in self.locales}) > 1:
            return (
                f"api_services.polly_voice={self.polly_voice!r}: speaks {language}, and one voice serves every "
                f"locale ({', '.join(self.locales)}) but must speak each one's language; deploy one locale with a "
                f"voice of its language ({suggestions}), e.g. -c api_services.locales={wrong[0]} "
                f"-c api_services.polly_voice={example}"
            )
        return (
            f"api_services.polly_voice={self.polly_voice!r}: speaks {language}, but locale {wrong[0]} needs a "
            f"voice of its language: {', '.join(fits[wrong[0]])}, e.g. -c api_services.polly_voice={example}"
        )

    @field_validator("log_retention_days")
    @classmethod
    def _cloudwatch_retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"a CloudWatch Logs retention in days, one of {', '.join(map(str, LOG_RETENTION_DAYS))}; e.g. 30"
            )
        return days


class Settings(_Section):
    """Everything mlstack can be configured with; see README 'Settings' for each default."""

    # Lowercase letters, digits and single hyphens, max 20: prefixes stack names and physical names so
    # several people can deploy into one account. Default "mlstack".
    # No leading digit, no "--", no trailing "-": the strictest of the names it ends up in (Lex bot names,
    # S3 buckets, SageMaker resources) all accept that.
    prefix: Annotated[
        str,
        _pattern(
            r"[a-z](-?[a-z0-9])*",
            "1 to 20 lowercase letters, digits and single hyphens, beginning with a letter and not ending with a "
            "hyphen, e.g. team-a",
            max_length=20,
        ),
    ] = "mlstack"
    # Region to deploy to: a region of botocore's partition data. Default: AWS_REGION / AWS_DEFAULT_REGION,
    # then the profile's region, else us-east-1 (resolve_region).
    region: AwsRegion | None = Field(default=None, examples=["eu-west-1"])
    # Any subset of data, platform, frameworks, api_services; every other layer needs data. Default all.
    layers: tuple[Layer, ...] = ALL_LAYERS
    # Keep the data bucket, its logs and the DynamoDB table on `cdk destroy`. Default false.
    retain_data: bool = False
    # A monthly AWS Budget with e-mail alerts, created when budget_email is set. Default 50 USD, no email.
    budget_monthly_usd: float = Field(default=50.0, gt=0)
    budget_email: Email | None = Field(default=None, examples=["ana@example.com"])
    # Where alarms, budget alerts and spending-stop reports go: one SNS topic in the Data stack with this address
    # subscribed (confirm the e-mail AWS sends). Its KMS key costs $1 a month. Default: budget_email; neither
    # set: no topic, no key.
    alerts_email: Email | None = None
    # Hard spending stop: when actual spend passes this percentage of budget_monthly_usd, a Lambda stops the
    # prefix's running compute (GPU instance, notebook, training jobs, instance-backed endpoints). Needs
    # budget_email. Default none (off); e.g. 100.
    budget_stop_percent: float | None = Field(default=None, gt=0, le=1000, examples=[100])
    # account: the budget counts the whole account's cost; prefix: only cost tagged mlstack:prefix=<prefix>
    # (activate that cost allocation tag once per account first). Default account.
    budget_scope: Literal["account", "prefix"] = "account"
    # Extra cdk-nag rule packs run beside AwsSolutions on every synth: nist-800-53-r5. Default none.
    compliance_packs: tuple[Literal["nist-800-53-r5"], ...] = ()
    tags: Tags = Tags()
    public_datasets: tuple[PublicDataset, ...] = DEFAULT_PUBLIC_DATASETS
    data: DataSettings = DataSettings()
    platform: PlatformSettings = PlatformSettings()
    frameworks: FrameworksSettings = FrameworksSettings()
    api_services: ApiServicesSettings = ApiServicesSettings()
    training: TrainingSettings = TrainingSettings()

    @field_validator("layers", "public_datasets", "compliance_packs", mode="before")
    @classmethod
    def _lists_from_command_line(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("layers")
    @classmethod
    def _layers_unique(cls, layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
        if not layers:
            raise ValueError(f"enable at least one of {', '.join(ALL_LAYERS)}, e.g. data,platform")
        # Stack order follows the dependency order regardless of how the user listed them.
        return tuple(layer for layer in ALL_LAYERS if layer in layers)

    @field_validator("public_datasets")
    @classmethod
    def _dataset_ids_unique(cls, datasets: tuple[PublicDataset, ...]) -> tuple[PublicDataset, ...]:
        ids = [dataset.id for dataset in datasets]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(
                f"dataset ids must be unique; repeated: {', '.join(duplicates)}, e.g. rename one to {duplicates[0]}_2"
            )
        return datasets

    @model_validator(mode="after")
    def _data_layer_required(self) -> Settings:
        if "data" not in self.layers:
            raise ValueError(
                f"layers={','.join(self.layers)}: every layer needs the data layer; add data to layers, "
                f"e.g. data,{','.join(self.layers)}"
            )
        return self

    @model_validator(mode="after")
    def _budget_options_need_the_budget(self) -> Settings:
        for name, value, default in (
            ("budget_stop_percent", self.budget_stop_percent, None),
            ("budget_scope", self.budget_scope, "account"),
        ):
            if value != default and not self.budget_email:
                shown = f"{value:g}" if isinstance(value, float) else value
                raise ValueError(
                    f"{name}={shown}: acts on the monthly budget, which exists only with budget_email; "
                    "set budget_email too (e.g. -c budget_email=me@example.com)"
                )
        return self

    @property
    def alerts_recipient(self) -> str | None:
        """The address the alerts topic mails: alerts_email, else budget_email; None means no topic."""
        return self.alerts_email or self.budget_email

    @property
    def stack_prefix(self) -> str:
        """`mlstack` -> `Mlstack`; `team-a` -> `Team-A`: the start of every stack name."""
        return naming.stack_prefix(self.prefix)

    def stack_name(self, layer: Layer) -> str:
        """This prefix's stack of one layer: `Mlstack-ApiServices`."""
        return naming.stack_name(self.prefix, layer)

    def has(self, layer: Layer) -> bool:
        return layer in self.layers


def setting_keys(model: type[BaseModel] = Settings, parent: str = "") -> list[str]:
    """Every key `-c` accepts: top-level fields and dotted `section.field` for nested sections."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        key = f"{parent}{name}"
        keys.append(key)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, _Section) and annotation is not Tags:
            keys.extend(setting_keys(annotation, f"{key}."))
        elif annotation is Tags:
            keys.extend(f"{key}.{tag}" for tag in Tags.model_fields)
    return keys


def _is_cdk_internal(key: str) -> bool:
    # Feature flags (`@aws-cdk/...`), CLI-provided keys (`aws:cdk:...`) and cdk.json's own keys.
    return key.startswith("@") or ":" in key or key.startswith("aws-cdk") or key == CONTEXT_KEY


def _parse_command_line(value: Any) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value  # let the field's own validation report it
    return value


def _merge(raw: dict[str, Any], dotted_key: str, value: Any) -> None:
    *sections, name = dotted_key.split(".")
    target = raw
    for section in sections:
        existing = target.get(section)
        target[section] = dict(existing) if isinstance(existing, Mapping) else {}
        target = target[section]
    target[name] = value


def _unoptional(annotation: Any) -> Any:
    """`X | None` -> X; anything else unchanged."""
    if get_origin(annotation) in (Union, type(int | None)):
        arms = [arm for arm in get_args(annotation) if arm is not type(None)]
        return arms[0] if len(arms) == 1 else annotation
    return annotation


def _field_at(loc: tuple[Any, ...]) -> tuple[FieldInfo | None, Any, bool]:
    """The settings field an error location points at, the type there, and whether it is a list item."""
    annotation: Any = Settings
    field: FieldInfo | None = None
    item = False
    for part in loc:
        if isinstance(part, int):  # an item of a tuple[X, ...] setting
            args = get_args(annotation)
            annotation, item = (args[0] if args else Any), True
            continue
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if model is None or part not in model.model_fields:
            return None, None, False
        field, item = model.model_fields[part], False
        annotation = _unoptional(field.annotation)
    return field, annotation, item


def _number_in_words(annotation: Any, field: FieldInfo) -> str:
    names = {"Ge": "ge", "Gt": "gt", "Le": "le", "Lt": "lt", "MultipleOf": "multiple_of"}
    bounds = {
        type(m).__name__: getattr(m, names[type(m).__name__]) for m in field.metadata if type(m).__name__ in names
    }
    words = "a whole number" if annotation is int else "a number"
    low, high = bounds.get("Ge", bounds.get("Gt")), bounds.get("Le", bounds.get("Lt"))
    if "Ge" in bounds and "Le" in bounds:
        words += f" from {low:g} to {high:g}"
    else:
        if "Ge" in bounds:
            words += f" of at least {low:g}"
        if "Gt" in bounds:
            words += f" greater than {low:g}"
        if "Gt" in bounds or "Ge" in bounds:
            words += " and" if high is not None else ""
        if "Le" in bounds:
            words += f" at most {high:g}"
        if "Lt" in bounds:
            words += f" less than {high:g}"
    if "MultipleOf" in bounds:
        words += f" in steps of {bounds['MultipleOf']:g}"
    return words


def _example(field: FieldInfo, annotation: Any, item: bool) -> str | None:
    value: Any = field.examples[0] if field.examples else (None if field.is_required() else field.default)
    if item and isinstance(value, tuple):
        value = value[0] if value else None
    if value is None and get_origin(annotation) is Literal:
        value = get_args(annotation)[0]
    if (
        value is None
        or isinstance(value, BaseModel)
        or (isinstance(value, tuple) and value[:1] and isinstance(value[0], BaseModel))
    ):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def _allowed_in_words(loc: tuple[Any, ...]) -> str | None:
    """What a field accepts, in words with an example (e.g. 'a whole number from 10 to 1440 in steps of 5,
    e.g. 60'), from its type and constraints; None where the field is unknown."""
    field, annotation, item = _field_at(loc)
    if field is None:
        return None
    if get_origin(annotation) is tuple and not item:
        annotation = get_args(annotation)[0]
        words = "a comma-separated list, each item"
    else:
        words = ""
    if get_origin(annotation) is Literal:
        allowed = "one of " + ", ".join(map(str, get_args(annotation)))
    elif annotation is bool:
        allowed = "true or false"
    elif annotation in (int, float):
        allowed = _number_in_words(annotation, field)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        allowed = f"an object (JSON) with the keys {', '.join(annotation.model_fields)}"
    else:
        described = [getattr(m.func, "allowed", None) for m in field.metadata if isinstance(m, AfterValidator)]
        if described and described[0]:
            return str(described[0])  # the validator's own words, with its example
        allowed = "text"
    example = _example(field, annotation, item)
    text = f"{words} {allowed}" if words else allowed
    return f"{text}, e.g. {example}" if example is not None else text


def _format_error(error: Mapping[str, Any]) -> str:
    """One pydantic error as `setting='value': what is allowed, e.g. ...`."""
    loc = tuple(error["loc"])
    location = ""
    for part in loc:
        location += f"[{part}]" if isinstance(part, int) else (f".{part}" if location else str(part))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{location}: unknown setting"
    if not location:  # model-level rule: the message names the settings itself
        return message
    if error["type"] not in ("value_error", "assertion_error"):
        # pydantic's own wording ("Input should be ...") becomes the field's rule in words, with an example.
        allowed = _allowed_in_words(loc)
        if allowed is not None:
            message = f"missing; give {allowed}" if error["type"] == "missing" else allowed
    value = error.get("input")
    if isinstance(value, Mapping):
        return f"{location}: {message}"
    return f"{location}={value!r}: {message}"


def _unknown_key(key: str, value: Any, known: set[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"{key}={value!r}: unknown setting; {hint}known settings: {', '.join(sorted(known))}"


def _cross_field_problems(settings: Settings, profile_region: ProfileRegion) -> list[str]:
    """Rules between settings, and against the region the app will deploy to, where a deploy would fail."""
    problems: list[str] = []
    region, source = region_and_source(settings.region, profile_region)
    if source != "region":  # the setting itself was validated as a field
        problem = region_problem(region)
        if problem:
            where = f"{source}={region!r}" if source.startswith("AWS_") else f"region={region!r} (from {source})"
            problems.append(f"{where}: {problem}; fix it or set -c region=..., e.g. -c region=us-east-1")
    zone = settings.frameworks.availability_zone
    if settings.has("frameworks") and zone and zone[:-1] != region:
        problems.append(
            f"frameworks.availability_zone={zone!r}: not a zone of the deploy region {region} "
            f"(from {'the region setting' if source == 'region' else source}); "
            f"use a zone of {region}, e.g. {region}b, or deploy to {zone[:-1]} with -c region={zone[:-1]}"
        )
    model_data = settings.platform.model_data_bucket_and_key
    adopted = settings.data.existing_bucket_name
    if model_data and adopted and model_data[0] != adopted:
        problems.append(
            f"platform.model_data_url={settings.platform.model_data_url!r}: not in the data bucket "
            f"data.existing_bucket_name={adopted!r}, the only bucket the endpoint may read models from; "
            f"use s3://{adopted}/{model_data[1]}"
        )
    if settings.has("api_services"):
        voice = settings.api_services.voice_problem()
        if voice:
            problems.append(voice)
    return problems


def load_settings(context: Mapping[str, Any], profile_region: ProfileRegion = None) -> Settings:
    """Build Settings from CDK context: `mlstack` defaults from cdk.json, then `-c key=value` overrides.

    `profile_region` is what the region falls back to when neither the setting nor AWS_REGION /
    AWS_DEFAULT_REGION names one (app.py: CDK_DEFAULT_REGION; the commands: the boto3 profile's region,
    looked up only if needed): rules that depend on the region check the region the app will use.
    Raises SettingsError with one line per problem.
    """
    defaults = context.get(CONTEXT_KEY) or {}
    if not isinstance(defaults, Mapping):
        raise SettingsError(
            [
                f"{CONTEXT_KEY}={defaults!r}: must be an object of settings in cdk.json's context, "
                '(e.g. {"prefix": "ana"})'
            ]
        )
    raw: dict[str, Any] = json.loads(json.dumps(defaults))
    known = set(setting_keys())
    problems: list[str] = []
    for key, value in context.items():
        if _is_cdk_internal(key):
            continue
        if key not in known:
            problems.append(_unknown_key(key, value, known))
            continue
        _merge(raw, key, _parse_command_line(value))
    if problems:
        raise SettingsError(problems)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise SettingsError([_format_error(e) for e in error.errors()]) from None
    problems = _cross_field_problems(settings, profile_region)
    if problems:
        raise SettingsError(problems)
    return settings


def prefixed(settings: Settings, name: str, max_length: int = 63) -> str:
    """A physical name unique to this prefix, e.g. `mlstack-notebook`, cut to the service's limit."""
    name = re.sub(r"[^a-z0-9-]", "-", f"{settings.prefix}-{name}".lower())
    return name[:max_length].rstrip("-")
