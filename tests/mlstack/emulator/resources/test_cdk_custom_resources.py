"""CDK's custom resources: auto-delete objects and bucket deployments, against moto's backends."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from tests.mlstack.emulator.templates import (
    SERVICE_TOKEN,
    bucket_stack,
    delete,
    deploy,
    outputs_of,
    template,
)


def test_auto_delete_objects_empties_a_versioned_bucket_so_the_stack_deletes_it(aws: Callable[[str], Any]) -> None:
    stack = deploy(aws, bucket_stack(with_auto_delete=True))
    bucket = outputs_of(stack)["Bucket"]
    s3 = aws("s3")
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=bucket, Key="a/b.txt", Body=body)
    s3.delete_object(Bucket=bucket, Key="a/b.txt")  # leaves a delete marker and two versions
    delete(aws, stack)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_bucket_deployment_unzips_sources_substitutes_markers_and_prunes(aws: Callable[[str], Any]) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="assets")
    s3.put_object(Bucket="assets", Key="notebooks.zip", Body=zip_of({"intro.ipynb": b"{}", "data/x.csv": b"1,2"}))
    s3.put_object(
        Bucket="assets", Key="config.zip", Body=zip_of({"config.json": b'{"endpoint": "<<marker:0xbaba:0>>"}'})
    )
    resources = {
        "Destination": {"Type": "AWS::S3::Bucket"},
        "Deployment": {
            "Type": "Custom::CDKBucketDeployment",
            "Properties": {
                "ServiceToken": SERVICE_TOKEN,
                "SourceBucketNames": ["assets", "assets"],
                "SourceObjectKeys": ["notebooks.zip", "config.zip"],
                "SourceMarkers": [{}, {"<<marker:0xbaba:0>>": "my-endpoint"}],
                "DestinationBucketName": {"Ref": "Destination"},
                "DestinationBucketKeyPrefix": "samples",
                "Prune": True,
                "RetainOnDelete": False,
            },
        },
    }
    outputs = {"Bucket": {"Ref": "Destination"}, "Arn": {"Fn::GetAtt": ["Deployment", "DestinationBucketArn"]}}
    stack = deploy(aws, template(resources, outputs))
    bucket = outputs_of(stack)["Bucket"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["samples/config.json", "samples/data/x.csv", "samples/intro.ipynb"]
    config = s3.get_object(Bucket=bucket, Key="samples/config.json")["Body"].read()
    assert json.loads(config) == {"endpoint": "my-endpoint"}
    assert outputs_of(stack)["Arn"] == f"arn:aws:s3:::{bucket}"

    # An update re-deploys: a new marker value lands, a key the sources no longer hold is pruned.
    s3.put_object(Bucket=bucket, Key="samples/stale.txt", Body=b"old")
    resources["Deployment"]["Properties"]["SourceMarkers"] = [{}, {"<<marker:0xbaba:0>>": "new-endpoint"}]
    cloudformation = aws("cloudformation")
    cloudformation.create_change_set(
        StackName=stack["StackName"],
        ChangeSetName="update",
        ChangeSetType="UPDATE",
        TemplateBody=json.dumps(template(resources, outputs)),
    )
    cloudformation.execute_change_set(StackName=stack["StackName"], ChangeSetName="update")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert "samples/stale.txt" not in keys
    config = s3.get_object(Bucket=bucket, Key="samples/config.json")["Body"].read()
    assert json.loads(config) == {"endpoint": "new-endpoint"}
    delete(aws, stack)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
