"""AlertsTopic in a bare stack: whom it mails, its customer managed key (usable by CloudWatch alarms, Budgets and
the stack's log groups) and the topic policy (TLS only, this account's alarms and budgets only). That the app's
alarms and budget use it: tests/unit/test_alerts_wiring.py."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from stacks.constructs.alerts import AlertsTopic
from tests.unit.constructs.conftest import bare_stack

ALERTS_EMAIL = "alerts@example.com"


@pytest.fixture(scope="module")
def data() -> Template:
    stack = bare_stack()
    AlertsTopic(stack, "Alerts", email=ALERTS_EMAIL, name="mlstack")
    return Template.from_stack(stack)


def _topic(data: Template) -> str:
    topics = data.find_resources("AWS::SNS::Topic", {"Properties": {"DisplayName": "mlstack alerts"}})
    assert len(topics) == 1
    return next(iter(topics))


def test_the_topic_mails_the_address_it_is_given(data: Template) -> None:
    data.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": ALERTS_EMAIL, "TopicArn": {"Ref": _topic(data)}}
    )


def test_topic_uses_a_customer_key_that_cloudwatch_and_budgets_may_use(data: Template) -> None:
    [(key_id, key)] = data.find_resources("AWS::KMS::Key").items()
    assert data.find_resources("AWS::SNS::Topic", {"Properties": {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}})
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    services = {s["Principal"].get("Service"): s["Action"] for s in statements if "Service" in s["Principal"]}
    assert services == {
        "cloudwatch.amazonaws.com": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "budgets.amazonaws.com": ["kms:Decrypt", "kms:GenerateDataKey*"],
        # The Data stack's log groups are encrypted with the same key (NIST 800-53 AU-9) at no extra cost.
        "logs.us-east-1.amazonaws.com": [
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
        ],
    }
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Delete"
    assert key["Properties"]["PendingWindowInDays"] == 7
    # Not the AWS managed key: CloudWatch alarms and Budgets cannot publish to a topic encrypted with it.
    assert "alias/aws/sns" not in str(data.to_json())


def test_topic_policy_denies_plain_http_and_admits_only_this_accounts_alarms_and_budgets(data: Template) -> None:
    topic = _topic(data)
    [policy] = [
        p
        for p in data.find_resources("AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": topic}]
    ]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    deny = statements["AllowPublishThroughSSLOnly"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    for sid, service in (("PublishCloudwatch", "cloudwatch"), ("PublishBudgets", "budgets")):
        allow = statements[sid]
        assert allow["Principal"] == {"Service": f"{service}.amazonaws.com"}
        assert allow["Action"] == "sns:Publish"
        assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "aws:SourceArn" in statements["PublishBudgets"]["Condition"]["ArnLike"]
