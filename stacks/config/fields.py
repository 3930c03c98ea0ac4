"""What every settings section shares: the immutable, typo-refusing base model, list parsing from the
command line, and field types that say what they accept in words."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator


class Section(BaseModel):
    """Base of every settings model: immutable, and a typo is an error rather than a silent default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_string_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        # `-c budget_email=` clears an optional setting (one whose default is None).
        optional = info.field_name is not None and cls.model_fields[info.field_name].default is None
        return None if value == "" and optional else value


def split_list(value: Any) -> Any:
    """Accept `a,b` and JSON lists from the command line as well as real lists from cdk.json."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f'not a valid JSON list ({error.msg}); e.g. a,b or ["a", "b"]') from None
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


def pattern(regex: str, allowed: str, max_length: int | None = None) -> AfterValidator:
    """A validator for text of a given shape whose message says `allowed` in words (never the regex)."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value) or (max_length is not None and len(value) > max_length):
            raise ValueError(allowed)
        return value

    check.allowed = allowed  # type: ignore[attr-defined]  # read by messages.py for a missing value
    return AfterValidator(check)


S3BucketName = Annotated[
    str,
    pattern(
        r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
        "an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, beginning and ending with a "
        "letter or digit, e.g. noaa-ghcn-pds",
    ),
]


Email = Annotated[str, pattern(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address, e.g. ana@example.com")]


def is_s3_bucket_name(name: str) -> bool:
    """S3's general purpose bucket naming rules (the ones a name given here can break)."""
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    return (
        3 <= len(name) <= 63
        and set(name) <= allowed
        and name[0].isalnum()
        and name[-1].isalnum()
        and ".." not in name
        and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name)
    )
