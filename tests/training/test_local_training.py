"""`mlstack train --local --demo` trains for real on CPU: a tiny offline model learns the generated corpus.

The written model loads in `transformers.pipeline` and the fulfillment function's sentiment parser reads its
output: what the endpoint serves after `platform.model_data_url` switches it, the bot answers with.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


# What a redrawn progress bar leaves in captured output: carriage returns, tqdm's block characters, its rate.
PROGRESS_BAR = re.compile(r"\r|[\u2580-\u259f]|\d+/\d+ \[\d|it/s\]")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo's output folder and everything it printed."""
    output = tmp_path_factory.mktemp("training")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-m", "mlstack", "train", "--local", "--demo", "--rows", "400", "--output", str(output)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return output, result.stdout + result.stderr


@pytest.fixture(scope="module")
def trained(demo_run: tuple[Path, str]) -> Path:
    return demo_run[0]


def test_the_output_is_what_a_user_reads_without_progress_bars(demo_run: tuple[Path, str]) -> None:
    console = demo_run[1]
    assert "eval_accuracy=" in console and "model written to" in console
    assert not PROGRESS_BAR.search(console), console[-2000:]


def test_the_tiny_model_learns_the_corpus_well_above_chance(trained: Path) -> None:
    metrics = json.loads((trained / "output" / "metrics.json").read_text())
    assert metrics["accuracy"] >= 0.8, metrics
    assert metrics["world_size"] == 1 and metrics["steps"] > 0


def test_the_model_has_the_layout_the_inference_container_loads(trained: Path) -> None:
    names = {path.name for path in (trained / "model").iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= names
    config = json.loads((trained / "model" / "config.json").read_text())
    assert set(config["id2label"].values()) == {"NEGATIVE", "POSITIVE"}


def test_the_pipeline_loads_it_and_the_bot_reads_its_answer(trained: Path) -> None:
    from transformers import pipeline

    classify = pipeline("text-classification", model=str(trained / "model"))
    answer: Any = classify(["this was great and I loved it"])
    spec = importlib.util.spec_from_file_location(
        "analyze_sentiment_under_test", ROOT / "lambdas" / "lex_fulfillment" / "intents" / "analyze_sentiment.py"
    )
    assert spec is not None
    sys.path.insert(0, str(ROOT / "lambdas" / "lex_fulfillment"))
    try:
        module = importlib.util.module_from_spec(spec)
        assert spec.loader is not None
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "lambdas" / "lex_fulfillment"))
    parsed = module.parse_prediction(json.loads(json.dumps(answer)))
    assert parsed is not None
    label, score = parsed
    assert label in {"POSITIVE", "NEGATIVE"} and 0 < score <= 1
