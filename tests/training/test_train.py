"""One process on CPU: the tiny model learns the corpus, and its artifact is what the endpoint and bot read."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import train

from tests.training.conftest import ROOT, TEST_ROWS, TRAIN_ROWS, run_arguments

LAMBDA_DIR = ROOT / "lambdas" / "lex_fulfillment"
METRIC_KEYS = {"accuracy", "f1", "loss", "samples_per_second", "gpus", "world_size", "steps"}


def test_training_reaches_held_out_accuracy_well_above_chance(single_run: dict[str, Any]) -> None:
    metrics = json.loads((single_run["output"] / "metrics.json").read_text())

    assert metrics["eval_rows"] == TEST_ROWS
    assert metrics["accuracy"] >= 0.9
    assert metrics["f1"] >= 0.9
    assert metrics["loss"] < 0.3


def test_metrics_name_the_run(single_run: dict[str, Any]) -> None:
    metrics = json.loads((single_run["output"] / "metrics.json").read_text())

    assert metrics.keys() >= METRIC_KEYS
    # 800 rows / 16 per step = 50 steps per epoch, 4 epochs, one CPU process
    assert (metrics["steps"], metrics["world_size"], metrics["gpus"]) == (200, 1, 0)
    assert metrics["train_rows"] == TRAIN_ROWS
    assert metrics["samples_per_second"] > 0
    assert metrics["eval_source"] == "test.csv"
    assert json.loads((single_run["model"] / "metrics.json").read_text()) == metrics


def test_the_model_directory_has_the_inference_containers_layout(single_run: dict[str, Any]) -> None:
    files = {path.name for path in single_run["model"].iterdir()}

    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "metrics.json"} <= files
    assert not any(name.endswith((".bin", ".pt")) for name in files)
    config = json.loads((single_run["model"] / "config.json").read_text())
    assert config["id2label"] == {"0": "NEGATIVE", "1": "POSITIVE"}
    assert config["label2id"] == {"NEGATIVE": 0, "POSITIVE": 1}


@pytest.fixture(scope="module")
def classifier(single_run: dict[str, Any]) -> Any:
    from transformers import pipeline

    return pipeline("text-classification", model=str(single_run["model"]), device="cpu")


def test_the_pipeline_loads_the_model_and_labels_read_positive_and_negative(classifier: Any) -> None:
    predictions = classifier(["the pizza was delicious.", "our waiter was rude, it was busy."])

    assert [prediction["label"] for prediction in predictions] == ["POSITIVE", "NEGATIVE"]
    assert all(prediction["score"] > 0.5 for prediction in predictions)


def test_the_bots_sentiment_parser_reads_the_pipelines_answer(classifier: Any) -> None:
    # the endpoint answers with the pipeline's JSON; the Lambda parses it as it does the Hub model's
    if str(LAMBDA_DIR) not in sys.path:
        sys.path.insert(0, str(LAMBDA_DIR))
    from intents.analyze_sentiment import parse_prediction

    body = json.loads(json.dumps(classifier("the staff was friendly.")))

    label, score = parse_prediction(body) or ("", 0.0)
    assert label == "POSITIVE"
    assert 0.5 < score <= 1.0
    # the bot's reply reads "That sounds positive (..% confident).", as with the SST-2 model today
    assert f"That sounds {label.lower()}" == "That sounds positive"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--epochs", "0", "--epochs 0: must be 1 or more"),
        ("--learning_rate", "-1", "--learning_rate -1.0: must be above 0"),
        ("--validation_fraction", "1.5", "--validation_fraction 1.5: must be between 0 and 1"),
        ("--max_rows", "-3", "--max_rows -3: must be 0 (no limit) or more"),
    ],
)
def test_a_bad_hyperparameter_exits_2_with_one_line(
    option: str, value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        train.parse_args(["--train", str(tmp_path), "--model-dir", str(tmp_path), option, value])

    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(message)


def test_without_a_train_channel_it_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SM_CHANNEL_TRAIN", raising=False)

    with pytest.raises(SystemExit) as exit_info:
        train.parse_args(["--model-dir", "/tmp/model"])

    assert exit_info.value.code == 2
    assert "--train is not set: pass a directory or set SM_CHANNEL_TRAIN" in capsys.readouterr().err


def test_sagemaker_environment_variables_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")
    monkeypatch.setenv("SM_CHANNEL_TEST", "/opt/ml/input/data/test")
    monkeypatch.setenv("SM_MODEL_DIR", "/opt/ml/model")
    monkeypatch.setenv("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data")

    args = train.parse_args(["--epochs", "2", "--per_device_batch_size", "8"])

    assert (args.train, args.test) == (Path("/opt/ml/input/data/train"), Path("/opt/ml/input/data/test"))
    assert (args.model_dir, args.output_data_dir) == (Path("/opt/ml/model"), Path("/opt/ml/output/data"))
    assert args.checkpoint_dir == Path("/opt/ml/checkpoints")
    assert (args.model_name_or_path, args.epochs, args.per_device_batch_size) == ("distilbert-base-uncased", 2, 8)


def test_fewer_rows_than_one_batch_exit_2_naming_the_batch(
    corpus: dict[str, Path], tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = run_arguments(corpus["csv"], tiny_model, tmp_path, "--max_rows", "10")

    assert train.main(arguments) == 2

    assert "10 training rows are fewer than one global batch (16 per device x 1 processes)" in capsys.readouterr().err
    assert not (tmp_path / "model").exists()
