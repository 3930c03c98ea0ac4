"""The committed sample images are real PNGs and exactly what scripts/sample_images.py draws."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from scripts.sample_images import SAMPLES, png_bytes
from stacks.constructs.sample_images import SAMPLE_IMAGES_DIR, SampleImages, sample_image_names
from tests.unit.constructs.conftest import bare_stack


def decode(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and raw scanlines of an 8-bit RGB PNG, checking signature and chunk CRCs."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    width, height, depth, color, _, _, _ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color) == (8, 2)
    assert b"IEND" in chunks
    return width, height, zlib.decompress(chunks[b"IDAT"])


def test_the_committed_images_are_the_ones_the_stack_offers() -> None:
    assert sample_image_names() == tuple(sorted(SAMPLES))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_committed_png_matches_the_drawing(name: str) -> None:
    canvas = SAMPLES[name]()
    width, height, rows = decode((SAMPLE_IMAGES_DIR / f"{name}.png").read_bytes())
    assert (width, height) == (canvas.width, canvas.height)
    assert rows == canvas.raw_rows(), f"{name}.png is stale: run scripts/sample_images.py"


def test_encoder_round_trips_pixels(tmp_path: Path) -> None:
    canvas = SAMPLES["sign"]()
    path = tmp_path / "sign.png"
    path.write_bytes(png_bytes(canvas))
    assert decode(path.read_bytes())[2] == canvas.raw_rows()


def test_text_images_have_dark_letters_on_light_background() -> None:
    canvas = SAMPLES["sign"]()
    pixels = [pixel for row in canvas.pixels for pixel in row]
    dark = sum(1 for pixel in pixels if max(pixel) < 64)
    assert 0.1 < dark / len(pixels) < 0.5  # block letters cover a real share of the panel


def test_the_images_are_uploaded_under_their_prefix_and_removed_with_the_stack() -> None:
    stack = bare_stack()
    samples = SampleImages(stack, "SampleImages", bucket=s3.Bucket(stack, "Data"), log_retention_days=30)
    assert (samples.prefix, samples.names) == ("samples/images/", sample_image_names())
    assert samples.names, "no sample images committed"
    template = Template.from_stack(stack)
    [upload] = template.find_resources("Custom::CDKBucketDeployment").values()
    assert upload["Properties"]["DestinationBucketKeyPrefix"] == "samples/images/"
    assert upload["Properties"]["RetainOnDelete"] is False
    log_group = template.to_json()["Resources"][stack.get_logical_id(samples.log_group.node.default_child)]  # type: ignore[arg-type]
    assert log_group["Properties"]["RetentionInDays"] == 30
