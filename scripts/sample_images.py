#!/usr/bin/env python3
"""Draw the bot's sample images (stdlib only) into stacks/assets/sample_images/ as PNG files.

The ApiServices stack uploads every PNG in that folder to `samples/images/` of the data bucket, and
the bot offers them by name: "read text in sign", "describe house". Run this after changing a drawing;
tests/unit/constructs/test_sample_images.py checks that the committed files match what this script draws.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / "stacks" / "assets" / "sample_images"

Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
BLACK: Color = (20, 20, 20)

# 5x7 block letters: enough for upper-case words that Rekognition DetectText reads reliably.
GLYPHS: dict[str, tuple[str, ...]] = {
    "A": ("01110", "10001", "10001", "11111", "10001", "10001", "10001"),
    "C": ("01110", "10001", "10000", "10000", "10000", "10001", "01110"),
    "D": ("11110", "10001", "10001", "10001", "10001", "10001", "11110"),
    "E": ("11111", "10000", "10000", "11110", "10000", "10000", "11111"),
    "G": ("01110", "10001", "10000", "10111", "10001", "10001", "01111"),
    "H": ("10001", "10001", "10001", "11111", "10001", "10001", "10001"),
    "I": ("01110", "00100", "00100", "00100", "00100", "00100", "01110"),
    "L": ("10000", "10000", "10000", "10000", "10000", "10000", "11111"),
    "M": ("10001", "11011", "10101", "10101", "10001", "10001", "10001"),
    "N": ("10001", "11001", "10101", "10011", "10001", "10001", "10001"),
    "O": ("01110", "10001", "10001", "10001", "10001", "10001", "01110"),
    "R": ("11110", "10001", "10001", "11110", "10100", "10010", "10001"),
    "W": ("10001", "10001", "10001", "10101", "10101", "11011", "10001"),
    " ": ("00000",) * 7,
}


class Canvas:
    """An RGB pixel grid with the few drawing operations the samples need."""

    def __init__(self, width: int, height: int, background: Color) -> None:
        self.width, self.height = width, height
        self.pixels = [[background] * width for _ in range(height)]

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        for y in range(max(0, y0), min(self.height, y1)):
            row = self.pixels[y]
            for x in range(max(0, x0), min(self.width, x1)):
                row[x] = color

    def disc(self, cx: int, cy: int, radius: int, color: Color) -> None:
        for y in range(max(0, cy - radius), min(self.height, cy + radius + 1)):
            for x in range(max(0, cx - radius), min(self.width, cx + radius + 1)):
                if (x - cx) ** 2 + (y - cy) ** 2 <= radius**2:
                    self.pixels[y][x] = color

    def triangle(self, apex: tuple[int, int], base_y: int, half_width: int, color: Color) -> None:
        ax, ay = apex
        for y in range(max(0, ay), min(self.height, base_y)):
            half = half_width * (y - ay) // max(1, base_y - ay)
            self.rect(ax - half, y, ax + half + 1, y + 1, color)

    def text(self, x: int, y: int, words: str, scale: int, color: Color) -> None:
        for index, char in enumerate(words):
            glyph = GLYPHS[char]
            left = x + index * 6 * scale
            for row, bits in enumerate(glyph):
                for column, bit in enumerate(bits):
                    if bit == "1":
                        top = y + row * scale
                        self.rect(left + column * scale, top, left + (column + 1) * scale, top + scale, color)

    def raw_rows(self) -> bytes:
        """Scanlines as PNG expects them before compression: filter byte 0, then RGB triplets."""
        return b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in self.pixels)


def png_bytes(canvas: Canvas) -> bytes:
    """Encode a canvas as an 8-bit RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", canvas.width, canvas.height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(canvas.raw_rows(), 9))
        + chunk(b"IEND", b"")
    )


def text_panel(lines: tuple[str, ...], scale: int = 8) -> Canvas:
    """Black block letters on white, centred, one row per line."""
    margin = 3 * scale
    width = max(len(line) for line in lines) * 6 * scale - scale + 2 * margin
    height = len(lines) * 9 * scale - 2 * scale + 2 * margin
    canvas = Canvas(width, height, WHITE)
    for number, line in enumerate(lines):
        left = (width - (len(line) * 6 * scale - scale)) // 2
        canvas.text(left, margin + number * 9 * scale, line, scale, BLACK)
    return canvas


def sign() -> Canvas:
    return text_panel(("HELLO WORLD",))


def poster() -> Canvas:
    return text_panel(("MACHINE", "LEARNING"), scale=6)


def house() -> Canvas:
    """A house with a red roof, a tree and the sun over a lawn."""
    canvas = Canvas(320, 240, (135, 200, 250))
    canvas.rect(0, 180, 320, 240, (70, 160, 60))
    canvas.disc(270, 45, 25, (250, 215, 40))
    canvas.rect(60, 110, 180, 190, (200, 170, 120))
    canvas.triangle((120, 55), 112, 75, (180, 40, 40))
    canvas.rect(105, 145, 135, 190, (110, 70, 40))
    canvas.rect(75, 125, 98, 145, (220, 240, 255))
    canvas.rect(145, 125, 168, 145, (220, 240, 255))
    canvas.rect(236, 130, 248, 190, (100, 65, 35))
    canvas.disc(242, 115, 28, (40, 120, 40))
    return canvas


SAMPLES: dict[str, Callable[[], Canvas]] = {"sign": sign, "poster": poster, "house": house}


def main() -> int:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, draw in SAMPLES.items():
        path = OUTPUT_DIR / f"{name}.png"
        path.write_bytes(png_bytes(draw()))
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
