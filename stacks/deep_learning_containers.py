"""AWS Deep Learning Containers (DLC): the repositories mlstack uses, the account that publishes them in each
region, and the regions where each repository exists. The one copy of these facts: the CDK app (image URIs,
pull grants), the settings validation (tag grammar, region refusals) and the CLI (training jobs) all read it.
Imports nothing from aws_cdk.

Source: the SageMaker Python SDK's image tables, `sagemaker-core/src/sagemaker/core/image_uri_config/`
`huggingface.json` and `pytorch.json` (github.com/aws/sagemaker-python-sdk, commit a248126, 2026-08-21), read on
2026-12-04. A repository's regions are the registries of its newest version there, the version the default tags
name: the Hugging Face training image of transformers 5.3 is missing in four regions where older ones and the
inference image exist (ap-south-2, ap-southeast-4, eu-central-2, eu-south-2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HUGGINGFACE_INFERENCE = "huggingface-pytorch-inference"
HUGGINGFACE_TRAINING = "huggingface-pytorch-training"
# The plain PyTorch DLCs (CPU and GPU variants) for recipes that need no transformers.
PYTORCH_TRAINING = "pytorch-training"
PYTORCH_INFERENCE = "pytorch-inference"
REPOSITORIES = (HUGGINGFACE_INFERENCE, HUGGINGFACE_TRAINING, PYTORCH_TRAINING, PYTORCH_INFERENCE)

# The registry account per region; every repository above uses the same account in a region.
ACCOUNTS: dict[str, str] = {
    "af-south-1": "626614931356",
    "ap-east-1": "871362719292",
    "ap-east-2": "975050140332",
    "ap-northeast-1": "763104351884",
    "ap-northeast-2": "763104351884",
    "ap-northeast-3": "364406365360",
    "ap-south-1": "763104351884",
    "ap-south-2": "772153158452",
    "ap-southeast-1": "763104351884",
    "ap-southeast-2": "763104351884",
    "ap-southeast-3": "907027046896",
    "ap-southeast-4": "457447274322",
    "ap-southeast-5": "550225433462",
    "ap-southeast-6": "633930458069",
    "ap-southeast-7": "590183813437",
    "ca-central-1": "763104351884",
    "ca-west-1": "204538143572",
    "cn-north-1": "727897471807",
    "cn-northwest-1": "727897471807",
    "eu-central-1": "763104351884",
    "eu-central-2": "380420809688",
    "eu-north-1": "763104351884",
    "eu-south-1": "692866216735",
    "eu-south-2": "503227376785",
    "eu-west-1": "763104351884",
    "eu-west-2": "763104351884",
    "eu-west-3": "763104351884",
    "il-central-1": "780543022126",
    "me-central-1": "914824155844",
    "me-south-1": "217643126080",
    "mx-central-1": "637423239942",
    "sa-east-1": "763104351884",
    "us-east-1": "763104351884",
    "us-east-2": "763104351884",
    "us-gov-east-1": "446045086412",
    "us-gov-west-1": "442386744353",
    "us-iso-east-1": "886529160074",
    "us-isob-east-1": "094389454867",
    "us-west-1": "763104351884",
    "us-west-2": "763104351884",
}

# Regions of ACCOUNTS where a repository's newest version is not published.
_MISSING: dict[str, frozenset[str]] = {
    HUGGINGFACE_INFERENCE: frozenset(
        {"ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "mx-central-1"}
    ),
    HUGGINGFACE_TRAINING: frozenset(
        {"ap-east-2", "ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7"}
        | {"eu-central-2", "eu-south-2", "mx-central-1"}
    ),
    PYTORCH_TRAINING: frozenset({"us-iso-east-1", "us-isob-east-1"}),
    PYTORCH_INFERENCE: frozenset({"us-iso-east-1", "us-isob-east-1"}),
}
REPOSITORY_REGIONS: dict[str, frozenset[str]] = {
    repository: frozenset(ACCOUNTS) - _MISSING[repository] for repository in REPOSITORIES
}


@dataclass(frozen=True)
class Partition:
    """An AWS partition as ARNs (`name`) and ECR registry host names (`domain`) spell it."""

    name: str
    domain: str


_PARTITIONS = (
    ("cn-", Partition("aws-cn", "amazonaws.com.cn")),
    ("us-gov-", Partition("aws-us-gov", "amazonaws.com")),
    ("us-isob-", Partition("aws-iso-b", "sc2s.sgov.gov")),
    ("us-iso-", Partition("aws-iso", "c2s.ic.gov")),
)
COMMERCIAL = Partition("aws", "amazonaws.com")

# Image tags as the SDK tables and the DLC release notes (github.com/aws/deep-learning-containers,
# docs/src/data/) spell them: <pytorch>-transformers<version>-<cpu|gpu>-py3<n>[-cu<nnn>]-<os>[-sagemaker][-v<n>],
# the OS an Ubuntu release (ubuntu22.04) or Amazon Linux (amzn2023).
_VERSION = r"\d+\.\d+(?:\.\d+)?"
_OS_AND_BUILD = r"(?:ubuntu\d{2}\.\d{2}|amzn20\d{2})(?:-sagemaker)?(?:-v\d+(?:\.\d+)*)?"
HUGGINGFACE_CPU_TAG = re.compile(rf"{_VERSION}-transformers{_VERSION}-cpu-py3\d{{1,2}}-{_OS_AND_BUILD}")
HUGGINGFACE_GPU_TAG = re.compile(rf"{_VERSION}-transformers{_VERSION}-gpu-py3\d{{1,2}}-cu1\d{{2}}-{_OS_AND_BUILD}")

# PyTorch inference DLC tags for SageMaker: <pytorch>-cpu-py3<n>[-<os>[-sagemaker][-v<n>]], as the DLC release notes
# list them (docs/releasenotes/pytorch/pytorch-inference-2.6-cpu-sagemaker.md); CPU only, since serverless endpoints
# run no GPU. The `-ec2` variants are refused: they lack SageMaker's inference toolkit.
PYTORCH_INFERENCE_CPU_TAG = re.compile(rf"{_VERSION}-cpu-py3\d{{1,2}}(?:-{_OS_AND_BUILD})?")

# Defaults: the newest Hugging Face DLCs of the SDK tables and the DLC release notes on 2026-12-04.
# Inference: transformers 5.5.3 on PyTorch 2.6 (CPU, for serverless); training: transformers 5.3.0 on PyTorch 2.9.
DEFAULT_INFERENCE_TAG = "2.6.0-transformers5.5.3-cpu-py312-ubuntu22.04"
DEFAULT_TRAINING_TAG = "2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04"
# The newest PyTorch inference DLC for SageMaker in the DLC release notes (github.com/aws/deep-learning-containers,
# docs/releasenotes/pytorch/pytorch-inference-2.6-cpu-sagemaker.md, commit 2ef7c8e, read 2026-12-05): PyTorch 2.6.0,
# Python 3.12, TorchServe 0.12, CPU. The forecast model is TorchScript saved by the training torch (2.13 in
# `make test-ml`); torch 2.6 loading and serving such a model was checked by hand, not in CI (README
# "Forecasting", Serve).
DEFAULT_PYTORCH_INFERENCE_TAG = "2.6.0-cpu-py312-ubuntu22.04-sagemaker"

_PURPOSE = {
    HUGGINGFACE_INFERENCE: "the inference endpoint's image",
    HUGGINGFACE_TRAINING: "the training job's image",
    PYTORCH_TRAINING: "the PyTorch training image",
    PYTORCH_INFERENCE: "the PyTorch inference image",
}


def partition(region: str) -> Partition:
    """The partition of `region` (its ARN name and registry domain)."""
    return next((p for start, p in _PARTITIONS if region.startswith(start)), COMMERCIAL)


def account(region: str) -> str | None:
    """The account that publishes Deep Learning Containers in `region`, or None where AWS publishes none."""
    return ACCOUNTS.get(region)


def available(repository: str, region: str) -> bool:
    return region in REPOSITORY_REGIONS[repository]


def region_problem(repository: str, region: str) -> str | None:
    """Why `repository` cannot be pulled in `region` (the start of a settings error line), or None."""
    if available(repository, region):
        return None
    area = region.partition("-")[0]
    nearby = sorted(r for r in REPOSITORY_REGIONS[repository] if r.partition("-")[0] == area)
    where = ", ".join(nearby[:3]) if nearby else "us-east-1"
    return (
        f"region={region!r}: AWS publishes no {repository} Deep Learning Container ({_PURPOSE[repository]}) "
        f"there; regions with it include {where}"
    )


def image_uri(repository: str, region: str, tag: str) -> str:
    """`<account>.dkr.ecr.<region>.<domain>/<repository>:<tag>`; LookupError where the repository is missing."""
    problem = region_problem(repository, region)
    if problem:
        raise LookupError(problem)
    return f"{ACCOUNTS[region]}.dkr.ecr.{region}.{partition(region).domain}/{repository}:{tag}"


def repository_arn(repository: str, region: str) -> str:
    """The repository's ARN, what ECR pull permissions name; LookupError where it is missing."""
    problem = region_problem(repository, region)
    if problem:
        raise LookupError(problem)
    return f"arn:{partition(region).name}:ecr:{region}:{ACCOUNTS[region]}:repository/{repository}"


