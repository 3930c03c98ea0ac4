"""cdk-nag helpers: acknowledge a finding of any rule pack, and render ARNs the way cdk-nag prints them in
finding ids, so acknowledgements name exactly one resource."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from aws_cdk.region_info import RegionInfo
from constructs import IConstruct

# NIST 800-53 rev 5 (cdk-nag's NIST.800.53.R5 pack, `-c compliance_packs=nist-800-53-r5`): reasons that recur
# across constructs, each tied to the sandbox's design (zero idle cost, teardown by cdk destroy, no VPC needed).
NIST = "NIST.800.53.R5"
AWS_SOLUTIONS = "AwsSolutions"
INLINE_POLICY = (
    "Inline on purpose: the policy belongs to exactly this role, changes with it and is deleted with it by cdk "
    "destroy (IAM's guide recommends inline policies for such a strict one-to-one relationship); a customer "
    "managed policy would add a second, attachable object and no restriction."
)
LAMBDA_OUTSIDE_VPC = (
    "The sandbox gives Lambda functions no VPC: they call only AWS APIs, over TLS with IAM authentication, and a "
    "VPC would need a NAT gateway or interface endpoints billed every hour while the sandbox sits idle."
)
NO_RESERVED_CONCURRENCY = (
    "No reserved concurrency: new accounts have a Lambda concurrency quota of 10 and Lambda refuses any "
    "reservation that leaves fewer than 10 unreserved, so reserving would fail a first deploy; the callers "
    "(Lex, Budgets, CloudFormation) bound the rate themselves."
)
DEPLOY_TIME_HANDLER = (
    "CDK's handler runs only while CloudFormation deploys or deletes the stack; CloudFormation reports its failure "
    "and rolls back, so a dead-letter queue or reserved concurrency would hold nothing."
)


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge `rule` (e.g. `NIST.800.53.R5-LambdaInsideVPC` or `AwsSolutions-IAM4[...]`) on `construct`.

    The pack is the rule's prefix, as cdk-nag names it in `<pack>::<rule>`. Acknowledging a rule of a pack that
    is not running is harmless, so constructs acknowledge the optional packs' findings unconditionally.
    """
    acknowledge_all(construct, {rule: reason})


def acknowledge_all(construct: IConstruct, reasons: Mapping[str, str]) -> None:
    """`acknowledge` each rule of `reasons` (rule -> reason) on `construct`, in one call into CDK: each call
    crosses to jsii's Node process, and one per rule was a tenth of a second of every synth."""
    cdk.Validations.of(construct).acknowledge(
        *(cdk.Acknowledgment(id=f"{rule.split('-', 1)[0]}::{rule}", reason=reason) for rule, reason in reasons.items())
    )


def acknowledge_aws_solutions(construct: IConstruct, rule: str, reason: str) -> None:
    """`acknowledge` for a rule of the AwsSolutions pack, named without the pack (e.g. `IAM5[Resource::*]`)."""
    acknowledge(construct, f"{AWS_SOLUTIONS}-{rule}", reason)


