"""Log groups the stacks own, so that `cdk destroy` leaves no log group behind.

CDK's LogGroup defaults to RETAIN, and a Lambda function without a log group of its own makes the service
create `/aws/lambda/<name>` on first invocation, which outlives the stack. Every log group here is created
by a stack with DESTROY, and every function of the app, CDK's own custom-resource handlers included, writes
to one of them.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import LOG_RETENTION_DAYS
from stacks.constructs.nag import acknowledge_nist

# CDK lists RetentionDays in ascending order, INFINITE last; strict: a member added on either side fails at import.
_RETENTION: dict[int, logs.RetentionDays] = dict(
    zip(LOG_RETENTION_DAYS, [d for d in logs.RetentionDays if d is not logs.RetentionDays.INFINITE], strict=True)
)

# Why log groups without a key use CloudWatch Logs' default encryption rather than a customer managed key.
LOG_GROUP_KMS_SKIP = {
    "id": "CKV_AWS_158",
    "comment": "CloudWatch Logs encrypts log data at rest by default; a customer managed key would cost $1 a "
    "month idle and linger 7-30 days after cdk destroy.",
}
# Retention for the logs of CDK's own custom-resource handlers: they run only on deploy and destroy.
HANDLER_LOG_RETENTION_DAYS = 7


def log_retention(days: int) -> logs.RetentionDays:
    """The RetentionDays member for a number of days, one of LOG_RETENTION_DAYS (which settings validate against)."""
    if days not in _RETENTION:
        raise ValueError(f"{days} days is not a CloudWatch Logs retention; one of {', '.join(map(str, _RETENTION))}")
    return _RETENTION[days]


def destroyable_log_group(
    scope: Construct,
    id_: str,
    *,
    retention_days: int,
    encryption_key: kms.IKey | None = None,
    log_group_name: str | None = None,
) -> logs.LogGroup:
    """A log group that `cdk destroy` deletes, with a retention, encrypted with `encryption_key` if given."""
    group = logs.LogGroup(
        scope,
        id_,
        log_group_name=log_group_name,
        retention=log_retention(retention_days),
        removal_policy=cdk.RemovalPolicy.DESTROY,
        encryption_key=encryption_key,
    )
    if encryption_key is None:
        group.node.default_child.add_metadata("checkov", {"skip": [LOG_GROUP_KMS_SKIP]})  # type: ignore[union-attr]
        acknowledge_nist(
            group,
            "CloudWatchLogGroupEncrypted",
            "Encrypted at rest by CloudWatch Logs with its own key. This stack owns no KMS key (stacks that do "
            "encrypt their log groups with it); one would cost $1 a month idle and linger 7-30 days after destroy.",
        )
    return group


def own_function_logs(stack: cdk.Stack, encryption_key: kms.IKey | None = None) -> list[logs.LogGroup]:
    """Give every Lambda function in `stack` without a log group of its own one that the stack owns.

    That covers the handlers CDK adds for custom resources (emptying buckets, restricting the default
    security group, ...). CloudFormation deletes the custom resources, then the functions, then their log
    groups, so the handlers' last runs during `cdk destroy` are logged and nothing is left afterwards.
    A stack that owns a KMS key usable by CloudWatch Logs passes it as `encryption_key`. Calling it again
    (app.py does, for every stack) leaves functions that already got a group alone.
    """
    created = []
    for node in stack.node.find_all():
        # Class first: reading the type through jsii for each of the app's hundreds of resources took a tenth of
        # a second of every synth. Plain CfnResources are the custom resource providers' handlers.
        if not isinstance(node, cdk.CfnResource):
            continue
        if not isinstance(node, lambda_.CfnFunction) and (
            type(node) is not cdk.CfnResource or node.cfn_resource_type != "AWS::Lambda::Function"
        ):
            continue
        if cdk.Stack.of(node) is not stack:  # nested stacks see to their own
            continue
        if isinstance(node, lambda_.CfnFunction) and node.logging_config is not None:
            continue
        parent = node.node.scope
        assert isinstance(parent, Construct)  # a resource always has a parent, the stack at least
        if parent.node.try_find_child(f"{node.node.id}Logs") is not None:
            continue  # given one by an earlier call
        group = destroyable_log_group(
            parent, f"{node.node.id}Logs", retention_days=HANDLER_LOG_RETENTION_DAYS, encryption_key=encryption_key
        )
        node.add_property_override("LoggingConfig.LogGroup", group.log_group_name)
        created.append(group)
    return created
