"""The function's settings, read from environment variables the ApiServices stack sets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field


def _int(value: str | None, default: int, minimum: int = 1) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number >= minimum else default


def _stations(value: str | None) -> dict[str, str]:
    """`City=STATIONID,City=STATIONID` (what the stack writes from api_services.forecast_cities)."""
    pairs = (part.split("=", 1) for part in (value or "").split(",") if "=" in part)
    return {city.strip(): station.strip() for city, station in pairs if city.strip() and station.strip()}


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in (value or "").split(",") if name.strip())


@dataclass(frozen=True)
class Environment:
    """Typed view of the environment; a malformed number falls back to its default instead of failing."""

    data_bucket: str = ""
    results_table: str = ""
    sample_images_prefix: str = "samples/images/"
    sample_images: tuple[str, ...] = ()
    user_images_prefix: str = "images/"
    speech_prefix: str = "generated/speech/"
    polly_voice: str = "Joanna"
    sentiment_endpoint: str = ""
    forecast_endpoint: str = ""
    forecast_history_prefix: str = "curated/ghcn/TMAX/latest-history/"
    forecast_stations: dict[str, str] = field(default_factory=dict)
    forecast_max_data_age_days: int = 7
    result_ttl_days: int = 30
    presigned_url_seconds: int = 3600

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Environment:
        env = os.environ if env is None else env
        return cls(
            data_bucket=env.get("DATA_BUCKET", ""),
            results_table=env.get("RESULTS_TABLE", ""),
            sample_images_prefix=env.get("SAMPLE_IMAGES_PREFIX", cls.sample_images_prefix),
            sample_images=_names(env.get("SAMPLE_IMAGES")),
            user_images_prefix=env.get("USER_IMAGES_PREFIX", cls.user_images_prefix),
            speech_prefix=env.get("SPEECH_PREFIX", cls.speech_prefix),
            polly_voice=env.get("POLLY_VOICE") or cls.polly_voice,
            sentiment_endpoint=env.get("SENTIMENT_ENDPOINT", "").strip(),
            forecast_endpoint=env.get("FORECAST_ENDPOINT", "").strip(),
            forecast_history_prefix=env.get("FORECAST_HISTORY_PREFIX") or cls.forecast_history_prefix,
            forecast_stations=_stations(env.get("FORECAST_STATIONS")),
            forecast_max_data_age_days=_int(env.get("FORECAST_MAX_DATA_AGE_DAYS"), cls.forecast_max_data_age_days),
            result_ttl_days=_int(env.get("RESULT_TTL_DAYS"), cls.result_ttl_days),
            # S3 caps SigV4 presigned URLs at 7 days.
            presigned_url_seconds=min(_int(env.get("PRESIGNED_URL_SECONDS"), cls.presigned_url_seconds), 604800),
        )
