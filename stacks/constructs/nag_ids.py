"""How cdk-nag names values in finding ids, so acknowledgements can name exactly one finding."""

from __future__ import annotations

import hashlib
import json
import re

import aws_cdk as cdk
from constructs import Construct


def nag_reference(consumer: Construct, producer: cdk.Stack, attribute: str) -> str:
    """How cdk-nag writes `attribute` (a `Fn::GetAtt` token of `producer`) in a finding id on `consumer`.

    In its own stack: `<LogicalId.Attr>`. From another stack, the app's weak cross-stack references
    (`@aws-cdk/core:defaultCrossStackReferences`) turn it into `Fn::GetStackOutput` of an output that
    CDK names `Publish/Output<intrinsic>` in the producer; the name is computed as CDK's makeUniqueId does.
    If CDK changes that scheme, synth fails on the unacknowledged finding and prints the id to use.
    """
    intrinsic = producer.resolve(attribute)
    logical_id, name = intrinsic["Fn::GetAtt"]
    if producer is cdk.Stack.of(consumer):
        return f"<{logical_id}.{name}>"
    output_id = "Output" + json.dumps(intrinsic, separators=(",", ":"))
    digest = hashlib.md5(f"Publish/{output_id}".encode()).hexdigest()[:8].upper()  # an id, not a security digest
    output_name = re.sub(r"[^A-Za-z0-9]", "", f"Publish{output_id}") + digest
    reference = {"StackName": producer.stack_name, "Region": producer.region, "OutputName": output_name}
    return json.dumps({"Fn::GetStackOutput": reference}, separators=(",", ":"))
