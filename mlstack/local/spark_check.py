"""The round trip's check of `mlstack spark`: the job run it builds from the settings and the deployed Data
stack, submitted to the emulator's EMR Serverless application and read back.

Only the round trip runs it: against an account it would start a billed job. It proves what an emulator can:
the StartJobRun request is valid for botocore's model and moto accepts it, the run carries the Data stack's
job role (one EMR Serverless may assume), the entry point and the job's arguments, and the job code travelled
to where the run reads it. It does not run Spark (`mlstack spark --local` does, and tests/spark).
"""

from __future__ import annotations

import json
from typing import Any

from mlstack.ops import smoke, spark_job
from mlstack.ops.checks import CheckResult
from mlstack.ops.deployment import Deployment
from mlstack.ops.smoke import expect
from stacks.config import Settings

NAME = "Data: Spark job run (mlstack spark)"
EMR_SERVERLESS_PRINCIPAL = "emr-serverless.amazonaws.com"


def check(session: Any, endpoint_url: str | None, settings: Settings) -> CheckResult:
    """Submit the run `mlstack spark` would, and compare what the emulator describes with what was asked."""
    checker = smoke.Checker(session, endpoint_url=endpoint_url, emulator=True)
    deployment = Deployment.of(settings, session=session, endpoint_url=endpoint_url)
    checker.check(NAME, lambda: _submit_and_read_back(deployment, settings))
    (result,) = checker.results
    return result


def _submit_and_read_back(deployment: Deployment, settings: Settings) -> str:
    client = deployment.client
    target = spark_job.deployed(deployment)
    request = spark_job.start_request(settings, target, spark_job.run_id())
    emr = client("emr-serverless")
    run_id = emr.start_job_run(**request)["jobRunId"]
    run = emr.get_job_run(applicationId=target.application_id, jobRunId=run_id)["jobRun"]
    expect(run["state"] not in ("FAILED", "CANCELLED"), f"run {run['state']}: {run.get('stateDetails', '')}")
    expect(run["executionRole"] == target.role_arn, f"role {run['executionRole']}, not {target.role_arn}")
    asked, got = request["jobDriver"]["sparkSubmit"], run["jobDriver"]["sparkSubmit"]
    expect(got["entryPoint"] == asked["entryPoint"], f"entry point {got['entryPoint']}")
    expect(got.get("entryPointArguments") == asked["entryPointArguments"], "arguments differ from the request")
    role_name = target.role_arn.rsplit("/", 1)[-1]
    trust = client("iam").get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    expect(EMR_SERVERLESS_PRINCIPAL in json.dumps(trust), f"role {role_name} does not trust {EMR_SERVERLESS_PRINCIPAL}")
    bucket, _, key = asked["entryPoint"].removeprefix("s3://").partition("/")
    client("s3").head_object(Bucket=bucket, Key=key)  # the job code was uploaded at deploy time
    return f"{request['name']} {run['state']} on {target.application_id}, role {role_name}, {key}"
