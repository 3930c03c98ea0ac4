"""Forecast: the next days' daily high of a city from the forecast endpoint (DeepAR-format JSON), fed with the
station's recent history that the Spark job writes as history/<station>.json in the data bucket."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lex import LexRequest, Reply, close, elicit_slot, fail

from intents import Deps

SERVICE = "the forecast model"
SLOT = "City"
QUANTILES = ("0.1", "0.5", "0.9")
NUM_SAMPLES = 100
# Days spoken in the reply: a chat answer, not a table.
DAYS_SPOKEN = 3
NO_MODEL = (
    "There is no forecast model yet. Train one with 'mlstack train --recipe forecast', deploy it, and ask me again."
)
NO_HISTORY = "Sorry, I have no recent weather data for {city} yet. Run 'mlstack spark' to prepare it."
STALE = "Sorry, the newest weather data for {city} is from {last}, older than {days} days, so I won't guess."
UNREADABLE = "Sorry, the forecast model gave an answer I couldn't read."
# How each unit the Spark job writes (spark/ghcn_series.py ELEMENTS: values already divided to degC or mm)
# follows a number in a reply; any other unit is spoken as written, after a space.
UNIT_SUFFIXES = {"degC": "°C", "mm": " mm"}


def _known(deps: Deps) -> str:
    return ", ".join(sorted(deps.env.forecast_stations)) or "none configured"


def station_of(city: str, deps: Deps) -> str | None:
    wanted = city.strip().lower()
    return next((station for name, station in deps.env.forecast_stations.items() if name.lower() == wanted), None)


def validate(request: LexRequest, deps: Deps) -> Reply | None:
    city = request.slot(SLOT)
    if not city:
        return elicit_slot(request, SLOT, f"Which city? I know: {_known(deps)}.")
    if station_of(city, deps) is None:
        return elicit_slot(request, SLOT, f"Sorry, I have no station for {city}. I know: {_known(deps)}.")
    return None


def request_body(history: dict[str, Any]) -> str:
    """The DeepAR-format request; missing days are "NaN", which the model's input handler reads as missing."""
    target = [
        value if isinstance(value, int | float) and math.isfinite(value) else "NaN" for value in history["target"]
    ]
    return json.dumps(
        {
            "instances": [{"start": history["start"], "target": target}],
            "configuration": {
                "num_samples": NUM_SAMPLES,
                "output_types": ["quantiles", "mean"],
                "quantiles": list(QUANTILES),
            },
        }
    )


def parse_quantiles(body: Any) -> dict[str, list[float]] | None:
    """The first prediction's P10, P50 and P90 series, or None when the answer lacks one of them."""
    try:
        quantiles = body["predictions"][0]["quantiles"]
        series = {q: [float(v) for v in quantiles[q]] for q in QUANTILES}
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    lengths = {len(values) for values in series.values()}
    return series if len(lengths) == 1 and 0 not in lengths else None


def words(city: str, history: dict[str, Any], series: dict[str, list[float]]) -> str:
    unit = str(history.get("unit") or "").strip()
    unit = UNIT_SUFFIXES.get(unit, f" {unit}" if unit else "")
    first = date.fromisoformat(history["start"]) + timedelta(days=len(history["target"]))
    days = [
        f"{(first + timedelta(days=i)).strftime('%a %b %d')}: about {series['0.5'][i]:.0f}{unit} "
        f"(likely {series['0.1'][i]:.0f} to {series['0.9'][i]:.0f})"
        for i in range(min(DAYS_SPOKEN, len(series["0.5"])))
    ]
    return f"Forecast high for {city}, from data through {history['last_observation']}: " + "; ".join(days) + "."


class _Refusal(Exception):
    """A failure the user hears as one sentence (and the record keeps as `result`)."""

    def __init__(self, message: str, result: str) -> None:
        super().__init__(result)
        self.message, self.result = message, result


def read_history(deps: Deps, city: str, station: str, today: date) -> dict[str, Any]:
    """The station's history document, recent enough to forecast from."""
    env = deps.env
    try:
        obj = deps.clients.s3.get_object(Bucket=env.data_bucket, Key=f"{env.forecast_history_prefix}{station}.json")
        history = json.loads(obj["Body"].read())
    except Exception as error:  # a missing or unreadable history is a sentence, not an error
        code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        raise _Refusal(NO_HISTORY.format(city=city), f"no history {code}") from error
    last = history.get("last_observation") if isinstance(history, dict) else None
    if not last or not isinstance(history.get("target"), list) or not history.get("start"):
        raise _Refusal(NO_HISTORY.format(city=city), "history unreadable")
    if (today - date.fromisoformat(last)).days > env.forecast_max_data_age_days:
        raise _Refusal(STALE.format(city=city, last=last, days=env.forecast_max_data_age_days), "stale")
    return history


def ask_endpoint(deps: Deps, history: dict[str, Any]) -> dict[str, list[float]]:
    try:
        response = deps.clients.forecast_runtime.invoke_endpoint(
            EndpointName=deps.env.forecast_endpoint,
            ContentType="application/json",
            Accept="application/json",
            Body=request_body(history),
        )
    except Exception as error:
        # SageMaker runtime names a missing endpoint ValidationError: the model is not deployed (yet).
        if getattr(error, "response", {}).get("Error", {}).get("Code") == "ValidationError":
            raise _Refusal(NO_MODEL, "forecast endpoint not found") from error
        raise
    try:
        series = parse_quantiles(json.loads(response["Body"].read()))
    except ValueError:
        series = None
    if series is None:
        raise _Refusal(UNREADABLE, "unreadable")
    return series


def fulfil(request: LexRequest, deps: Deps, today: date | None = None) -> Reply:
    city = (request.slot(SLOT) or "").strip()
    station = station_of(city, deps)
    if not deps.env.forecast_endpoint:
        return fail(request, NO_MODEL, result="no forecast endpoint")
    if station is None:
        return fail(request, f"Sorry, I have no station for {city}. I know: {_known(deps)}.", result="unknown city")
    try:
        history = read_history(deps, city, station, today or datetime.now(UTC).date())
        series = ask_endpoint(deps, history)
    except _Refusal as refusal:
        return fail(request, refusal.message, result=refusal.result)
    result = f"{station} {history['last_observation']} p50 {series['0.5'][0]:.1f}"
    return close(request, words(city, history, series), result=result)
