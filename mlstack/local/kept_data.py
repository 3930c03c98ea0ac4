"""The data `mlstack local --scenario retain` keeps across a destroy: written, read back, finally deleted.

Pure functions over boto3 clients (the round trip hands them the emulator's), so they can be
tested against the emulator alone. A problem comes back as a list of one-line messages, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What a user would keep: a versioned object (two versions) and one more, and one request record.
SAMPLE_OBJECTS = {
    "retained/notes.txt": (b"first draft", b"kept across teardown"),
    "retained/data.csv": (b"id,label\n1,positive\n",),
}
SAMPLE_ITEM = {"session_id": {"S": "retained-session"}, "created_at": {"S": "2026-01-01T00:00:00Z"}}
SAMPLE_RESULT = {"result": {"S": "kept across teardown"}}
# The kinds a retain_data destroy may keep (buckets and the results table); anything else kept is a leak.
RETAINABLE_KINDS = ("bucket", "table")


@dataclass
class KeptData:
    """Where the samples went (the retaining deploy's bucket and table) and what was written there."""

    bucket: str
    table: str | None
    objects: dict[str, bytes] = field(default_factory=dict)  # key: the current version's body


def write_samples(s3: Any, dynamodb: Any, bucket: str, table: str | None) -> KeptData:
    """Write SAMPLE_OBJECTS into `bucket` (every version in turn) and SAMPLE_ITEM into `table` (if any)."""
    kept = KeptData(bucket=bucket, table=table)
    for key, versions in SAMPLE_OBJECTS.items():
        for body in versions:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        kept.objects[key] = versions[-1]
    if table is not None:
        dynamodb.put_item(TableName=table, Item={**SAMPLE_ITEM, **SAMPLE_RESULT})
    return kept


def read_back(s3: Any, dynamodb: Any, kept: KeptData, bucket: str, table: str | None) -> list[str]:
    """What is missing or different when the samples are read through `bucket` and `table` (the adopting stacks').

    The adopting stacks must name the very bucket and table the samples were written to.
    """
    problems = []
    if bucket != kept.bucket:
        problems.append(f"the adopting Data stack uses bucket {bucket}, not the retained {kept.bucket}")
    for key, body in kept.objects.items():
        try:
            found = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.ClientError as error:
            problems.append(f"s3://{bucket}/{key}: {error.response['Error']['Code']}")
            continue
        if found != body:
            problems.append(f"s3://{bucket}/{key}: read {found!r}, wrote {body!r}")
    if kept.table is not None:
        if table != kept.table:
            problems.append(f"the adopting ApiServices stack uses table {table}, not the retained {kept.table}")
        elif (
            dynamodb.get_item(TableName=table, Key=SAMPLE_ITEM).get("Item", {}).get("result") != SAMPLE_RESULT["result"]
        ):
            problems.append(f"table {table}: the item written before the destroy is gone or changed")
    return problems


def unexpectedly_kept(kept: set[str]) -> list[str]:
    """The `kind:name` entries a retain_data destroy should not have kept (only buckets and tables may stay)."""
    return sorted(entry for entry in kept if entry.split(":", 1)[0] not in RETAINABLE_KINDS)


def delete_kept(s3: Any, dynamodb: Any, kept: set[str]) -> None:
    """Delete what retain_data kept, as its owner would once done with it: every object version, then the
    bucket; the table. Only RETAINABLE_KINDS are accepted (anything else was refused by `unexpectedly_kept`).
    """
    for entry in sorted(kept):
        kind, name = entry.split(":", 1)
        if kind == "bucket":
            empty_bucket(s3, name)
            s3.delete_bucket(Bucket=name)
        elif kind == "table":
            dynamodb.delete_table(TableName=name)
        else:
            raise ValueError(f"{entry}: not something retain_data keeps")


def empty_bucket(s3: Any, bucket: str) -> None:
    """Delete every object version and delete marker of `bucket` (what `aws s3 rb --force` leaves out)."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
