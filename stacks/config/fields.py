"""What every settings section shares: the immutable, typo-refusing base model, list parsing from the
command line, field types that say what they accept in words, and the one wording of a value outside a closed
set (`closed_set_problem`: a handful of allowed values or the nearest ones, never the whole catalogue)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
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


# A message lists a closed set whole only up to this many values; a larger one gets the nearest values or an example.
MAX_LISTED = 6
# A bad value is echoed up to this many characters, so that a pasted paragraph does not become the message.
MAX_SHOWN_VALUE = 60


def shown(value: Any) -> str:
    """`value` as a message quotes it: its repr, cut to MAX_SHOWN_VALUE characters."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN_VALUE else f"{text[: MAX_SHOWN_VALUE - 4]}...{text[-1]}"


def short_list(values: Sequence[Any], limit: int = MAX_LISTED) -> str:
    """`a, b, c`, or the first `limit` values and how many more: never a catalogue."""
    names = [str(value) for value in values]
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def nearest(value: Any, allowed: Sequence[Any], count: int = 3) -> list[str]:
    """The allowed values a user most likely meant: the same text in another case or with `-`/`_` swapped
    (US-EAST-1 -> us-east-1, en-US -> en_US) alone; for numbers the allowed neighbours below and above;
    else difflib's close matches, case-insensitive."""
    names = [str(choice) for choice in allowed]

    def folded(text: str) -> str:
        return text.casefold().replace("_", "-").strip()

    by_fold = {folded(name): name for name in names}
    text = str(value)
    if folded(text) in by_fold:
        return [by_fold[folded(text)]]
    number, numbers = _as_number(value), [_as_number(choice) for choice in allowed]
    if number is not None and names and all(n is not None for n in numbers):
        below = [name for name, n in zip(names, numbers, strict=True) if n is not None and n < number]
        above = [name for name, n in zip(names, numbers, strict=True) if n is not None and n > number]
        return [*below[-1:], *above[:1]]
    close = difflib.get_close_matches(folded(text), list(by_fold), n=count, cutoff=0.6)
    return [by_fold[match] for match in close]


def closed_set_problem(value: Any, allowed: Sequence[Any], *, noun: str, example: Any = None) -> str | None:
    """Why `value` is not one of `allowed`, in one short phrase, or None when it is one.

    A small set (MAX_LISTED or fewer) is listed whole: `one of a, b, c; did you mean b?`. A larger one is
    named by `noun` with the nearest values or an example: `not an AWS region; did you mean us-east-1?`.
    """
    if value in allowed:
        return None
    names = [str(choice) for choice in allowed]
    close = nearest(value, allowed)
    head = f"one of {', '.join(names)}" if len(names) <= MAX_LISTED else f"not {noun}"
    if close:
        return f"{head}; did you mean {' or '.join(close)}?"
    return f"{head}, e.g. {example if example is not None else names[0]}"
