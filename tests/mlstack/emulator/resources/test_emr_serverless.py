"""An EMR Serverless application deploys into moto's EMR Serverless backend, takes job runs, and goes with its stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlstack.ops import inventory
from tests.mlstack.emulator.templates import delete, deploy, outputs_of, template


def test_application_takes_job_runs_and_is_gone_after_the_stack(aws: Callable[[str], Any]) -> None:
    stack = deploy(
        aws,
        template(
            {
                "Spark": {
                    "Type": "AWS::EMRServerless::Application",
                    "Properties": {
                        "Name": "team-a-spark",
                        "Type": "SPARK",
                        "ReleaseLabel": "emr-7.12.0",
                        "Architecture": "ARM64",
                        "AutoStartConfiguration": {"Enabled": True},
                        "AutoStopConfiguration": {"Enabled": True, "IdleTimeoutMinutes": 15},
                        "MaximumCapacity": {"Cpu": "16 vCPU", "Memory": "64 GB", "Disk": "200 GB"},
                    },
                }
            },
            {"Id": {"Ref": "Spark"}, "Arn": {"Fn::GetAtt": ["Spark", "Arn"]}},
        ),
    )
    emr = aws("emr-serverless")
    application_id = outputs_of(stack)["Id"]
    application = emr.get_application(applicationId=application_id)["application"]
    assert outputs_of(stack)["Arn"] == application["arn"]
    assert application["name"] == "team-a-spark" and application["releaseLabel"] == "emr-7.12.0"
    assert application["state"] == "CREATED"  # nothing pre-initialized: nothing runs until a job arrives
    assert application["autoStopConfiguration"] == {"enabled": True, "idleTimeoutMinutes": 15}
    assert application["maximumCapacity"] == {"cpu": "16 vCPU", "memory": "64 GB", "disk": "200 GB"}
    run = emr.start_job_run(
        applicationId=application_id,
        executionRoleArn="arn:aws:iam::123456789012:role/job",
        jobDriver={"sparkSubmit": {"entryPoint": "s3://b/spark/code/ghcn_series.py"}},
        clientToken="t",
    )
    assert emr.get_job_run(applicationId=application_id, jobRunId=run["jobRunId"])["jobRun"]["state"] == "SUCCESS"
    assert f"spark-application:{application_id}" in inventory.snapshot(aws, kinds=("spark-application",))

    delete(aws, stack)

    assert emr.get_application(applicationId=application_id)["application"]["state"] == "TERMINATED"
    assert f"spark-application:{application_id}" not in inventory.snapshot(aws, kinds=("spark-application",))
