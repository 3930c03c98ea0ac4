"""The train channel: the published Yelp archive and its extracted CSVs read the same; bad rows are named."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import reviews
import train

from tests.training.conftest import TEST_ROWS, TRAIN_ROWS


def test_archive_and_extracted_csvs_give_the_same_rows(corpus: dict[str, Path]) -> None:
    # given the same reviews as the published .tgz and as its extracted CSV files
    from_archive = reviews.read_channel(corpus["archive"])
    from_csv = reviews.read_channel(corpus["csv"])

    # then both give every row, train.csv as training data and test.csv as the held-out split, in file order
    assert len(from_csv.train_texts) == TRAIN_ROWS
    assert len(from_csv.test_texts) == TEST_ROWS
    assert from_archive == from_csv
    assert set(from_csv.train_labels) == {0, 1}


def test_row_limits_stop_reading_each_split(corpus: dict[str, Path]) -> None:
    limited = reviews.read_channel(corpus["archive"], max_train=50, max_test=10)
    everything = reviews.read_channel(corpus["csv"])

    assert limited.train_texts == everything.train_texts[:50]
    assert limited.test_labels == everything.test_labels[:10]


def test_yelp_labels_map_to_negative_0_and_positive_1_and_escaped_newlines_become_spaces(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text('"1","cold soup\\nand a long wait"\n"2","lovely, quick, cheap"\n')

    splits = reviews.read_channel(tmp_path)

    assert splits.train_labels == [0, 1]
    assert splits.train_texts == ["cold soup and a long wait", "lovely, quick, cheap"]
    assert splits.test_texts == []


def test_a_bad_label_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text('"2","fine"\n"5","five stars"\n')

    with pytest.raises(reviews.ReviewDataError, match=r"mine\.csv line 2: expected `label,text` with label 1"):
        reviews.read_channel(tmp_path)


def test_a_channel_without_data_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")

    with pytest.raises(reviews.ReviewDataError, match=r"holds no \.tgz or \.tar\.gz or \.tar archive and no \*\.csv"):
        reviews.read_channel(tmp_path)


def arguments(train_dir: Path, *extra: str) -> argparse.Namespace:
    return train.parse_args(["--train", str(train_dir), "--model-dir", str(train_dir / "model"), *extra])


def test_without_a_test_file_a_seeded_fraction_of_train_is_held_out(tmp_path: Path, corpus: dict[str, Path]) -> None:
    # given a channel with train.csv only
    (tmp_path / "train.csv").write_bytes((corpus["csv"] / "yelp_review_polarity_csv" / "train.csv").read_bytes())

    data = train.load_data(arguments(tmp_path, "--validation_fraction", "0.25"))
    again = train.load_data(arguments(tmp_path, "--validation_fraction", "0.25"))

    # then a quarter is held out, disjoint from training, the same rows every time (every rank agrees)
    assert len(data.eval_texts) == TRAIN_ROWS // 4
    assert len(data.train_texts) == TRAIN_ROWS - TRAIN_ROWS // 4
    assert data.eval_texts == again.eval_texts
    assert data.eval_source == "held out 0.25 of the training rows"


def test_a_test_channel_replaces_the_archives_test_split(tmp_path: Path, corpus: dict[str, Path]) -> None:
    (tmp_path / "holdout.csv").write_text('"1","awful"\n"2","great"\n"2","lovely"\n')

    data = train.load_data(arguments(corpus["archive"], "--test", str(tmp_path)))

    assert data.eval_labels == [0, 1, 1]
    assert len(data.train_texts) == TRAIN_ROWS
    assert data.eval_source == f"test channel {tmp_path}"
