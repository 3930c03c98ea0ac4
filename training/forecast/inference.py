"""SageMaker PyTorch inference handlers for the forecast model, answering SageMaker built-in DeepAR's JSON.

Request: {"instances": [{"start": "2026-11-01", "target": [4.0, "NaN", null, ...]}, ...],
          "configuration": {"num_samples": 100, "output_types": ["mean", "quantiles"], "quantiles": ["0.1", "0.9"]}}
Response: {"predictions": [{"quantiles": {"0.1": [...], "0.9": [...]}, "mean": [...]}, ...]}, each list the
next prediction_length steps after the last target value (`samples` too when asked for).

This file runs in the PyTorch inference container, which has torch and numpy but no GluonTS or pandas, and may
have no network: it imports nothing else. It rebuilds exactly the inputs GluonTS's DeepAR builds (time
features, age, missing-value mask, left padding) and runs the TorchScript network the training script saved.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

try:  # the serving container's toolkit turns this error's status code into the HTTP response
    from sagemaker_inference.errors import BaseInferenceToolkitError
except ImportError:  # here and in tests

    class BaseInferenceToolkitError(Exception):  # type: ignore[no-redef]
        def __init__(self, status_code: int, message: str, phrase: str) -> None:
            super().__init__(status_code, message, phrase)
            self.status_code, self.message, self.phrase = status_code, message, phrase


JSON = "application/json"
OUTPUT_TYPES = ("mean", "quantiles", "samples")
DEFAULT_QUANTILES = ("0.1", "0.5", "0.9")
MAX_SAMPLES = 1000
MAX_INSTANCES = 100
STEP = {"D": np.timedelta64(1, "D"), "h": np.timedelta64(1, "h")}


class BadRequest(BaseInferenceToolkitError):
    """A request the model cannot answer: 400 with one line saying what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message, message)


@dataclass(frozen=True)
class ForecastModel:
    network: Any
    config: dict[str, Any]


@dataclass(frozen=True)
class Instance:
    start: np.datetime64
    target: np.ndarray  # float32, NaN where missing


@dataclass(frozen=True)
class Request:
    instances: list[Instance]
    num_samples: int | None
    output_types: tuple[str, ...]
    quantiles: tuple[str, ...]


def model_fn(model_dir: str) -> ForecastModel:
    folder = Path(model_dir)
    config = json.loads((folder / "config.json").read_text())
    network = torch.jit.load(str(folder / "model.pt"), map_location="cpu")
    network.eval()
    return ForecastModel(network, config)


def _start(value: Any, freq: str, position: int) -> np.datetime64:
    if not isinstance(value, str):
        raise BadRequest(f'instances[{position}].start: expected a string such as "2026-11-01", got {value!r}')
    try:
        start = np.datetime64(value.strip().replace(" ", "T"))
    except ValueError:
        raise BadRequest(
            f"instances[{position}].start {value!r}: not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)"
        ) from None
    return start.astype("datetime64[D]" if freq == "D" else "datetime64[h]")


def _target(value: Any, position: int) -> np.ndarray:
    if not isinstance(value, list) or not value:
        raise BadRequest(f"instances[{position}].target: expected a non-empty list of numbers")
    numbers = []
    for item in value:
        if item is None or (isinstance(item, str) and item.lower() == "nan"):
            numbers.append(math.nan)
        elif isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item):
            numbers.append(float(item))
        else:
            raise BadRequest(f'instances[{position}].target: {item!r} is not a number (use "NaN" or null for a gap)')
    target = np.asarray(numbers, dtype=np.float32)
    if not np.isfinite(target).any():
        raise BadRequest(f"instances[{position}].target: no observed value")
    return target


def parse_request(body: Any, freq: str) -> Request:
    if not isinstance(body, dict) or not isinstance(body.get("instances"), list) or not body["instances"]:
        raise BadRequest('expected a JSON object with a non-empty "instances" list')
    if len(body["instances"]) > MAX_INSTANCES:
        raise BadRequest(f"{len(body['instances'])} instances: at most {MAX_INSTANCES} per request")
    instances = []
    for position, item in enumerate(body["instances"]):
        if not isinstance(item, dict):
            raise BadRequest(f"instances[{position}]: expected an object with start and target")
        extra = sorted(set(item) & {"cat", "dynamic_feat"})
        if extra:
            raise BadRequest(f"instances[{position}].{extra[0]}: this model was trained without it; omit it")
        instances.append(Instance(_start(item.get("start"), freq, position), _target(item.get("target"), position)))
    configuration = body.get("configuration") or {}
    if not isinstance(configuration, dict):
        raise BadRequest("configuration: expected an object")
    num_samples = configuration.get("num_samples")
    if num_samples is not None and (not isinstance(num_samples, int) or not 1 <= num_samples <= MAX_SAMPLES):
        raise BadRequest(f"configuration.num_samples {num_samples!r}: a whole number from 1 to {MAX_SAMPLES}")
    output_types = configuration.get("output_types", ["quantiles", "mean"])
    if not isinstance(output_types, list) or not output_types or any(kind not in OUTPUT_TYPES for kind in output_types):
        raise BadRequest(f"configuration.output_types {output_types!r}: a list of {', '.join(OUTPUT_TYPES)}")
    quantiles = configuration.get("quantiles", list(DEFAULT_QUANTILES))
    if not isinstance(quantiles, list) or not all(_is_level(level) for level in quantiles):
        raise BadRequest(f'configuration.quantiles {quantiles!r}: a list of strings such as "0.1", each in (0, 1)')
    return Request(instances, num_samples, tuple(output_types), tuple(str(level) for level in quantiles))


