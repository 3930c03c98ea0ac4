"""Labelled reviews from a SageMaker channel: the Yelp review polarity archive as published, or CSV files.

The layout is the fast.ai NLP archive's (`yelp_review_polarity_csv.tgz` in the Registry of Open Data):
`yelp_review_polarity_csv/train.csv` and `test.csv`, no header, two columns `label,text`, label 1 for a
negative review and 2 for a positive one. A channel holds either the archive (read from its gzip stream:
nothing is extracted to disk, so a 166 MB member costs no disk and the job stops reading at the row limit)
or extracted CSV files in that layout, in any sub-folder. A file named `test.csv` is the held-out split;
every other CSV is training data.
"""

from __future__ import annotations

import csv
import sys
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Yelp polarity labels as published: 1 = negative, 2 = positive. The model's classes are 0 and 1.
YELP_LABELS = {"1": 0, "2": 1}
TEST_FILE = "test.csv"
ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".tar")
# Reviews carry newlines as the two characters `\n` (the CSV was written with escaped line breaks).
ESCAPED_NEWLINE = "\\n"
# Some reviews exceed the csv module's default field limit (128 KiB).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class ReviewDataError(ValueError):
    """The channel holds no usable data, or a row is not `label,text` with a known label."""


@dataclass
class Splits:
    """Texts and 0/1 labels per split; `test` is empty when the channel has no `test.csv`."""

    train_texts: list[str] = field(default_factory=list)
    train_labels: list[int] = field(default_factory=list)
    test_texts: list[str] = field(default_factory=list)
    test_labels: list[int] = field(default_factory=list)


def parse_rows(lines: Iterable[str], source: str) -> Iterator[tuple[int, str]]:
    """(label, text) for each `label,text` row; a bad row raises ReviewDataError naming source and line."""
    reader = csv.reader(lines)
    for row in reader:
        line_number = reader.line_num  # the row's last line: a quoted review may span several
        if not row:
            continue
        if len(row) < 2 or row[0].strip() not in YELP_LABELS:
            raise ReviewDataError(
                f"{source} line {line_number}: expected `label,text` with label 1 (negative) or 2 (positive),"
                f" got {','.join(row)[:80]!r}"
            )
        # A review with an unquoted comma arrives as several fields: they are all text.
        text = ",".join(row[1:]).replace(ESCAPED_NEWLINE, " ").strip()
        yield YELP_LABELS[row[0].strip()], text


def _is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def _take(rows: Iterable[tuple[int, str]], texts: list[str], labels: list[int], limit: int) -> None:
    """Append rows until the split holds `limit` rows (0: no limit)."""
    for label, text in rows:
        if limit and len(texts) >= limit:
            return
        texts.append(text)
        labels.append(label)


def _add_file(splits: Splits, name: str, stream: IO[bytes], source: str, *, max_train: int, max_test: int) -> None:
    # Line by line rather than io.TextIOWrapper: a member of a tar read in stream mode has no seekable()
    # on Python 3.11, which TextIOWrapper calls. A UTF-8 character never contains the byte of `\n`.
    lines = (line.decode("utf-8") for line in stream)
    rows = parse_rows(lines, source)
    if Path(name).name == TEST_FILE:
        _take(rows, splits.test_texts, splits.test_labels, max_test)
    else:
        _take(rows, splits.train_texts, splits.train_labels, max_train)


def _read_archive(splits: Splits, path: Path, max_train: int, max_test: int) -> None:
    # Stream mode ("r|*"): one sequential pass over the gzip stream, each CSV member parsed as it passes.
    with tarfile.open(path, mode="r|*") as archive:
        for member in archive:
            if not (member.isfile() and member.name.endswith(".csv")):
                continue
            stream = archive.extractfile(member)
            if stream is not None:
                source = f"{path.name}:{member.name}"
                _add_file(splits, member.name, stream, source, max_train=max_train, max_test=max_test)


def read_channel(channel: Path, max_train: int = 0, max_test: int = 0) -> Splits:
    """Every archive and CSV under `channel`, in sorted path order, up to the row limits (0: all rows)."""
    if not channel.is_dir():
        raise ReviewDataError(f"data channel {channel} is not a directory")
    sources = sorted(
        path for path in channel.rglob("*") if path.is_file() and (_is_archive(path) or path.suffix == ".csv")
    )
    if not sources:
        raise ReviewDataError(f"data channel {channel} holds no {' or '.join(ARCHIVE_SUFFIXES)} archive and no *.csv")
    splits = Splits()
    for path in sources:
        if _is_archive(path):
            _read_archive(splits, path, max_train, max_test)
        else:
            with path.open("rb") as stream:
                source = str(path.relative_to(channel))
                _add_file(splits, path.name, stream, source, max_train=max_train, max_test=max_test)
    return splits


def read_test_channel(channel: Path, max_rows: int = 0) -> tuple[list[str], list[int]]:
    """Every row of a dedicated test channel, whatever its files are named."""
    splits = read_channel(channel, max_rows, max_rows)
    texts, labels = splits.test_texts + splits.train_texts, splits.test_labels + splits.train_labels
    if max_rows:
        return texts[:max_rows], labels[:max_rows]
    return texts, labels
