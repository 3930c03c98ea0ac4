"""The data `mlstack local --scenario retain` keeps: written, read back through other names, deleted (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlstack.local import kept_data
from stacks.constructs.results_table import PARTITION_KEY, SORT_KEY

BUCKET = "kept-data"
TABLE = "kept-results"


@pytest.fixture
def clients() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
                {"AttributeName": SORT_KEY, "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield s3, dynamodb


def test_samples_written_are_read_back_whole(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients
    kept = kept_data.write_samples(s3, dynamodb, BUCKET, TABLE)
    assert kept.objects["retained/notes.txt"] == b"kept across teardown"  # the current of two versions
    assert kept_data.read_back(s3, dynamodb, kept, BUCKET, TABLE) == []


def test_another_bucket_or_table_than_the_kept_one_is_named(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients
    kept = kept_data.write_samples(s3, dynamodb, BUCKET, TABLE)
    s3.create_bucket(Bucket="fresh-empty")
    problems = kept_data.read_back(s3, dynamodb, kept, "fresh-empty", "fresh-table")
    assert problems[0] == "the adopting Data stack uses bucket fresh-empty, not the retained kept-data"
    assert "s3://fresh-empty/retained/notes.txt: NoSuchKey" in problems
    assert problems[-1] == "the adopting ApiServices stack uses table fresh-table, not the retained kept-results"


def test_changed_object_and_lost_item_are_problems(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients
    kept = kept_data.write_samples(s3, dynamodb, BUCKET, TABLE)
    s3.put_object(Bucket=BUCKET, Key="retained/data.csv", Body=b"overwritten")
    dynamodb.delete_item(TableName=TABLE, Key=kept_data.SAMPLE_ITEM)
    problems = kept_data.read_back(s3, dynamodb, kept, BUCKET, TABLE)
    assert problems == [
        f"s3://{BUCKET}/retained/data.csv: read b'overwritten', wrote b'id,label\\n1,positive\\n'",
        f"table {TABLE}: the item written before the destroy is gone or changed",
    ]


def test_without_a_table_only_the_bucket_is_written_and_read(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients
    kept = kept_data.write_samples(s3, dynamodb, BUCKET, None)
    assert dynamodb.scan(TableName=TABLE)["Count"] == 0
    assert kept_data.read_back(s3, dynamodb, kept, BUCKET, None) == []


def test_only_buckets_and_tables_may_be_kept() -> None:
    kept = {"bucket:a", "table:b", "role:r", "kms-key:k"}
    assert kept_data.unexpectedly_kept(kept) == ["kms-key:k", "role:r"]


def test_kept_data_is_deleted_versions_and_all(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients
    kept_data.write_samples(s3, dynamodb, BUCKET, TABLE)
    s3.delete_object(Bucket=BUCKET, Key="retained/data.csv")  # a delete marker, which must go too
    kept_data.delete_kept(s3, dynamodb, {f"bucket:{BUCKET}", f"table:{TABLE}"})
    assert s3.list_buckets()["Buckets"] == []
    assert dynamodb.list_tables()["TableNames"] == []


def test_deleting_anything_but_kept_data_is_refused(clients: tuple[Any, Any]) -> None:
    s3, dynamodb = clients
    with pytest.raises(ValueError, match="role:r: not something retain_data keeps"):
        kept_data.delete_kept(s3, dynamodb, {"role:r"})
