"""Emulated Amazon Rekognition answers that depend on the image and say they are emulated.

moto labels every image "Mobile Phone" and reads the same text in every image. Here DetectLabels reads what
can be read offline from the image itself (format, size, orientation and, for PNG, its dominant colour), each
label marked `[emulated]`; DetectText answers one line marked `[emulated]`, since nothing here recognises text.
Like Rekognition, it takes PNG and JPEG only.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

MARK = "[emulated]"
CONFIDENCE = 99.0
# Decoding a PNG's pixels in pure Python takes up to about 4 s a megapixel (Paeth-filtered rows, measured here):
# a larger image gets no colour label, so that the answer stays well inside the function's timeout.
MAX_DECODED_PIXELS = 250_000
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Colour names by their sRGB centre: the nearest one names the image's average colour.
_COLOURS = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "red": (200, 40, 40),
    "orange": (240, 140, 30),
    "yellow": (230, 220, 50),
    "green": (50, 160, 60),
    "blue": (40, 80, 200),
    "purple": (130, 50, 160),
    "brown": (120, 80, 40),
    "pink": (240, 150, 180),
}


class InvalidImageFormat(ValueError):
    """Neither PNG nor JPEG (Rekognition: InvalidImageFormatException)."""


@dataclass(frozen=True)
class ImageFacts:
    format: str
    width: int
    height: int
    colour: str | None  # the nearest colour name to the mean pixel, where the pixels could be decoded


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    to_left, to_up, to_up_left = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
    if to_left <= to_up and to_left <= to_up_left:
        return left
    return up if to_up <= to_up_left else up_left


def _png_mean_rgb(width: int, height: int, channels: int, compressed: bytes) -> tuple[int, int, int]:
    """The mean colour of an 8-bit, non-interlaced PNG's pixels (PNG spec section 9: filter types 0-4)."""
    raw = zlib.decompress(compressed)
    stride = width * channels
    previous = bytearray(stride)
    totals = [0, 0, 0]
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride if kind else 0):
            left = line[i - channels] if i >= channels else 0
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + previous[i]) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, previous[i], up_left)) & 0xFF
        for channel in range(3):
            totals[channel] += sum(line[channel if channels >= 3 else 0 :: channels])
        previous = line
    pixels = max(width * height, 1)
    red, green, blue = (total // pixels for total in totals)
    return red, green, blue


def _png(data: bytes) -> ImageFacts:
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour_type)
    chunks, offset = [], 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    colour = None
    if channels and depth == 8 and interlace == 0 and width * height <= MAX_DECODED_PIXELS:
        try:
            colour = colour_name(_png_mean_rgb(width, height, channels, b"".join(chunks)))
        except (zlib.error, IndexError):
            colour = None
    return ImageFacts("PNG", width, height, colour)


def _jpeg(data: bytes) -> ImageFacts:
    """Size from the first start-of-frame marker (SOF0-SOF15 except DHT, JPG and DAC)."""
    offset = 2
    while offset + 9 < len(data):
        if data[offset] != 0xFF:
            break
        marker = data[offset + 1]
        length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return ImageFacts("JPEG", width, height, None)
        offset += 2 + length
    raise InvalidImageFormat("Request has invalid image format")


def image_facts(data: bytes) -> ImageFacts:
    """What can be told of an image offline; InvalidImageFormat unless it is PNG or JPEG."""
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 29:
        return _png(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    raise InvalidImageFormat("Request has invalid image format")


def colour_name(rgb: tuple[int, int, int]) -> str:
    return min(_COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(_COLOURS[name], rgb, strict=True)))


def _label(name: str) -> dict[str, Any]:
    return {"Name": f"{MARK} {name}", "Confidence": CONFIDENCE, "Instances": [], "Parents": [], "Aliases": []}


def detect_labels(data: bytes, max_labels: int | None = None, min_confidence: float | None = None) -> dict[str, Any]:
    """The DetectLabels answer for an image's bytes: its format, shape and size, and colour where known."""
    facts = image_facts(data)
    shape = "square" if facts.width == facts.height else "landscape" if facts.width > facts.height else "portrait"
    labels = [_label(f"{facts.format} image"), _label(f"{shape} {facts.width}x{facts.height}")]
    if facts.colour:
        labels.append(_label(f"mostly {facts.colour}"))
    if min_confidence is not None and min_confidence > CONFIDENCE:
        labels = []
    return {"Labels": labels[: max_labels or None], "LabelModelVersion": "3.0"}


def _geometry() -> dict[str, Any]:
    box = {"Width": 1.0, "Height": 1.0, "Left": 0.0, "Top": 0.0}
    corners = [{"X": 0.0, "Y": 0.0}, {"X": 1.0, "Y": 0.0}, {"X": 1.0, "Y": 1.0}, {"X": 0.0, "Y": 1.0}]
    return {"BoundingBox": box, "Polygon": corners}


def detect_text(data: bytes) -> dict[str, Any]:
    """The DetectText answer: one LINE (and its WORDs) saying no text was read, for any PNG or JPEG."""
    image_facts(data)  # refuses what Rekognition refuses
    line = f"{MARK} no text recognition offline"
    detections = [{"DetectedText": line, "Type": "LINE", "Id": 0, "Confidence": CONFIDENCE, "Geometry": _geometry()}]
    for number, word in enumerate(line.split(), start=1):
        detections.append(
            {"DetectedText": word, "Type": "WORD", "Id": number, "ParentId": 0, "Confidence": CONFIDENCE,
             "Geometry": _geometry()}
        )  # fmt: skip
    return {"TextDetections": detections, "TextModelVersion": "3.0"}
