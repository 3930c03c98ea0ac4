"""CDK's own custom resources (auto-delete objects, bucket deployment, default SG restriction).

moto would invoke their Lambda handlers in Docker (not available here, and the stack would then wait for a
response forever), so each is implemented against moto's backends. A Custom:: type without a handler fails
the stack readably (UnsupportedCustomResource) instead.
"""

from __future__ import annotations

import contextlib
import io
import zipfile

from mlstack.emulator.resources.base import EmulatedResource, short_id
from mlstack.emulator.resources.s3 import empty_bucket, s3_backend


class S3AutoDeleteObjects(EmulatedResource):
    """Custom::S3AutoDeleteObjects (`autoDeleteObjects=True`): empties the bucket when the stack deletes it."""

    CFN_TYPE = "Custom::S3AutoDeleteObjects"

    def create(self) -> None:
        self.name = f"{self.properties['BucketName']}-auto-delete"

    def update_from(self, original: EmulatedResource) -> None:
        self.name = f"{self.properties['BucketName']}-auto-delete"

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.s3.exceptions import MissingBucket

        with contextlib.suppress(MissingBucket):
            empty_bucket(self.account_id, self.properties["BucketName"])


class CDKBucketDeployment(EmulatedResource):
    """Custom::CDKBucketDeployment (aws_s3_deployment): unzips each source asset into the destination.

    Honours DestinationBucketKeyPrefix, Extract (false copies the zip as is), SourceMarkers (the
    placeholders of Source.data/json_data) and Prune (keys under the prefix not in the sources go), and
    on delete RetainOnDelete=false. Not emulated: Distribution invalidation, SystemMetadata/user metadata.
    """

    CFN_TYPE = "Custom::CDKBucketDeployment"
    ATTRIBUTES = ("DestinationBucketArn", "SourceObjectKeys")

    def _prefix(self) -> str:
        prefix = self.properties.get("DestinationBucketKeyPrefix", "")
        return prefix if not prefix or prefix.endswith("/") else f"{prefix}/"

    def create(self) -> None:
        backend = s3_backend(self.account_id)
        destination = self.properties["DestinationBucketName"]
        prefix = self._prefix()
        extract = str(self.properties.get("Extract", "true")).lower() == "true"
        markers_list = self.properties.get("SourceMarkers") or []
        written: set[str] = set()
        for index, (bucket, key) in enumerate(
            zip(self.properties["SourceBucketNames"], self.properties["SourceObjectKeys"], strict=True)
        ):
            archive = backend.get_object(bucket, key).value
            if not extract:
                backend.put_object(destination, prefix + key, archive)
                written.add(prefix + key)
                continue
            markers = markers_list[index] if index < len(markers_list) else {}
            with zipfile.ZipFile(io.BytesIO(archive)) as source:
                for member in source.infolist():
                    if member.is_dir():
                        continue
                    body = source.read(member)
                    for marker, value in (markers or {}).items():
                        body = body.replace(marker.encode(), str(value).encode())
                    backend.put_object(destination, prefix + member.filename, body)
                    written.add(prefix + member.filename)
        if str(self.properties.get("Prune", "true")).lower() == "true":
            bucket_keys = backend.get_bucket(destination).keys
            for stale in [k for k in list(bucket_keys.keys()) if k.startswith(prefix) and k not in written]:
                backend.delete_object(destination, stale)
        self.name = f"aws.cdk.s3deployment.{short_id(12)}"
        self.attributes = {"DestinationBucketArn": f"arn:aws:s3:::{destination}", "SourceObjectKeys": sorted(written)}

    def update_from(self, original: EmulatedResource) -> None:
        self.create()
        self.name = original.name

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.s3.exceptions import MissingBucket

        if str(self.properties.get("RetainOnDelete", "true")).lower() == "false":
            with contextlib.suppress(MissingBucket):
                empty_bucket(self.account_id, self.properties["DestinationBucketName"], self._prefix())


class VpcRestrictDefaultSG(EmulatedResource):
    """Custom::VpcRestrictDefaultSG (ec2.Vpc's restrictDefaultSecurityGroup): strips the default SG's rules."""

    CFN_TYPE = "Custom::VpcRestrictDefaultSG"

    def create(self) -> None:
        from moto.ec2.models import ec2_backends

        group_id = self.properties["DefaultSecurityGroupId"]
        group = ec2_backends[self.account_id][self.region].get_security_group_from_id(group_id)
        if group is None:
            raise ValueError(f"Custom::VpcRestrictDefaultSG: no security group {group_id}")
        # moto 5.2.5: SecurityGroup keeps its rules in ingress_rules / egress_rules lists.
        group.ingress_rules.clear()
        group.egress_rules.clear()
        self.name = group_id

    def update_from(self, original: EmulatedResource) -> None:
        self.create()


class UnsupportedCustomResource(Exception):
    """A Custom:: resource with no handler: failing the stack beats waiting forever for a Docker Lambda."""
