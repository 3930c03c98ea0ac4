"""The spending-stop function: stops only this prefix's running compute, deletes only what no stack owns, reports."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "lambdas" / "spending_stop"
if str(FUNCTION_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTION_DIR))

import spending_stop  # noqa: E402 - needs the function directory on sys.path first

REGION = "us-east-1"
ACCOUNT = "123456789012"
PREFIX = "team-a"
TAG = "mlstack:prefix"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/notebook"
BUDGET_TEXT = "AWS Budget Notification: actual cost is greater than 100% of your budgeted amount of $50.00"


def _event() -> dict[str, Any]:
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Subject": "AWS Budgets", "Message": BUDGET_TEXT}}]}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """moto EC2, SageMaker and SNS, the alerts topic with a queue subscribed to read the report."""
    with mock_aws():
        clients = spending_stop.Clients(
            ec2=boto3.client("ec2", region_name=REGION),
            sagemaker=boto3.client("sagemaker", region_name=REGION),
            sns=boto3.client("sns", region_name=REGION),
        )
        sqs = boto3.client("sqs", region_name=REGION)
        topic = clients.sns.create_topic(Name=f"{PREFIX}-alerts")["TopicArn"]
        queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        clients.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        settings = spending_stop.Settings(prefix=PREFIX, tag_key=TAG, alerts_topic_arn=topic)
        yield {"clients": clients, "settings": settings, "sqs": sqs, "queue": queue}


def _instance(ec2: Any, tags: dict[str, str]) -> str:
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    [instance] = ec2.run_instances(
        ImageId=image, InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1, TagSpecifications=spec
    )["Instances"]
    return str(instance["InstanceId"])


def _state(ec2: Any, instance_id: str) -> str:
    return str(ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"])


def _notebook(sagemaker: Any, name: str, tags: dict[str, str]) -> None:
    sagemaker.create_notebook_instance(
        NotebookInstanceName=name,
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


def _status(sagemaker: Any, name: str) -> str:
    return str(sagemaker.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"])


def _report(aws: dict[str, Any]) -> dict[str, Any]:
    [message] = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10)["Messages"]
    return json.loads(message["Body"])


def test_running_instance_and_notebook_of_the_prefix_are_stopped_and_nothing_else(aws: dict[str, Any]) -> None:
    # Given a running GPU instance and notebook of this prefix, and ones of another prefix and untagged
    clients = aws["clients"]
    ours = _instance(clients.ec2, {TAG: PREFIX})
    theirs = _instance(clients.ec2, {TAG: "team-b"})
    untagged = _instance(clients.ec2, {})
    _notebook(clients.sagemaker, f"{PREFIX}-notebook", {TAG: PREFIX})
    _notebook(clients.sagemaker, "team-b-notebook", {TAG: "team-b"})
    _notebook(clients.sagemaker, "someone-elses", {})

    # When the budget's stop notification arrives
    spending_stop.use_clients(clients)
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("PREFIX", PREFIX)
            env.setenv("PREFIX_TAG_KEY", TAG)
            env.setenv("ALERTS_TOPIC_ARN", aws["settings"].alerts_topic_arn)
            result = spending_stop.handler(_event(), None)
    finally:
        spending_stop.use_clients(None)

    # Then only this prefix's instance and notebook stop
    assert _state(clients.ec2, ours) in ("stopping", "stopped")
    assert _state(clients.ec2, theirs) == "running"
    assert _state(clients.ec2, untagged) == "running"
    assert _status(clients.sagemaker, f"{PREFIX}-notebook") in ("Stopping", "Stopped")
    assert _status(clients.sagemaker, "team-b-notebook") == "InService"
    assert _status(clients.sagemaker, "someone-elses") == "InService"
    assert result["failed"] == []
    assert len(result["stopped"]) == 2

    # And the alerts topic hears what was stopped, and what Budgets said
    report = _report(aws)
    assert report["Subject"] == f"mlstack {PREFIX}: spending stop pulled"
    assert f"EC2 instance {ours} (g4dn.xlarge)" in report["Message"]
    assert f"notebook instance {PREFIX}-notebook (ml.t3.medium)" in report["Message"]
    assert theirs not in report["Message"] and "team-b-notebook" not in report["Message"]
    assert BUDGET_TEXT in report["Message"]


def test_nothing_running_is_reported_as_such(aws: dict[str, Any]) -> None:
    report = spending_stop.sweep(aws["clients"], aws["settings"])
    spending_stop.publish_report(aws["clients"], aws["settings"], report, [])
    assert "Nothing of this prefix was running." in _report(aws)["Message"]


def _tags(prefix: str | None = PREFIX, stack: str | None = None) -> dict[str, Any]:
    tags = ([{"Key": TAG, "Value": prefix}] if prefix else []) + (
        [{"Key": "aws:cloudformation:stack-name", "Value": stack}] if stack else []
    )
    return {"Tags": tags}


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"


def _stubbed_sagemaker() -> tuple[Any, Stubber]:
    client = boto3.client("sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_only_the_prefixs_training_jobs_are_stopped() -> None:
    # moto has no StopTrainingJob: the calls are stubbed in the order the sweep makes them.
    sagemaker, stub = _stubbed_sagemaker()
    jobs = [
        {"TrainingJobName": name, "TrainingJobArn": _arn("training-job", name), "CreationTime": 0,
         "TrainingJobStatus": "InProgress"}
        for name in ("team-a-finetune", "team-b-finetune")
    ]  # fmt: skip
    stub.add_response("list_training_jobs", {"TrainingJobSummaries": jobs}, {"StatusEquals": "InProgress"})
    stub.add_response("list_tags", _tags(), {"ResourceArn": jobs[0]["TrainingJobArn"]})
    stub.add_response("stop_training_job", {}, {"TrainingJobName": "team-a-finetune"})
    stub.add_response("list_tags", _tags("team-b"), {"ResourceArn": jobs[1]["TrainingJobArn"]})
    report = spending_stop.Report()
    with stub:
        spending_stop.stop_training_jobs(
            spending_stop.Clients(ec2=None, sagemaker=sagemaker, sns=None),
            spending_stop.Settings(prefix=PREFIX, tag_key=TAG, alerts_topic_arn="unused"),
            report,
        )
        stub.assert_no_pending_responses()
    assert report.stopped == ["training job team-a-finetune"]


def _endpoint(name: str) -> dict[str, Any]:
    return {
        "EndpointName": name,
        "EndpointArn": _arn("endpoint", name),
        "CreationTime": 0,
        "LastModifiedTime": 0,
        "EndpointStatus": "InService",
    }


def _described(name: str, *, serverless: bool) -> dict[str, Any]:
    variant: dict[str, Any] = {"VariantName": "AllTraffic"}
    if serverless:
        variant["CurrentServerlessConfig"] = {"MemorySizeInMB": 2048, "MaxConcurrency": 1}
    else:
        variant["CurrentInstanceCount"] = 1
    return {
        "EndpointName": name,
        "EndpointArn": _arn("endpoint", name),
        "EndpointConfigName": f"{name}-config",
        "EndpointStatus": "InService",
        "CreationTime": 0,
        "LastModifiedTime": 0,
        "ProductionVariants": [variant],
    }


def test_user_made_instance_endpoints_and_the_stacks_own_instance_endpoint_are_deleted() -> None:
    sagemaker, stub = _stubbed_sagemaker()
    names = ["team-a-my-model", "team-a-endpoint", "team-a-other-stack", "team-a-serverless", "team-b-model"]
    stub.add_response("list_endpoints", {"Endpoints": [_endpoint(n) for n in names]}, {"StatusEquals": "InService"})
    # A user's instance-backed endpoint: deleted.
    stub.add_response("list_tags", _tags(), {"ResourceArn": _arn("endpoint", names[0])})
    stub.add_response("describe_endpoint", _described(names[0], serverless=False), {"EndpointName": names[0]})
    stub.add_response("delete_endpoint", {}, {"EndpointName": names[0]})
    # The Platform stack's instance-backed endpoint: deleted (README, Spending stop, says how to bring it back).
    stub.add_response("list_tags", _tags(stack="Team-A-Platform"), {"ResourceArn": _arn("endpoint", names[1])})
    stub.add_response("describe_endpoint", _described(names[1], serverless=False), {"EndpointName": names[1]})
    stub.add_response("delete_endpoint", {}, {"EndpointName": names[1]})
    # Another stack's endpoint with the prefix tag: left, and said so.
    stub.add_response("list_tags", _tags(stack="Someone-Else"), {"ResourceArn": _arn("endpoint", names[2])})
    # Serverless: bills per request only, left alone.
    stub.add_response("list_tags", _tags(), {"ResourceArn": _arn("endpoint", names[3])})
    stub.add_response("describe_endpoint", _described(names[3], serverless=True), {"EndpointName": names[3]})
    # Another prefix's endpoint: not even described.
    stub.add_response("list_tags", _tags("team-b"), {"ResourceArn": _arn("endpoint", names[4])})
    report = spending_stop.Report()
    with stub:
        spending_stop.delete_endpoints(
            spending_stop.Clients(ec2=None, sagemaker=sagemaker, sns=None),
            spending_stop.Settings(
                prefix=PREFIX, tag_key=TAG, alerts_topic_arn="unused", stack_endpoint_name="team-a-endpoint"
            ),
            report,
        )
        stub.assert_no_pending_responses()
    assert report.deleted[0] == "endpoint team-a-my-model"
    assert report.deleted[1].startswith("endpoint team-a-endpoint (the Platform stack's")
    assert report.left == ["endpoint team-a-other-stack: belongs to stack Someone-Else"]
    assert report.failed == []


def test_a_refused_stop_is_reported_and_the_other_sweeps_still_run(aws: dict[str, Any]) -> None:
    clients = aws["clients"]
    ours = _instance(clients.ec2, {TAG: PREFIX})
    _notebook(clients.sagemaker, f"{PREFIX}-notebook", {TAG: PREFIX})
    ec2 = boto3.client("ec2", region_name=REGION)
    stub = Stubber(ec2)
    stub.add_response(
        "describe_instances",
        {"Reservations": [{"Instances": [{"InstanceId": ours, "InstanceType": "g4dn.xlarge"}]}]},
    )
    stub.add_client_error("stop_instances", service_error_code="UnauthorizedOperation", http_status_code=403)
    with stub:
        report = spending_stop.sweep(
            spending_stop.Clients(ec2=ec2, sagemaker=clients.sagemaker, sns=clients.sns), aws["settings"]
        )
    assert report.failed == [f"EC2 instance {ours} (g4dn.xlarge) (UnauthorizedOperation)"]
    assert report.stopped == [f"notebook instance {PREFIX}-notebook (ml.t3.medium)"]
    spending_stop.publish_report(clients, aws["settings"], report, [])
    assert "FAILED, stop these by hand:" in _report(aws)["Message"]


def test_a_failing_listing_is_reported_not_raised(aws: dict[str, Any]) -> None:
    sagemaker, stub = _stubbed_sagemaker()
    stub.add_client_error("list_notebook_instances", service_error_code="ThrottlingException", http_status_code=400)
    stub.add_response("list_training_jobs", {"TrainingJobSummaries": []})
    stub.add_response("list_endpoints", {"Endpoints": []})
    with stub:
        report = spending_stop.sweep(
            spending_stop.Clients(ec2=aws["clients"].ec2, sagemaker=sagemaker, sns=None), aws["settings"]
        )
    assert report.failed == ["stop notebooks: could not list (ThrottlingException)"]


def test_budget_messages_tolerate_any_event() -> None:
    assert spending_stop.budget_messages(_event()) == [BUDGET_TEXT]
    assert spending_stop.budget_messages({}) == []
    assert spending_stop.budget_messages(None) == []
    assert spending_stop.budget_messages({"Records": ["junk", {"Sns": "junk"}]}) == []


def test_settings_come_from_the_environment_the_stack_sets() -> None:
    settings = spending_stop.Settings.from_env(
        {"PREFIX": "p", "PREFIX_TAG_KEY": TAG, "ALERTS_TOPIC_ARN": "arn:topic", "STACK_ENDPOINT_NAME": ""}
    )
    assert settings == spending_stop.Settings(prefix="p", tag_key=TAG, alerts_topic_arn="arn:topic")
    with_spark = spending_stop.Settings.from_env(
        {"PREFIX": "p", "PREFIX_TAG_KEY": TAG, "ALERTS_TOPIC_ARN": "arn:topic", "SPARK_APPLICATION_ID": "00fapp"}
    )
    assert with_spark.spark_application_id == "00fapp"


def test_running_spark_job_runs_of_the_stacks_application_are_cancelled_and_others_left() -> None:
    with mock_aws():
        from moto.emrserverless.models import emrserverless_backends

        emr = boto3.client("emr-serverless", region_name=REGION)
        ours = emr.create_application(name=f"{PREFIX}-spark", releaseLabel="emr-7.12.0", type="SPARK")["applicationId"]
        other = emr.create_application(name="other-spark", releaseLabel="emr-7.12.0", type="SPARK")["applicationId"]
        role = f"arn:aws:iam::{ACCOUNT}:role/spark-job"
        driver = {"sparkSubmit": {"entryPoint": "s3://b/spark/code/ghcn_series.py"}}
        runs = {
            (app, state): emr.start_job_run(
                applicationId=app, executionRoleArn=role, jobDriver=driver, name=f"{app}-{state}", clientToken=state
            )["jobRunId"]
            for app in (ours, other)
            for state in ("RUNNING", "SUCCESS")
        }
        backend = emrserverless_backends[ACCOUNT][REGION]
        for app in (ours, other):
            [running] = [r for r in backend.job_runs[app] if r.id == runs[(app, "RUNNING")]]
            running.state = "RUNNING"  # moto's runs end at once; these are still going
        clients = spending_stop.Clients(
            ec2=boto3.client("ec2", region_name=REGION),
            sagemaker=boto3.client("sagemaker", region_name=REGION),
            sns=boto3.client("sns", region_name=REGION),
            emr_serverless=emr,
        )
        settings = spending_stop.Settings(
            prefix=PREFIX, tag_key=TAG, alerts_topic_arn="arn:topic", spark_application_id=ours
        )

        report = spending_stop.sweep(clients, settings)

        def state(app: str, name: str) -> str:
            return str(emr.get_job_run(applicationId=app, jobRunId=runs[(app, name)])["jobRun"]["state"])

        assert state(ours, "RUNNING") == "CANCELLED"
        assert state(ours, "SUCCESS") == "SUCCESS"
        assert state(other, "RUNNING") == "RUNNING"  # another deployment's application is not ours to stop
        assert report.stopped == [f"Spark job run {ours}-RUNNING ({runs[(ours, 'RUNNING')]}, RUNNING)"]
        assert report.failed == []
