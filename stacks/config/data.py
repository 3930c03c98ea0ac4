"""Data layer settings, and the data bucket's key prefixes other layers read and write."""

from __future__ import annotations

from pydantic import Field, field_validator

from stacks.config.fields import Section, is_s3_bucket_name

# Key prefixes of the data bucket for training: inputs a job may read, and where jobs write models and checkpoints.
TRAINING_INPUTS_PREFIX = "training/"
MODELS_PREFIX = "models/"
CHECKPOINTS_PREFIX = "checkpoints/"


class DataSettings(Section):
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
        if name is not None and not is_s3_bucket_name(name):
            raise ValueError(
                "not an S3 bucket name: 3-63 of a-z, 0-9, . and -, alphanumeric ends, not an IP address, "
                "e.g. my-data-bucket"
            )
        return name
