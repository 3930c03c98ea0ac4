"""Regions: the one region order of the app and every command, and whether a name is an AWS region or zone."""

from __future__ import annotations

import functools
import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

from stacks.config.fields import closed_set_problem, nearest

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
    """Partition (aws, aws-cn, aws-us-gov, ...) -> its region names, from the partition data botocore ships.

    Offline and as current as the installed botocore; the `*-global` pseudo-regions are left out. Read as a
    file: botocore's loader (and the modules it imports) cost a tenth of a second of every synth, and its
    `partitions.json` lists every region `endpoints.json` does.
    """
    import botocore  # botocore ships with boto3, a runtime requirement; its __init__ is small

    data = Path(botocore.__file__).parent / "data" / "partitions.json"
    packed = data.with_name(data.name + ".gz")  # botocore may ship its data files compressed
    text = data.read_bytes() if data.exists() else gzip.decompress(packed.read_bytes())
    return {
        partition["id"]: tuple(sorted(region for region in partition["regions"] if not region.endswith("-global")))
        for partition in json.loads(text)["partitions"]
    }


def region_problem(value: str) -> str | None:
    """Why `value` is not an AWS region, naming the nearest regions or an example, or None."""
    known = [region for regions in aws_regions().values() for region in regions]
    return closed_set_problem(value, known, noun="an AWS region", example=DEFAULT_REGION)


def _known_region(value: str) -> str:
    problem = region_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# A region botocore's partition data lists (aws, aws-cn, aws-us-gov, ...).
AwsRegion = Annotated[str, AfterValidator(_known_region)]


def _zone_name(value: str) -> str:
    """An availability zone name: a known region plus one zone letter (us-east-1b)."""
    region, letter = value[:-1], value[-1:]
    if letter.isalpha() and letter.islower() and not region_problem(region):
        return value
    known = [region for regions in aws_regions().values() for region in regions]
    close = nearest(region, known, count=2) if letter.isalpha() else []
    hint = f"; did you mean {' or '.join(name + letter.lower() for name in close)}?" if close else ", e.g. us-east-1b"
    raise ValueError(f"an availability zone: the region's name and a zone letter{hint}")


# An availability zone of a known region, e.g. us-east-1b.
AvailabilityZone = Annotated[str, AfterValidator(_zone_name)]
