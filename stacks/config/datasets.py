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

    def uri(self, name: str) -> str:
        """`s3://<bucket>/<prefix><name>`: an object of this dataset."""
        return f"s3://{self.bucket}/{self.prefix}{name}"


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

# The sentiment recipe's corpus: the Yelp review polarity archive inside the fast.ai NLP dataset (checked on
# 2026-12-02, README "Public datasets"). Where that dataset lives comes from the settings' public_datasets entry
# with this id; the default entry above when the settings list none.
YELP_DATASET_ID = "fast_ai_nlp"
YELP_ARCHIVE_NAME = "yelp_review_polarity_csv.tgz"


def yelp_dataset(datasets: tuple[PublicDataset, ...] = DEFAULT_PUBLIC_DATASETS) -> PublicDataset:
    """The configured dataset holding the Yelp archive (by id), else the default entry."""
    default = next(d for d in DEFAULT_PUBLIC_DATASETS if d.id == YELP_DATASET_ID)
    return next((d for d in datasets if d.id == YELP_DATASET_ID), default)


def yelp_archive_uri(datasets: tuple[PublicDataset, ...] = DEFAULT_PUBLIC_DATASETS) -> str:
    """`s3://<bucket>/<prefix>yelp_review_polarity_csv.tgz` of the configured dataset."""
    return yelp_dataset(datasets).uri(YELP_ARCHIVE_NAME)
