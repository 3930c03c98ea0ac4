"""API services layer settings: the Lex V2 bot and its fulfillment Lambda."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from stacks.config.fields import Section, closed_set_problem, short_list, shown, split_list
from stacks.config.log_retention import LOG_RETENTION_DAYS


class ApiServicesSettings(Section):
    """API services layer: Lex V2 bot and its fulfillment Lambda."""

    # Lex V2 English locales: the bot's sample utterances and prompts are English, so only these can build.
    LEX_ENGLISH_LOCALES: ClassVar[tuple[str, ...]] = ("en_US", "en_GB", "en_AU", "en_IN", "en_ZA")
    # Amazon Polly voices with the neural engine (the bot's voice channel and the Speak intent use it), by the
    # language they speak. Source: Amazon Polly Developer Guide, "Available voices" (neural column) and
    # "Neural TTS", docs.aws.amazon.com/polly/latest/dg/available-voices.html, checked 2026-12-02. Lex V2
    # refuses a locale whose voice speaks another language, so a voice must speak every locale's language.
    POLLY_NEURAL_VOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "en-US": (
            "Danielle", "Gregory", "Ivy", "Joanna", "Joey", "Justin", "Kendra", "Kevin", "Kimberly", "Matthew",
            "Ruth", "Salli", "Stephen",
        ),
        "en-GB": ("Amy", "Arthur", "Brian", "Emma"),
        "en-AU": ("Olivia",),
        "en-IN": ("Kajal",),
        "en-ZA": ("Ayanda",),
        "en-IE": ("Niamh",),
        "en-NZ": ("Aria",),
    }  # fmt: skip
    POLLY_NEURAL_ENGLISH_VOICES: ClassVar[tuple[str, ...]] = tuple(
        voice for voices in POLLY_NEURAL_VOICES.values() for voice in voices
    )

    # Bot locales; the first is the one scripts talk to (output BotLocaleId). Default ["en_US"].
    # Allowed: en_US, en_GB, en_AU, en_IN, en_ZA (the utterances are English), each at most once. One voice
    # serves every locale and must speak each one's language, so in practice one locale per deployment.
    locales: tuple[str, ...] = ("en_US",)
    # Seconds Lex keeps a conversation's context between messages. Default 300; Lex allows 60-86400.
    idle_session_ttl_seconds: int = Field(default=300, ge=60, le=86400)
    # Amazon Polly voice of the Speak intent (and the bot's voice channel). Default "Joanna";
    # allowed: a neural voice of POLLY_NEURAL_VOICES that speaks the language of every locale (en_GB: Amy...).
    polly_voice: str = "Joanna"
    # Days a request's result stays in the DynamoDB results table before TTL deletes it. Default 30; 1-365.
    result_ttl_days: int = Field(default=30, ge=1, le=365)
    # Lifetime of the presigned URL a Speak reply carries. Default 3600; 60-43200 (the URL dies with the
    # Lambda role session that signed it anyway, at most 12 hours).
    presigned_url_seconds: int = Field(default=3600, ge=60, le=43200)
    # Retention of the function's and the bot's conversation log groups. Default 30; a CloudWatch Logs value.
    log_retention_days: int = 30
    # Adopt a results table kept by an earlier `retain_data=true` destroy (its ResultsTableName output) instead
    # of creating an empty one; the stack then never deletes it. Default none: a new table.
    existing_results_table_name: str | None = None

    # Cities the Forecast intent knows, to their GHCN-D station ids (history/<id>.json of `mlstack spark`, so
    # also list them in spark.history_stations). Ids cross-checked 2026-12-04 in public station tables (not
    # against ghcnd-stations.txt itself): Denver Intl USW00003017, Seattle-Tacoma USW00024233, New York Central
    # Park USW00094728 (in the Spark sample). Names must also be values of the bot's CityName slot type.
    forecast_cities: dict[str, str] = Field(
        default_factory=lambda: {"Denver": "USW00003017", "Seattle": "USW00024233", "New York": "USW00094728"},
        examples=[{"Denver": "USW00003017"}],
    )
    # The bot refuses to forecast from a history whose last observation is older than this. Default 7; 1-365.
    forecast_max_data_age_days: int = Field(default=7, ge=1, le=365)

    @field_validator("forecast_cities")
    @classmethod
    def _station_ids(cls, cities: dict[str, str]) -> dict[str, str]:
        for city, station in cities.items():
            if not (len(station) == 11 and station.isalnum() and station.upper() == station):
                raise ValueError(f"{city}: {shown(station)} is not a GHCN-D id (11 of A-Z and 0-9, e.g. USW00094728)")
            if "," in city or "=" in city or not city.strip():
                raise ValueError(f"city name {shown(city)}: allowed a non-empty name without ',' or '='")
        return cities

    @field_validator("existing_results_table_name")
    @classmethod
    def _table_name(cls, name: str | None) -> str | None:
        allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        if name is not None and not (3 <= len(name) <= 255 and set(name) <= allowed):
            raise ValueError("not a DynamoDB table name: 3-255 letters, digits, _ - and ., e.g. my-results-table")
        return name

    @field_validator("locales", mode="before")
    @classmethod
    def _locales_from_command_line(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("locales")
    @classmethod
    def _english_locales(cls, locales: tuple[str, ...]) -> tuple[str, ...]:
        allowed = ", ".join(cls.LEX_ENGLISH_LOCALES)
        if not locales:
            raise ValueError(f"give at least one of {allowed}, e.g. en_US")
        for locale in locales:
            problem = closed_set_problem(locale, cls.LEX_ENGLISH_LOCALES, noun="an English Lex V2 locale")
            if problem:  # the locale is named only when the list has others
                raise ValueError(f"unsupported locale {shown(locale)}: {problem}" if len(locales) > 1 else problem)
        if len(set(locales)) != len(locales):
            raise ValueError("each locale may appear once, e.g. en_GB")
        return locales

    @field_validator("polly_voice")
    @classmethod
    def _known_voice(cls, voice: str) -> str:
        problem = closed_set_problem(
            voice, cls.POLLY_NEURAL_ENGLISH_VOICES, noun="an English neural Amazon Polly voice", example="Joanna"
        )
        if problem:
            raise ValueError(problem)
        return voice

    def voice_problem(self) -> str | None:
        """Why the voice cannot serve every locale (Lex V2 wants a voice of each locale's language), or None."""
        language = next(lang for lang, voices in self.POLLY_NEURAL_VOICES.items() if self.polly_voice in voices)
        wrong = [locale for locale in self.locales if locale.replace("_", "-") != language]
        if not wrong:
            return None
        fits = self.POLLY_NEURAL_VOICES.get(wrong[0].replace("_", "-"), ("Joanna",))
        if len({locale.replace("_", "-") for locale in self.locales}) > 1:
            return (
                f"api_services.polly_voice={self.polly_voice!r}: speaks {language} and serves every locale "
                f"({', '.join(self.locales)}); deploy one, e.g. -c api_services.locales={wrong[0]} "
                f"-c api_services.polly_voice={fits[0]}"
            )
        return (
            f"api_services.polly_voice={self.polly_voice!r}: speaks {language}, but locale {wrong[0]} needs a "
            f"voice of its language: {short_list(fits, 4)}, e.g. -c api_services.polly_voice={fits[0]}"
        )

    @field_validator("log_retention_days")
    @classmethod
    def _cloudwatch_retention(cls, days: int) -> int:
        problem = closed_set_problem(days, LOG_RETENTION_DAYS, noun="a CloudWatch Logs retention in days", example=30)
        if problem:
            raise ValueError(problem)
        return days
