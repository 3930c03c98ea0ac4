"""The deployment's alerts topic: where alarms, budget alerts and the spending stop's reports reach a person."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.constructs.platform_key import PENDING_WINDOW_DAYS, allow_log_groups

# The AWS services that publish to the deployment's topics. Neither can use the AWS managed key alias/aws/sns:
# its key policy is fixed and admits no service principal, so a topic encrypted with it silently drops every
# alarm and budget notification. A customer managed key whose policy names them is the only encrypted option.
CLOUDWATCH = "cloudwatch.amazonaws.com"
BUDGETS = "budgets.amazonaws.com"


def _source_conditions(stack: cdk.Stack, service: str) -> dict[str, dict[str, str]]:
    """Confused-deputy guard: the service may act only for alarms or budgets of this account."""
    conditions = {"StringEquals": {"aws:SourceAccount": stack.account}}
    if service == BUDGETS:
        # Budgets are global: their ARNs have no region (arn:<partition>:budgets::<account>:budget/<name>).
        conditions["ArnLike"] = {"aws:SourceArn": f"arn:{stack.partition}:budgets::{stack.account}:*"}
    return conditions


def service_topic(
    scope: Construct, id_: str, *, key: kms.IKey, display_name: str, publishers: Sequence[str]
) -> sns.Topic:
    """An SNS topic encrypted with `key`, TLS-only, that the `publishers` services of this account may publish to.

    The key's policy must already let those services use it (AlertsTopic does that for CloudWatch and Budgets).
    """
    topic = sns.Topic(scope, id_, display_name=display_name, master_key=key, enforce_ssl=True)
    stack = cdk.Stack.of(scope)
    for service in publishers:
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"Publish{service.split('.')[0].capitalize()}",
                principals=[iam.ServicePrincipal(service)],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=_source_conditions(stack, service),
            )
        )
    return topic


class AlertsTopic(Construct):
    """Customer managed key, the alerts topic encrypted with it, and the e-mail subscription.

    Exposes `key` (usable by CloudWatch alarms, Budgets and CloudWatch Logs; the stack's other topics and its log
    groups reuse it, so the deployment pays for one key) and `topic`.
    """

    def __init__(self, scope: Construct, id_: str, *, email: str, name: str) -> None:
        super().__init__(scope, id_)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{name}: alerts topics (CloudWatch alarms, budget notifications) and Data log groups",
            enable_key_rotation=True,
            pending_window=cdk.Duration.days(PENDING_WINDOW_DAYS),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        for service in (CLOUDWATCH, BUDGETS):
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Encrypt{service.split('.')[0].capitalize()}Notifications",
                    principals=[iam.ServicePrincipal(service)],
                    actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                    resources=["*"],  # in a key policy, "*" means this key
                    # No source conditions here: SNS calls KMS for the service and not every service's request
                    # carries them; the topic policies (which do check the source account) decide who publishes,
                    # and this key encrypts nothing but these topics.
                )
            )
        # The stack's log groups use the key too: it is paid for anyway.
        allow_log_groups(self.key)
        self.topic = service_topic(
            self, "Topic", key=self.key, display_name=f"{name} alerts", publishers=(CLOUDWATCH, BUDGETS)
        )
        # SNS mails a confirmation link first; nothing arrives until the recipient follows it.
        self.topic.add_subscription(subscriptions.EmailSubscription(email))