# The plain PyTorch training DLC's versions the forecast recipe can run on, with their Python: the DLC release
# notes (github.com/aws/deep-learning-containers docs/src/data/pytorch-training/, commit e0ecede, 2026-08-21, read
# 2026-12-05) tag each `<version>-cpu-<python>` and `<version>-gpu-<python>`, the tags the SageMaker Python SDK's
# image_uris.retrieve builds. Only 2.10.0 (Python 3.13, supported until 2027-01-21) is listed: the recipe's
# gluonts[torch]==0.17.0 requires torch>=2.10, so on the older images (2.6.0-2.9.0, Python 3.12, all past their
# end of patch) pip would replace the image's own torch build with PyPI's. The SDK table (above) stops at 2.8.0;
# the repository regions are assumed those of 2.8.0 there.
PYTORCH_TRAINING_VERSIONS: dict[str, str] = {"2.10.0": "py313"}
DEFAULT_FORECAST_PYTORCH_VERSION = "2.10.0"
# SageMaker instance families with NVIDIA GPUs (ml.g4dn, ml.g5, ml.p3, ml.p4d, ...): they get the GPU image.
_GPU_INSTANCE = re.compile(r"ml\.(g|p)\d")


def is_gpu_instance(instance_type: str) -> bool:
    """Whether a SageMaker instance type (`ml.g5.xlarge`) has a GPU, i.e. needs a DLC's GPU variant."""
    return _GPU_INSTANCE.match(instance_type) is not None


