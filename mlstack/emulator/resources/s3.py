"""AWS::S3::BucketPolicy (moto skips it) and the bucket emptying CDK's custom resources share."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from mlstack.emulator.resources.base import EmulatedResource


class S3BucketPolicy(EmulatedResource):
    """AWS::S3::BucketPolicy: moto skips it, so bucket policies (TLS-only, among others) were never applied."""

    CFN_TYPE = "AWS::S3::BucketPolicy"

    def create(self) -> None:
        from moto.s3.models import s3_backends

        self.name = self.properties["Bucket"]
        document = self.properties["PolicyDocument"]
        s3_backends[self.account_id]["aws"].put_bucket_policy(self.name, json.dumps(document).encode())

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.s3.exceptions import MissingBucket
        from moto.s3.models import s3_backends

        with contextlib.suppress(MissingBucket):
            s3_backends[self.account_id]["aws"].delete_bucket_policy(self.name)


def s3_backend(account_id: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


def empty_bucket(account_id: str, bucket_name: str, prefix: str = "") -> int:
    """Delete every object version and delete marker under `prefix`; returns how many were removed."""
    backend = s3_backend(account_id)
    bucket = backend.get_bucket(bucket_name)
    removed = 0
    # moto 5.2.5: FakeBucket.keys is a _VersionedKeyStore (name -> list of FakeKey/FakeDeleteMarker).
    for key_name in [name for name in list(bucket.keys.keys()) if name.startswith(prefix)]:
        for version in list(bucket.keys.getlist(key_name, [])):
            backend.delete_object(bucket_name, key_name, version_id=version.version_id, bypass=True)
            removed += 1
        if key_name in bucket.keys and not bucket.keys.getlist(key_name):
            del bucket.keys[key_name]
    return removed
