"""Maps what the user said (a sample name or a key they uploaded) to an S3 key the function may read."""

from __future__ import annotations

import posixpath
import re

from environment import Environment

# Rekognition reads PNG and JPEG from S3.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# Printable key characters only: no control characters, no URL tricks; S3 keys are at most 1,024 bytes.
_SAFE_KEY = re.compile(r"^[A-Za-z0-9 _.()+=,@-][A-Za-z0-9 _.()+=,@/-]{0,1000}$")


def image_key(spoken: str, env: Environment) -> str | None:
    """The S3 key for a sample name or a key under the user images prefix; None for anything else."""
    name = spoken.strip()
    sample = name.lower().removesuffix(".png").strip()
    if sample in env.sample_images:
        return f"{env.sample_images_prefix}{sample}.png"
    prefix = env.user_images_prefix
    key = name if name.startswith(prefix) else prefix + name.lstrip("/")
    if not _SAFE_KEY.match(key) or len(key.encode()) > 1024:
        return None
    # Reject traversal (`images/../secret.png`) and empty segments: the key must stay under the prefix.
    if posixpath.normpath(key) != key or ".." in key.split("/") or not key.startswith(prefix):
        return None
    if key == prefix or not key.lower().endswith(IMAGE_SUFFIXES):
        return None
    return key


def image_question(env: Environment) -> str:
    samples = ", ".join(env.sample_images) if env.sample_images else "none are installed"
    return (
        f"Which image? Say a sample name ({samples}) or the name of a PNG or JPEG you uploaded "
        f"under {env.user_images_prefix} in the data bucket."
    )
