"""Sample images for the bot, uploaded from stacks/assets/sample_images/ into the data bucket."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.constructs.asset_upload import AssetUpload

SAMPLE_IMAGES_DIR = Path(__file__).resolve().parent.parent / "assets" / "sample_images"
SAMPLE_IMAGES_PREFIX = "samples/images/"


def sample_image_names(directory: Path = SAMPLE_IMAGES_DIR) -> tuple[str, ...]:
    """Names (file stems) of the PNG files in the samples folder, sorted."""
    return tuple(sorted(path.stem for path in directory.glob("*.png")))


class SampleImages(AssetUpload):
    """Copies every sample PNG to `samples/images/<name>.png` in the bucket. Exposes `names`, `prefix`."""

    def __init__(self, scope: Construct, id_: str, *, bucket: s3.IBucket, log_retention_days: int) -> None:
        names = sample_image_names()
        if not names:
            raise ValueError(f"{id_}: no sample images (*.png) in {SAMPLE_IMAGES_DIR}")
        super().__init__(
            scope,
            id_,
            source_dir=SAMPLE_IMAGES_DIR,
            bucket=bucket,
            key_prefix=SAMPLE_IMAGES_PREFIX,
            what="the bot's sample images",
            log_retention_days=log_retention_days,
        )
        self.names = names
        self.prefix = SAMPLE_IMAGES_PREFIX
