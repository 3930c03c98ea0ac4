"""Copies the sample notebooks from notebooks/ (and a settings file they read) into the data bucket."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.constructs.asset_upload import AssetUpload

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
# The samples read their bucket, workgroup, endpoint and tag from this file next to them.
SETTINGS_FILE = "mlstack.json"


class SampleNotebooks(AssetUpload):
    """notebooks/ and `notebook_settings` (as mlstack.json) under `key_prefix` in the bucket.

    Exposes `deployment` and `notebook_settings`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket: s3.IBucket,
        key_prefix: str,
        notebook_settings: Mapping[str, Any],
        log_key: kms.IKey,
    ) -> None:
        settings = dict(notebook_settings)
        super().__init__(
            scope,
            id_,
            source_dir=NOTEBOOKS_DIR,
            bucket=bucket,
            key_prefix=key_prefix,
            what="the sample notebooks",
            exclude=[".ipynb_checkpoints"],
            json_files={SETTINGS_FILE: settings},
            log_key=log_key,
        )
        self.notebook_settings = settings
