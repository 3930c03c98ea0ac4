"""Spending stop: the budget's stop notification arrived, so stop every running compute of this prefix and say what.

Triggered by the spending-stop SNS topic, which only AWS Budgets of this account may publish to. Acts only on
resources tagged `<PREFIX_TAG_KEY>=<PREFIX>` (its IAM role enforces the same), and reports to the alerts topic:
- EC2 instances that are running: stopped (their volumes, and the data on them, stay);
- SageMaker notebook instances in service: stopped;
- SageMaker training jobs in progress: stopped (the job keeps what it checkpointed to S3);
- SageMaker endpoints in service that bill per instance-hour: deleted when a user made them (no
  `aws:cloudformation:stack-name` tag), and the Platform stack's own one when it is instance-backed
  (STACK_ENDPOINT_NAME); serverless endpoints bill per request only and are left alone;
- Spark job runs not yet ended on the Data stack's EMR Serverless application (SPARK_APPLICATION_ID): cancelled
  (the application then stops itself when idle).
Standard library and boto3 only (both in the Lambda runtime).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# CloudFormation tags every resource it creates with this; a user-made endpoint does not have it.
STACK_TAG = "aws:cloudformation:stack-name"
# Each call is retried a few times (throttling is likely when everything is stopped at once) and bounded, so
# the whole sweep fits the function's timeout many times over.
_CONFIG = Config(connect_timeout=5, read_timeout=15, retries={"mode": "standard", "max_attempts": 4})
SUBJECT_LIMIT = 100  # SNS e-mail subjects


@dataclass(frozen=True)
class Settings:
    """What the stack tells the function through its environment."""

    prefix: str
    tag_key: str
    alerts_topic_arn: str
    stack_endpoint_name: str = ""
    spark_application_id: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ) if env is None else env
        return cls(
            prefix=env["PREFIX"],
            tag_key=env["PREFIX_TAG_KEY"],
            alerts_topic_arn=env["ALERTS_TOPIC_ARN"],
            stack_endpoint_name=env.get("STACK_ENDPOINT_NAME", ""),
            spark_application_id=env.get("SPARK_APPLICATION_ID", ""),
        )


@dataclass(frozen=True)
class Clients:
    ec2: Any
    sagemaker: Any
    sns: Any
    emr_serverless: Any = None

    @classmethod
    def create(cls) -> Clients:
        session = boto3.session.Session()
        return cls(
            ec2=session.client("ec2", config=_CONFIG),
            sagemaker=session.client("sagemaker", config=_CONFIG),
            sns=session.client("sns", config=_CONFIG),
            emr_serverless=session.client("emr-serverless", config=_CONFIG),
        )


@dataclass
class Report:
    """What the sweep did, line by line, for the alerts e-mail."""

    stopped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        sections = (
            ("Stopped", self.stopped),
            ("Deleted", self.deleted),
            ("Left running (see why)", self.left),
            ("FAILED, stop these by hand", self.failed),
        )
        lines = []
        for title, items in sections:
            if items:
                lines += [f"{title}:", *(f"  - {item}" for item in items)]
        return lines or ["Nothing of this prefix was running."]


def _error(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__


def _attempt(report: Report, what: str, action: Callable[[], Any]) -> bool:
    try:
        action()
    except (ClientError, BotoCoreError) as error:
        logger.exception("could not act on %s", what)
        report.failed.append(f"{what} ({_error(error)})")
        return False
    return True


def _sagemaker_tags(sagemaker: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn):
        tags.update({tag["Key"]: tag["Value"] for tag in page.get("Tags", [])})
    return tags


def _ours(sagemaker: Any, settings: Settings, arn: str) -> dict[str, str] | None:
    """The resource's tags when it carries this prefix's tag, else None."""
    tags = _sagemaker_tags(sagemaker, arn)
    return tags if tags.get(settings.tag_key) == settings.prefix else None


def _paged(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def stop_instances(clients: Clients, settings: Settings, report: Report) -> None:
    filters = [
        {"Name": f"tag:{settings.tag_key}", "Values": [settings.prefix]},
        {"Name": "instance-state-name", "Values": ["running"]},
    ]
    for reservation in _paged(clients.ec2, "describe_instances", "Reservations", Filters=filters):
        for instance in reservation.get("Instances", []):
            instance_id = instance["InstanceId"]
            what = f"EC2 instance {instance_id} ({instance.get('InstanceType', '?')})"
            if _attempt(report, what, partial(clients.ec2.stop_instances, InstanceIds=[instance_id])):
                report.stopped.append(what)


def stop_notebooks(clients: Clients, settings: Settings, report: Report) -> None:
    sagemaker = clients.sagemaker
    for notebook in _paged(sagemaker, "list_notebook_instances", "NotebookInstances", StatusEquals="InService"):
        name = notebook["NotebookInstanceName"]
        if _ours(sagemaker, settings, notebook["NotebookInstanceArn"]) is None:
            continue
        what = f"notebook instance {name} ({notebook.get('InstanceType', '?')})"
        if _attempt(report, what, partial(sagemaker.stop_notebook_instance, NotebookInstanceName=name)):
            report.stopped.append(what)


def stop_training_jobs(clients: Clients, settings: Settings, report: Report) -> None:
    sagemaker = clients.sagemaker
    for job in _paged(sagemaker, "list_training_jobs", "TrainingJobSummaries", StatusEquals="InProgress"):
        name = job["TrainingJobName"]
        if _ours(sagemaker, settings, job["TrainingJobArn"]) is None:
            continue
        what = f"training job {name}"
        if _attempt(report, what, partial(sagemaker.stop_training_job, TrainingJobName=name)):
            report.stopped.append(what)


def _instance_backed(endpoint: dict[str, Any]) -> bool:
    variants = endpoint.get("ProductionVariants", [])
    return any("CurrentServerlessConfig" not in variant for variant in variants) or not variants


def delete_endpoints(clients: Clients, settings: Settings, report: Report) -> None:
    sagemaker = clients.sagemaker
    for summary in _paged(sagemaker, "list_endpoints", "Endpoints", StatusEquals="InService"):
        name = summary["EndpointName"]
        tags = _ours(sagemaker, settings, summary["EndpointArn"])
        if tags is None:
            continue
        own = name == settings.stack_endpoint_name
        if STACK_TAG in tags and not own:
            report.left.append(f"endpoint {name}: belongs to stack {tags[STACK_TAG]}")
            continue
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        if not _instance_backed(endpoint):
            continue  # serverless: bills per request, nothing while idle
        what = f"endpoint {name}" + (
            " (the Platform stack's; README, Spending stop, says how to bring it back)" if own else ""
        )
        if _attempt(report, what, partial(sagemaker.delete_endpoint, EndpointName=name)):
            report.deleted.append(what)


# Job run states before an end (SUCCESS, FAILED, CANCELLED) or a cancel in progress (CANCELLING).
ACTIVE_JOB_RUN_STATES = ["SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "QUEUED"]


def cancel_spark_job_runs(clients: Clients, settings: Settings, report: Report) -> None:
    application = settings.spark_application_id
    if not application or clients.emr_serverless is None:
        return  # no Spark application in this deployment
    emr = clients.emr_serverless
    for run in _paged(emr, "list_job_runs", "jobRuns", applicationId=application, states=ACTIVE_JOB_RUN_STATES):
        what = f"Spark job run {run.get('name') or run['id']} ({run['id']}, {run.get('state', '?')})"
        if _attempt(report, what, partial(emr.cancel_job_run, applicationId=application, jobRunId=run["id"])):
            report.stopped.append(what)


SWEEPS = (stop_instances, stop_notebooks, stop_training_jobs, delete_endpoints, cancel_spark_job_runs)


def sweep(clients: Clients, settings: Settings) -> Report:
    """Run every sweep; a failing listing is reported and the other sweeps still run."""
    report = Report()
    for step in SWEEPS:
        try:
            step(clients, settings, report)
        except (ClientError, BotoCoreError) as error:
            logger.exception("sweep %s failed", step.__name__)
            report.failed.append(f"{step.__name__.replace('_', ' ')}: could not list ({_error(error)})")
    return report


def budget_messages(event: Any) -> list[str]:
    """The budget notification texts carried by an SNS event (tolerant of anything else)."""
    records = event.get("Records", []) if isinstance(event, dict) else []
    return [
        str(record["Sns"].get("Message", ""))
        for record in records
        if isinstance(record, dict) and isinstance(record.get("Sns"), dict)
    ]


def publish_report(clients: Clients, settings: Settings, report: Report, budget_texts: list[str]) -> None:
    subject = f"mlstack {settings.prefix}: spending stop pulled"
    body = [
        f"The monthly budget of the '{settings.prefix}' deployment crossed its spending-stop threshold.",
        "",
        *report.lines(),
        "",
        "Volumes, buckets and tables were kept. Start things again when you are ready (make gpu-start,",
        "make notebook-start); the stop acts once per threshold crossing, i.e. at most once a budget month.",
    ]
    if budget_texts:
        body += ["", "AWS Budgets said:", *budget_texts]
    clients.sns.publish(TopicArn=settings.alerts_topic_arn, Subject=subject[:SUBJECT_LIMIT], Message="\n".join(body))


_clients: Clients | None = None


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point. Listing or stopping failures are reported, not raised; a failed report raises so
    Lambda's asynchronous retries try again (stopping is idempotent)."""
    global _clients  # noqa: PLW0603 - one set of clients per container
    if _clients is None:
        _clients = Clients.create()
    settings = Settings.from_env()
    report = sweep(_clients, settings)
    logger.info("spending stop: %s", json.dumps(report.__dict__))
    publish_report(_clients, settings, report, budget_messages(event))
    return report.__dict__


def use_clients(clients: Clients | None) -> None:
    """Inject clients (tests); None makes the next invocation create real ones."""
    global _clients  # noqa: PLW0603
    _clients = clients
