"""The serving handlers with SageMaker built-in DeepAR's JSON, on a model the script trained, and the model
loaded in an interpreter holding only the serving image's packages (torch, numpy) plus what the model ships."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.training.forecast.conftest import QUICK, paths, run_script

HORIZON = 7


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, demo_series: Path) -> Path:
    out = tmp_path_factory.mktemp("served")
    result = run_script(*paths(out, demo_series), *QUICK)
    assert result.returncode == 0, result.stderr[-2000:]
    return out / "model"


@pytest.fixture(scope="module")
def handlers(served: Path) -> Any:
    """The shipped code/inference.py, imported from the model directory as the serving container does."""
    sys.path.insert(0, str(served / "code"))
    try:
        import inference

        yield inference
    finally:
        sys.path.remove(str(served / "code"))


def invoke(handlers: Any, model: Any, body: object, content_type: str = "application/json") -> dict[str, Any]:
    data = handlers.input_fn(json.dumps(body), content_type)
    return json.loads(handlers.output_fn(handlers.predict_fn(data, model), "application/json"))


def history(days: int, start: str = "2026-01-01") -> dict[str, Any]:
    target: list[object] = [round(15 + 10 * math.sin(day / 58), 1) for day in range(days)]
    if days > 5:  # a gap written both ways DeepAR accepts
        target[3] = "NaN"
        target[5] = None
    return {"start": start, "target": target}


def test_several_instances_get_quantiles_and_mean(handlers: Any, served: Path) -> None:
    model = handlers.model_fn(str(served))
    body = {
        "instances": [history(400), history(30, "2025-06-01 00:00:00"), history(3)],
        "configuration": {"num_samples": 60, "output_types": ["mean", "quantiles"], "quantiles": ["0.1", "0.5", "0.9"]},
    }
    predictions = invoke(handlers, model, body)["predictions"]
    assert len(predictions) == 3
    for prediction in predictions:
        assert set(prediction) == {"mean", "quantiles"}
        assert list(prediction["quantiles"]) == ["0.1", "0.5", "0.9"]
        low, mid, high = (np.array(prediction["quantiles"][level]) for level in ("0.1", "0.5", "0.9"))
        assert len(mid) == len(prediction["mean"]) == HORIZON
        assert (low <= mid).all() and (mid <= high).all() and (low < high).any()


def test_samples_and_more_samples_than_one_draw(handlers: Any, served: Path) -> None:
    model = handlers.model_fn(str(served))
    body = {"instances": [history(100)], "configuration": {"num_samples": 130, "output_types": ["samples"]}}
    (prediction,) = invoke(handlers, model, body)["predictions"]
    assert list(prediction) == ["samples"]
    assert np.array(prediction["samples"]).shape == (130, HORIZON)


def test_without_configuration_the_defaults_answer(handlers: Any, served: Path) -> None:
    (prediction,) = invoke(handlers, handlers.model_fn(str(served)), {"instances": [history(50)]})["predictions"]
    assert list(prediction["quantiles"]) == ["0.1", "0.5", "0.9"]
    assert len(prediction["mean"]) == HORIZON


MALFORMED = [
    ({}, 'expected a JSON object with a non-empty "instances" list'),
    ({"instances": []}, 'expected a JSON object with a non-empty "instances" list'),
    ({"instances": [{"start": "2026-01-01", "target": []}]}, "instances[0].target: expected a non-empty list"),
    ({"instances": [{"start": "2026-01-01", "target": ["x"]}]}, "instances[0].target: 'x' is not a number"),
    ({"instances": [{"start": "2026-01-01", "target": [None]}]}, "instances[0].target: no observed value"),
    ({"instances": [{"start": "yesterday", "target": [1]}]}, "instances[0].start 'yesterday': not a date"),
    ({"instances": [{"target": [1]}]}, "instances[0].start: expected a string"),
    ({"instances": [{"start": "2026-01-01", "target": [1], "cat": [0]}]}, "instances[0].cat: this model was trained"),
    ({"instances": [history(9)], "configuration": {"num_samples": 0}}, "configuration.num_samples 0: a whole number"),
    ({"instances": [history(9)], "configuration": {"output_types": ["median"]}}, "configuration.output_types"),
    ({"instances": [history(9)], "configuration": {"quantiles": ["1.5"]}}, "configuration.quantiles"),
    ({"instances": [history(9)] * 101}, "101 instances: at most 100"),
]


@pytest.mark.parametrize(("body", "message"), MALFORMED)
def test_a_malformed_request_is_a_400_not_a_crash(handlers: Any, served: Path, body: object, message: str) -> None:
    model = handlers.model_fn(str(served))
    with pytest.raises(handlers.BadRequest) as raised:
        invoke(handlers, model, body)
    assert raised.value.status_code == 400
    assert raised.value.message.startswith(message)


def test_not_json_and_another_content_type_are_400s(handlers: Any) -> None:
    for body, content_type in (("{nope", "application/json"), ("1,2,3", "text/csv")):
        with pytest.raises(handlers.BadRequest) as raised:
            handlers.input_fn(body, content_type)
        assert raised.value.status_code == 400


@pytest.mark.parametrize("days", [3, 200, 500])
def test_the_handler_builds_exactly_the_inputs_gluonts_builds(handlers: Any, served: Path, days: int) -> None:
    """Time features, age, the missing-value mask and the left padding, against GluonTS's own transformation."""
    config = json.loads((served / "config.json").read_text())
    assert_same_inputs(handlers, config, days, "2024-02-20")


