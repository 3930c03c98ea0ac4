"""Typed, validated settings for mlstack: the only code that reads CDK context.

Defaults live in `cdk.json` under the `mlstack` key. Any setting can be overridden on the command line
with `-c key=value`, using dotted keys for a layer's section (`-c platform.endpoint_memory_mb=3072`).
Command-line values arrive as strings: lists are comma-separated (`-c layers=data,platform`) or JSON,
booleans are `true`/`false`, an empty value clears an optional setting.

One module per concern: regions (region order, region and zone names), fields (base model, field types),
one module per settings section, settings (the whole), messages (errors in words), loader (context to
Settings), errors (SettingsError). Everything other code uses is imported from here.
"""

from stacks.config.api_services import ApiServicesSettings
from stacks.config.data import CHECKPOINTS_PREFIX, MODELS_PREFIX, TRAINING_INPUTS_PREFIX, DataSettings
from stacks.config.datasets import (
    DEFAULT_PUBLIC_DATASETS,
    YELP_ARCHIVE_NAME,
    PublicDataset,
    yelp_archive_uri,
    yelp_dataset,
)
from stacks.config.errors import SettingsError
from stacks.config.frameworks import FrameworksSettings
from stacks.config.images import image_region_problems
from stacks.config.loader import CONTEXT_KEY, load_settings, setting_keys
from stacks.config.log_retention import LOG_RETENTION_DAYS
from stacks.config.platform import ENDPOINT_NAME, SAGEMAKER_INSTANCE_FAMILIES, PlatformSettings
from stacks.config.regions import (
    DEFAULT_REGION,
    AvailabilityZone,
    AwsRegion,
    ProfileRegion,
    aws_regions,
    region_and_source,
    region_problem,
    resolve_region,
)
from stacks.config.settings import ALL_LAYERS, PREFIX_TAG_KEY, Settings, Tags, prefixed
from stacks.config.spark import GHCN_ELEMENTS, SPARK_CODE_PREFIX, SPARK_LOGS_PREFIX, SparkSettings
from stacks.config.training import TrainingSettings
from stacks.naming import CURATED_PREFIX, GHCN_SERIES_PREFIX

__all__ = [
    "ALL_LAYERS",
    "CHECKPOINTS_PREFIX",
    "CONTEXT_KEY",
    "CURATED_PREFIX",
    "DEFAULT_PUBLIC_DATASETS",
    "DEFAULT_REGION",
    "ENDPOINT_NAME",
    "GHCN_ELEMENTS",
    "GHCN_SERIES_PREFIX",
    "LOG_RETENTION_DAYS",
    "MODELS_PREFIX",
    "PREFIX_TAG_KEY",
    "SAGEMAKER_INSTANCE_FAMILIES",
    "SPARK_CODE_PREFIX",
    "SPARK_LOGS_PREFIX",
    "TRAINING_INPUTS_PREFIX",
    "YELP_ARCHIVE_NAME",
    "ApiServicesSettings",
    "AvailabilityZone",
    "AwsRegion",
    "DataSettings",
    "FrameworksSettings",
    "PlatformSettings",
    "ProfileRegion",
    "PublicDataset",
    "Settings",
    "SettingsError",
    "SparkSettings",
    "Tags",
    "TrainingSettings",
    "aws_regions",
    "image_region_problems",
    "load_settings",
    "prefixed",
    "region_and_source",
    "region_problem",
    "resolve_region",
    "setting_keys",
    "yelp_archive_uri",
    "yelp_dataset",
]