def acknowledge_wildcards(construct: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledge AwsSolutions-IAM5 findings on `construct` in one call: `reasons` maps each finding's
    `Resource::...` or `Action::...` part to why the wildcard is needed."""
    acknowledge_all(construct, {f"{AWS_SOLUTIONS}-IAM5[{finding}]": reason for finding, reason in reasons.items()})


def acknowledge_nist(construct: IConstruct, rule: str, reason: str) -> None:
    """`acknowledge` for a rule of the NIST 800-53 rev 5 pack, named without the pack (e.g. `LambdaDLQ`)."""
    acknowledge(construct, f"{NIST}-{rule}", reason)


def acknowledge_deploy_time_handler(handler: IConstruct, more: Mapping[str, str] | None = None) -> None:
    """The NIST findings on a function CDK adds that runs only while CloudFormation deploys or deletes the stack
    (BucketDeployment's, AwsCustomResource's singleton), with `more` (rule -> reason) in the same call."""
    acknowledge_all(
        handler,
        {
            f"{NIST}-LambdaDLQ": DEPLOY_TIME_HANDLER,
            f"{NIST}-LambdaConcurrency": DEPLOY_TIME_HANDLER,
            f"{NIST}-LambdaInsideVPC": LAMBDA_OUTSIDE_VPC,
            **(more or {}),
        },
    )


def acknowledge_deployment_handler(handler: IConstruct, role: IConstruct) -> None:
    """The findings on CDK's BucketDeployment handler (a singleton per stack) and the NIST one on its role's
    policy."""
    acknowledge_deploy_time_handler(
        handler,
        {
            f"{AWS_SOLUTIONS}-L1": "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib, not "
            "configurable, and moves with it."
        },
    )
    policy = role.node.try_find_child("DefaultPolicy")
    if policy is not None:
        acknowledge_nist(policy, "IAMNoInlinePolicy", INLINE_POLICY)


def _published_output(producer: cdk.Stack, reference: Any) -> str:
    """How a weak cross-stack reference appears in the consumer (CDK core's `Publish/Output...` naming).

    CDK publishes the value as an output of the producing stack whose logical id is made from the path
    `Publish/Output<json>`: the path's alphanumerics followed by the first 8 hex digits of its MD5.
    """
    output_id = "Output" + json.dumps(reference, separators=(",", ":"))
    digest = hashlib.md5(f"Publish/{output_id}".encode()).hexdigest()[:8].upper()
    name = re.sub(r"[^A-Za-z0-9]", "", f"Publish{output_id}") + digest
    value = {"Fn::GetStackOutput": {"StackName": producer.stack_name, "Region": producer.region, "OutputName": name}}
    return json.dumps(value, separators=(",", ":"))


def _render(value: Any, producer: cdk.Stack | None) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(part, producer) for part in parts)
    if isinstance(value, dict) and "Ref" in value and value["Ref"].startswith("AWS::"):
        return f"<{value['Ref']}>"
    if producer is not None and isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value):
        return _published_output(producer, value)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(f"cannot render {value!r} the way cdk-nag does")


def nag_resource(stack: cdk.Stack, arn: str, producer: cdk.Stack | None = None) -> str:
    """An ARN as cdk-nag prints it: pseudo parameters become `<AWS::Region>`, local attributes
    `<LogicalId.Attr>`, and attributes of resources in `producer` (another stack) its published output.

    The published output's name follows CDK's weak cross-stack references
    (`@aws-cdk/core:defaultCrossStackReferences`); if CDK changes that scheme, synth fails on the
    unacknowledged finding and nag prints the id to use, so the drift cannot go unnoticed.
    """
    if producer is stack:
        producer = None
    return _render((producer or stack).resolve(arn), producer)


def nag_asset_bucket_objects(stack: cdk.Stack) -> str:
    """The objects of the CDK bootstrap asset bucket (`.../*`) as cdk-nag prints them for `stack`.

    BucketDeployment grants its handler read on that bucket; the bucket's name holds the account, which is
    a token without credentials and a literal with them, so it is rendered from the stack, not written out.
    """
    qualifier = (
        stack.node.try_get_context("@aws-cdk/core:bootstrapQualifier") or cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
    )
    bucket = (
        cdk.DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace("${Qualifier}", qualifier)
        .replace("${AWS::AccountId}", stack.account)
        .replace("${AWS::Region}", stack.region)
    )
    # CDK writes the asset bucket's ARN with the region's literal partition when the region is known.
    known_partition = None if cdk.Token.is_unresolved(stack.region) else RegionInfo.get(stack.region).partition
    return nag_resource(stack, f"arn:{known_partition or stack.partition}:s3:::{bucket}/*")


def acknowledge_bucket_deployment(
    deployment: s3_deployment.BucketDeployment, handler: IConstruct, bucket: s3.IBucket, what: str
) -> None:
    """The findings on CDK's BucketDeployment `handler` (a singleton per stack) and on the role it runs with,
    which copies `what` into `bucket` (stacks/constructs/asset_upload.py)."""
    stack = cdk.Stack.of(deployment)
    handler_role = deployment.handler_role
    acknowledge_deployment_handler(handler, handler_role)
    objects = nag_resource(stack, bucket.arn_for_objects("*"), cdk.Stack.of(bucket))
    acknowledgements = {
        f"Resource::{objects}": f"The deployment syncs {what} under their prefix; CDK scopes its grant to the "
        "destination bucket.",
        f"Resource::{nag_asset_bucket_objects(stack)}": f"CDK's bootstrap asset bucket, read to fetch the archive "
        f"of {what}.",
        # CDK grants these wildcard actions with grantRead/grantReadWrite; the copy needs a subset of each.
        **{
            f"Action::{action}": "CDK's bucket grants for the deployment handler (read assets, sync destination); "
            "it runs only during deploys."
            for action in ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*")
        },
    }
    acknowledge_wildcards(handler_role, acknowledgements)
    handler.node.default_child.add_metadata(  # type: ignore[union-attr]
        "checkov",
        {"skip": [{"id": "CKV_AWS_173", "comment": "CDK's handler sets only AWS_CA_BUNDLE, a file path, no secret."}]},
    )