def _is_level(level: Any) -> bool:
    try:
        return isinstance(level, (str, float)) and 0 < float(level) < 1
    except ValueError:
        return False


def input_fn(request_body: str | bytes, request_content_type: str) -> Any:
    """The request's JSON, checked against the model's contract in predict_fn (which knows its frequency)."""
    if (request_content_type or "").split(";")[0].strip() != JSON:
        raise BadRequest(f"content type {request_content_type!r}: send {JSON}")
    try:
        body = json.loads(request_body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not JSON: {error}") from None
    return body


# GluonTS's time features (gluonts.time_feature._base), each scaled to [-0.5, 0.5].
def _calendar(times: np.ndarray) -> dict[str, np.ndarray]:
    days = times.astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    return {
        "hour_of_day": (times.astype("datetime64[h]") - days).astype(int) / 23.0 - 0.5,
        # 1970-01-01 was a Thursday (dayofweek 3, Monday being 0)
        "day_of_week": ((days.astype(int) + 3) % 7) / 6.0 - 0.5,
        "day_of_month": (days - months).astype(int) / 30.0 - 0.5,
        "day_of_year": (days - years).astype(int) / 365.0 - 0.5,
    }


def features(instance: Instance, config: dict[str, Any]) -> dict[str, np.ndarray]:
    """The network's inputs for one series, as GluonTS's DeepAR transformation and test splitter build them."""
    length, horizon, past = len(instance.target), config["prediction_length"], config["past_length"]
    times = instance.start + np.arange(length + horizon) * STEP[config["freq"]]
    calendar = _calendar(times)
    time_feat = np.stack(
        [calendar[name] for name in config["time_features"]] + [np.log10(2.0 + np.arange(length + horizon))]
    ).astype(np.float32)
    observed = np.isfinite(instance.target).astype(np.float32)
    target = np.nan_to_num(instance.target, nan=0.0)
    pad = max(past - length, 0)

    def past_part(values: np.ndarray) -> np.ndarray:
        values = values[..., max(length - past, 0) : length]
        return np.pad(values, [(0, 0)] * (values.ndim - 1) + [(pad, 0)])

    return {
        "past_target": past_part(target),
        "past_observed_values": past_part(observed),
        "past_time_feat": past_part(time_feat).T,
        "future_time_feat": time_feat[:, length:].T,
    }


def predict_fn(input_data: Any, model: ForecastModel) -> dict[str, Any]:
    config = model.config
    request = parse_request(input_data, config["freq"])
    count = len(request.instances)
    inputs = [features(instance, config) for instance in request.instances]
    stacked = {name: torch.from_numpy(np.stack([item[name] for item in inputs])) for name in inputs[0]}
    wanted = request.num_samples or config["num_samples"]
    # The traced network draws the number of samples it was traced with; draw enough rounds for `wanted`.
    rounds = []
    drawn = 0
    with torch.no_grad():
        while drawn < wanted:
            samples = model.network(
                torch.zeros(count, 1, dtype=torch.long),
                torch.zeros(count, 1),
                stacked["past_time_feat"],
                stacked["past_target"],
                stacked["past_observed_values"],
                stacked["future_time_feat"],
            )
            rounds.append(samples.numpy())
            drawn += samples.shape[1]
    paths = np.concatenate(rounds, axis=1)[:, :wanted, :]
    predictions = []
    for index in range(count):
        prediction: dict[str, Any] = {}
        if "quantiles" in request.output_types:
            prediction["quantiles"] = {
                level: np.quantile(paths[index], float(level), axis=0).tolist() for level in request.quantiles
            }
        if "samples" in request.output_types:
            prediction["samples"] = paths[index].tolist()
        if "mean" in request.output_types:
            prediction["mean"] = paths[index].mean(axis=0).tolist()
        predictions.append(prediction)
    return {"predictions": predictions}


def output_fn(prediction: dict[str, Any], accept: str) -> str:
    if (accept or JSON).split(";")[0].strip() not in (JSON, "*/*"):
        raise BadRequest(f"accept {accept!r}: this model answers {JSON}")
    return json.dumps(prediction)