@pytest.mark.parametrize("hours", [5, 9000])
def test_hourly_inputs_match_gluonts_too(handlers: Any, hours: int) -> None:
    """An hourly model's inputs (hour of day as well), from a contract written as export() writes it."""
    import model as recipe_model
    from gluonts.torch.model.deepar import DeepAREstimator

    estimator = DeepAREstimator(freq="h", prediction_length=HORIZON, context_length=4 * HORIZON,
                                lags_seq=recipe_model.lags("h", 24))  # fmt: skip
    config = {
        "freq": "h",
        "prediction_length": HORIZON,
        "context_length": 4 * HORIZON,
        "past_length": estimator.create_lightning_module().model._past_length,
        "time_features": [feature.__name__ for feature in estimator.time_features],
    }
    assert config["time_features"] == ["hour_of_day", "day_of_week", "day_of_month", "day_of_year"]
    assert_same_inputs(handlers, config, hours, "2024-02-28 21:00:00")


def assert_same_inputs(handlers: Any, config: dict[str, Any], length: int, start: str) -> None:
    import model as recipe_model
    import pandas as pd
    from gluonts.dataset.common import ListDataset
    from gluonts.torch.model.deepar import DeepAREstimator

    freq = config["freq"]
    estimator = DeepAREstimator(freq=freq, prediction_length=config["prediction_length"],
                                context_length=config["context_length"],
                                lags_seq=recipe_model.lags(freq, 1 if freq == "D" else 24))  # fmt: skip
    module = estimator.create_lightning_module()
    assert module.model._past_length == config["past_length"]
    pipeline = estimator.create_transformation() + estimator._create_instance_splitter(module, "test")
    instance = history(length, start)
    target = np.array([np.nan if value in ("NaN", None) else value for value in instance["target"]], dtype=np.float32)
    dataset = ListDataset([{"start": pd.Period(start, freq=freq), "target": target}], freq=freq)
    (expected,) = list(pipeline.apply(dataset, is_train=False))
    ours = handlers.features(handlers.Instance(handlers._start(start, freq, 0), target), config)
    for name in ("past_target", "past_observed_values", "past_time_feat", "future_time_feat"):
        np.testing.assert_allclose(ours[name], expected[name], rtol=0, atol=1e-6, err_msg=name)


def serving_site(folder: Path) -> Path:
    """A site folder holding torch and numpy (and what torch itself requires) only: the serving image's stack."""
    site = folder / "site"
    site.mkdir()
    distributions = ["torch", "numpy"]
    for requirement in importlib.metadata.requires("torch") or []:
        if ";" not in requirement:  # unconditional requirements only
            distributions.append(requirement.split(">")[0].split("=")[0].split("<")[0].strip())
    for name in distributions:
        distribution = importlib.metadata.distribution(name)
        tops = {Path(str(file)).parts[0] for file in distribution.files or [] if not str(file).startswith("..")}
        for top in tops:
            source = Path(str(distribution.locate_file(top)))
            if source.exists() and not (site / top).exists():
                (site / top).symlink_to(source)
    return site


SERVING_SCRIPT = """
import json, sys
for absent in ("gluonts", "pandas", "lightning", "sagemaker_inference"):
    try:
        __import__(absent)
    except ImportError:
        continue
    sys.exit(f"{absent} is importable: the test's interpreter is not the serving image's")
import inference
model = inference.model_fn(sys.argv[1])
body = {"instances": [{"start": "2026-01-01", "target": [10.0, 11.5, "NaN", 12.0] * 30}],
        "configuration": {"output_types": ["quantiles"], "quantiles": ["0.5"]}}
answer = inference.output_fn(inference.predict_fn(inference.input_fn(json.dumps(body), "application/json"), model),
                             "application/json")
print(answer)
"""


def test_the_model_loads_and_answers_with_only_the_serving_images_packages(served: Path, tmp_path: Path) -> None:
    site = serving_site(tmp_path)
    # -S: no site-packages at all; PYTHONPATH: torch and numpy, then the model's own code/
    env = {**{key: value for key, value in os.environ.items() if not key.startswith("PYTHON")},
           "PYTHONPATH": f"{site}{os.pathsep}{served / 'code'}", "OMP_NUM_THREADS": "1"}  # fmt: skip
    result = subprocess.run([sys.executable, "-S", "-c", SERVING_SCRIPT, str(served)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (prediction,) = json.loads(result.stdout)["predictions"]
    assert len(prediction["quantiles"]["0.5"]) == HORIZON
