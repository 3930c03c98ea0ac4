"""Validation errors as one line each: `setting='value': what is allowed, e.g. ...`, worded from the field's
type and constraints rather than pydantic's own messages."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from stacks.config.fields import MAX_LISTED, closed_set_problem, nearest, short_list, shown
from stacks.config.settings import Settings


def _unoptional(annotation: Any) -> Any:
    """`X | None` -> X; anything else unchanged."""
    if get_origin(annotation) in (Union, type(int | None)):
        arms = [arm for arm in get_args(annotation) if arm is not type(None)]
        return arms[0] if len(arms) == 1 else annotation
    return annotation


def _field_at(loc: tuple[Any, ...]) -> tuple[FieldInfo | None, Any, bool]:
    """The settings field an error location points at, the type there, and whether it is a list item."""
    annotation: Any = Settings
    field: FieldInfo | None = None
    item = False
    for part in loc:
        if isinstance(part, int):  # an item of a tuple[X, ...] setting
            args = get_args(annotation)
            annotation, item = (args[0] if args else Any), True
            continue
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if model is None or part not in model.model_fields:
            return None, None, False
        field, item = model.model_fields[part], False
        annotation = _unoptional(field.annotation)
    return field, annotation, item


def _number_in_words(annotation: Any, field: FieldInfo) -> str:
    names = {"Ge": "ge", "Gt": "gt", "Le": "le", "Lt": "lt", "MultipleOf": "multiple_of"}
    bounds = {
        type(m).__name__: getattr(m, names[type(m).__name__]) for m in field.metadata if type(m).__name__ in names
    }
    words = "a whole number" if annotation is int else "a number"
    low, high = bounds.get("Ge", bounds.get("Gt")), bounds.get("Le", bounds.get("Lt"))
    if "Ge" in bounds and "Le" in bounds:
        words += f" from {low:g} to {high:g}"
    else:
        if "Ge" in bounds:
            words += f" of at least {low:g}"
        if "Gt" in bounds:
            words += f" greater than {low:g}"
        if "Gt" in bounds or "Ge" in bounds:
            words += " and" if high is not None else ""
        if "Le" in bounds:
            words += f" at most {high:g}"
        if "Lt" in bounds:
            words += f" less than {high:g}"
    if "MultipleOf" in bounds:
        words += f" in steps of {bounds['MultipleOf']:g}"
    return words


def _example(field: FieldInfo, annotation: Any, item: bool) -> str | None:
    value: Any = field.examples[0] if field.examples else (None if field.is_required() else field.default)
    if item and isinstance(value, tuple):
        value = value[0] if value else None
    if value is None and get_origin(annotation) is Literal:
        value = get_args(annotation)[0]
    if (
        value is None
        or isinstance(value, BaseModel)
        or (isinstance(value, tuple) and value[:1] and isinstance(value[0], BaseModel))
    ):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _allowed_in_words(loc: tuple[Any, ...], value: Any = None) -> str | None:
    """What a field accepts, in words with an example (e.g. 'a whole number from 10 to 1440 in steps of 5,
    e.g. 60'), from its type and constraints; None where the field is unknown. For a closed set (a Literal)
    the nearest allowed value to `value` comes first: 'one of account, prefix; did you mean prefix?'."""
    field, annotation, item = _field_at(loc)
    if field is None:
        return None
    if get_origin(annotation) is tuple and not item:
        annotation = get_args(annotation)[0]
        words = "a comma-separated list, each item"
    else:
        words = ""
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)
        problem = closed_set_problem(value, choices, noun=f"one of {len(choices)} values")
        if problem and "did you mean" in problem:
            return f"{words} {problem}" if words else problem
        allowed = "one of " + ", ".join(map(str, choices))
    elif annotation is bool:
        allowed = "true or false"
    elif annotation in (int, float):
        allowed = _number_in_words(annotation, field)
    elif get_origin(annotation) is dict:
        allowed = "a JSON object"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        allowed = f"an object (JSON) with keys such as {short_list(list(annotation.model_fields), 2)}"
    else:
        described = [getattr(m.func, "allowed", None) for m in field.metadata if isinstance(m, AfterValidator)]
        if described and described[0]:
            return str(described[0])  # the validator's own words, with its example
        allowed = "text"
    example = _example(field, annotation, item)
    text = f"{words} {allowed}" if words else allowed
    return f"{text}, e.g. {example}" if example is not None else text


def _section_fields(loc: tuple[Any, ...]) -> list[str]:
    """The setting names of the section (model) at `loc`: Settings' own at the top."""
    if not loc:
        return list(Settings.model_fields)
    _, annotation, _ = _field_at(loc)
    if get_origin(annotation) is tuple:
        annotation = get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unknown(location: str, close: Sequence[str], siblings: Sequence[str], where: str) -> str:
    """`location: unknown setting; did you mean ...?`, else a handful of the section's names."""
    if close:
        return f"{location}: unknown setting; did you mean {' or '.join(close)}?"
    if 0 < len(siblings) <= MAX_LISTED:
        return f"{location}: unknown setting; {where} has {', '.join(siblings)}"
    example = ", ".join(siblings[:3])
    return f"{location}: unknown setting; {where} has {len(siblings)} settings (README 'Settings'), e.g. {example}"


def format_error(error: Mapping[str, Any]) -> str:
    """One pydantic error as `setting='value': what is allowed, e.g. ...`."""
    loc = tuple(error["loc"])
    location = ""
    for part in loc:
        location += f"[{part}]" if isinstance(part, int) else (f".{part}" if location else str(part))
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if error["type"] == "extra_forbidden":
        siblings = _section_fields(loc[:-1])
        close = nearest(loc[-1], siblings, count=2)
        return _unknown(location, close, siblings, location.rpartition(".")[0] or "the top level")
    if not location:  # model-level rule: the message names the settings itself
        return message
    if error["type"] not in ("value_error", "assertion_error"):
        # pydantic's own wording ("Input should be ...") becomes the field's rule in words, with an example.
        allowed = _allowed_in_words(loc, value)
        if allowed is not None:
            message = f"missing; give {allowed}" if error["type"] == "missing" else allowed
    if isinstance(value, Mapping):
        return f"{location}: {message}"
    return f"{location}={shown(value)}: {message}"


def unknown_key(key: str, value: Any, known: set[str]) -> str:
    """A `-c` key no setting has: the nearest keys, else a handful of its section's keys (or the top level's)."""
    section = key.rpartition(".")[0]
    in_section = sorted(k for k in known if k.rpartition(".")[0] == section) if section in known else []
    siblings = in_section or sorted(k for k in known if "." not in k)
    close = nearest(key, in_section or sorted(known), count=2)
    names = [sibling.rpartition(".")[2] for sibling in siblings]
    return _unknown(f"{key}={shown(value)}", close, names, section if in_section else "the top level")
