"""Settings from CDK context: cdk.json's `mlstack` defaults, `-c key=value` overrides, then the rules
between settings and the deploy region."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from stacks.config.errors import SettingsError
from stacks.config.fields import MAX_SHOWN_VALUE, Section, shown
from stacks.config.images import image_region_problems
from stacks.config.messages import format_error, unknown_key
from stacks.config.regions import ProfileRegion, region_and_source, region_problem
from stacks.config.settings import Settings, Tags

CONTEXT_KEY = "mlstack"


def setting_keys(model: type[BaseModel] = Settings, parent: str = "") -> list[str]:
    """Every key `-c` accepts: top-level fields and dotted `section.field` for nested sections."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        key = f"{parent}{name}"
        keys.append(key)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section) and annotation is not Tags:
            keys.extend(setting_keys(annotation, f"{key}."))
        elif annotation is Tags:
            keys.extend(f"{key}.{tag}" for tag in Tags.model_fields)
    return keys


def _is_cdk_internal(key: str) -> bool:
    # Feature flags (`@aws-cdk/...`), CLI-provided keys (`aws:cdk:...`) and cdk.json's own keys.
    return key.startswith("@") or ":" in key or key.startswith("aws-cdk") or key == CONTEXT_KEY


def _parse_command_line(value: Any) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value  # let the field's own validation report it
    return value


def _merge(raw: dict[str, Any], dotted_key: str, value: Any) -> None:
    *sections, name = dotted_key.split(".")
    target = raw
    for section in sections:
        existing = target.get(section)
        target[section] = dict(existing) if isinstance(existing, Mapping) else {}
        target = target[section]
    target[name] = value


def _cross_field_problems(settings: Settings, profile_region: ProfileRegion) -> list[str]:
    """Rules between settings, and against the region the app will deploy to, where a deploy would fail."""
    problems: list[str] = []
    region, source = region_and_source(settings.region, profile_region)
    if source != "region":  # the setting itself was validated as a field
        problem = region_problem(region)
        if problem:
            where = f"{source}={region!r}" if source.startswith("AWS_") else f"region={region!r} (from {source})"
            problems.append(f"{where}: {problem} (or set -c region=...)")
    zone = settings.frameworks.availability_zone
    if settings.has("frameworks") and zone and zone[:-1] != region:
        problems.append(
            f"frameworks.availability_zone={zone!r}: not a zone of the deploy region {region} "
            f"(from {'the region setting' if source == 'region' else source}); use e.g. {region}b, "
            f"or -c region={zone[:-1]}"
        )
    adopted = settings.data.existing_bucket_name
    platform = settings.platform
    for name, model_data in (
        ("model_data_url", platform.model_data_bucket_and_key),
        ("forecast_model_data_url", platform.forecast_model_data_bucket_and_key),
    ):
        if model_data and adopted and model_data[0] != adopted:
            same_key = f"s3://{adopted}/{model_data[1]}"
            problems.append(
                # An endpoint's role may read models only in the data bucket.
                f"platform.{name}={shown(getattr(platform, name))}: not in the data bucket "
                f"data.existing_bucket_name={shown(adopted)}"
                + (f"; use {same_key}" if len(same_key) <= MAX_SHOWN_VALUE else "")
            )
    if settings.has("api_services"):
        voice = settings.api_services.voice_problem()
        if voice:
            problems.append(voice)
    if not region_problem(region):  # an unknown region already has its line: no second one about images there
        problems += image_region_problems(settings, region)
    return problems


def load_settings(context: Mapping[str, Any], profile_region: ProfileRegion = None) -> Settings:
    """Build Settings from CDK context: `mlstack` defaults from cdk.json, then `-c key=value` overrides.

    `profile_region` is what the region falls back to when neither the setting nor AWS_REGION /
    AWS_DEFAULT_REGION names one (app.py: CDK_DEFAULT_REGION; the commands: the boto3 profile's region,
    looked up only if needed): rules that depend on the region check the region the app will use.
    Raises SettingsError with one line per problem.
    """
    defaults = context.get(CONTEXT_KEY) or {}
    if not isinstance(defaults, Mapping):
        raise SettingsError(
            [
                f"{CONTEXT_KEY}={defaults!r}: must be an object of settings in cdk.json's context, "
                '(e.g. {"prefix": "ana"})'
            ]
        )
    raw: dict[str, Any] = json.loads(json.dumps(defaults))
    known = set(setting_keys())
    problems: list[str] = []
    for key, value in context.items():
        if _is_cdk_internal(key):
            continue
        if key not in known:
            problems.append(unknown_key(key, value, known))
            continue
        _merge(raw, key, _parse_command_line(value))
    if problems:
        raise SettingsError(problems)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise SettingsError([format_error(e) for e in error.errors()]) from None
    problems = _cross_field_problems(settings, profile_region)
    if problems:
        raise SettingsError(problems)
    return settings
