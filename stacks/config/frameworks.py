"""Frameworks layer settings: the Deep Learning AMI GPU workstation."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from stacks.config.fields import Section, closed_set_problem, nearest, pattern, short_list
from stacks.config.regions import AvailabilityZone


class FrameworksSettings(Section):
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
            pattern(
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
    availability_zone: AvailabilityZone | None = Field(default=None, examples=["us-east-1b"])
    # Stop the instance when CPU and GPU utilization both stay below this percentage... Default 5.
    idle_cpu_percent: float = Field(default=5.0, gt=0, lt=100)
    # ...for this many minutes: a multiple of 5 between 10 and 1440. Default 60.
    idle_stop_minutes: int = Field(default=60, ge=10, le=1440, multiple_of=5)
    # Run as a persistent spot instance that stops (keeps its volume) on interruption. Default false.
    spot: bool = False
    # Existing EC2 key pair to attach (no SSH ingress is opened either way; SSM is the way in). Default none.
    key_pair_name: (
        Annotated[str, pattern(r".+", "an EC2 key pair name of 1 to 255 characters, e.g. my-key", max_length=255)]
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
        problem = closed_set_problem(framework, cls.FRAMEWORKS, noun="a framework", example="pytorch")
        if problem:
            raise ValueError(problem)
        return framework

    @field_validator("instance_type")
    @classmethod
    def _instance_type_has_a_gpu(cls, instance_type: str, info: ValidationInfo) -> str:
        match = cls.INSTANCE_TYPE.match(instance_type)
        if not match:
            lowered = cls.INSTANCE_TYPE.match(instance_type.strip().lower())
            if lowered and lowered["family"] in cls.GPU_FAMILIES:
                raise ValueError(f"an EC2 instance type: family.size; did you mean {lowered[0]}?")
            raise ValueError("an EC2 instance type: family.size, e.g. g4dn.xlarge")
        family = match["family"]
        if family in cls.GPU_FAMILIES:
            return instance_type
        size = match["size"]
        close = [f"{name}.{size}" for name in nearest(family, cls.GPU_FAMILIES, count=2)]
        families = short_list(cls.GPU_FAMILIES, 4)
        suggestion = f"did you mean {' or '.join(close)}?" if close else f"use one of the GPU families: {families}"
        if cls.ARM_FAMILY.match(family):
            raise ValueError(f"{family} is arm64; the DLAMIs used here are x86_64; {suggestion}")
        if re.match(r"^[gp]\d", family):  # an NVIDIA family the DLAMI release notes do not list
            raise ValueError(f"{family} is not among the instance families the DLAMI release notes list; {suggestion}")
        if not info.data.get("allow_cpu"):
            raise ValueError(f"{family} has no NVIDIA GPU; {suggestion}, e.g. g4dn.xlarge (or set allow_cpu=true)")
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
