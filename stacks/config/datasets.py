"""Registry of Open Data datasets the stacks get read access to, and the default ones."""

from __future__ import annotations

from typing import Annotated, Literal

from stacks.config.fields import S3BucketName, Section, pattern
from stacks.config.regions import AwsRegion


class PublicDataset(Section):
    """A Registry of Open Data dataset: a public S3 bucket the stacks get read access to."""

    id: Annotated[
        str,
        pattern(
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