def pytorch_training_tag(version: str, instance_type: str) -> str:
    """`2.10.0-cpu-py313` or `2.10.0-gpu-py313` for a version of PYTORCH_TRAINING_VERSIONS (KeyError otherwise)."""
    processor = "gpu" if is_gpu_instance(instance_type) else "cpu"
    return f"{version}-{processor}-{PYTORCH_TRAINING_VERSIONS[version]}"


# What the forecast script imports that the PyTorch training image lacks (it has torch and numpy): the job's
# requirements.txt, which the SageMaker training toolkit pip-installs before the script runs. The pins come from
# REQUIREMENTS_ML, the file the tests install, so a job runs the versions that were tested. torch is left out:
# the image's own build (CUDA or CPU) must stay.
FORECAST_JOB_PACKAGES = ("gluonts", "lightning", "pandas", "pyarrow")
REQUIREMENTS_ML = Path(__file__).resolve().parents[1] / "requirements-ml.txt"
_REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==")


def forecast_job_requirements(path: Path = REQUIREMENTS_ML) -> str:
    """The FORECAST_JOB_PACKAGES lines of requirements-ml.txt, as the job's requirements.txt; LookupError if one is
    missing there (a renamed pin would otherwise ship a job that fails at import)."""
    lines = {}
    for line in path.read_text().splitlines():
        match = _REQUIREMENT.match(line.strip())
        if match and match["name"].lower() in FORECAST_JOB_PACKAGES:
            lines[match["name"].lower()] = line.strip()
    missing = [name for name in FORECAST_JOB_PACKAGES if name not in lines]
    if missing:
        raise LookupError(f"{path.name} pins none of {', '.join(missing)}: the forecast job needs them pinned")
    header = "# Generated from requirements-ml.txt: what the PyTorch training image lacks.\n"
    return header + "".join(f"{lines[name]}\n" for name in FORECAST_JOB_PACKAGES)
