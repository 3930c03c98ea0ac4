"""The round trip's check of `mlstack train`: the job it builds from the settings and the deployed stacks,
submitted to the emulator and read back.

Only the round trip runs it: against an account it would start a billed job. It proves what an emulator
can: the request is valid for botocore's model of CreateTrainingJob and moto accepts it, the role is the
Platform stack's training role (one SageMaker may assume), the image is the region's Hugging Face training
container, and the script travelled to where the job reads it. It does not run the script (`mlstack train
--local` does, and tests/training).
"""

from __future__ import annotations

import json
from typing import Any

from mlstack.ops import smoke, train, training_job
from mlstack.ops.checks import CheckResult
from mlstack.ops.deployment import Deployment
from mlstack.ops.smoke import expect
from stacks.config import Settings

NAME = "Platform: training job (mlstack train)"
SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"


def check(session: Any, endpoint_url: str | None, settings: Settings, region: str) -> CheckResult:
    """Submit the job `mlstack train` would, and compare what the emulator describes with what was asked."""
    checker = smoke.Checker(session, endpoint_url=endpoint_url, emulator=True)
    deployment = Deployment(settings, region, checker.client, endpoint_url, session)
    checker.check(NAME, lambda: _submit_and_read_back(deployment))
    (result,) = checker.results
    return result


def _submit_and_read_back(deployment: Deployment) -> str:
    client = deployment.client
    job = train.prepare_job(deployment, training_job.YELP_ARCHIVE)
    train.submit(client, job)
    described = client("sagemaker").describe_training_job(TrainingJobName=job.name)
    asked = job.request
    expect(described["TrainingJobStatus"] != "Failed", f"job failed: {described.get('FailureReason', '')}")
    expect(described["RoleArn"] == asked["RoleArn"], f"role {described['RoleArn']}, not {asked['RoleArn']}")
    image = described["AlgorithmSpecification"]["TrainingImage"]
    expect(image == asked["AlgorithmSpecification"]["TrainingImage"], f"image {image}")
    resources = described["ResourceConfig"]
    expected_resources = (job.recipe.instance_count, job.recipe.instance_type)
    expect(
        (resources["InstanceCount"], resources["InstanceType"]) == expected_resources,
        f"{resources['InstanceCount']} x {resources['InstanceType']}, not {expected_resources[0]} x "
        f"{expected_resources[1]}",
    )
    role_name = asked["RoleArn"].rsplit("/", 1)[-1]
    trust = client("iam").get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    expect(SAGEMAKER_PRINCIPAL in json.dumps(trust), f"role {role_name} does not trust {SAGEMAKER_PRINCIPAL}")
    source = json.loads(asked["HyperParameters"]["sagemaker_submit_directory"])
    bucket, _, key = source.removeprefix("s3://").partition("/")
    client("s3").head_object(Bucket=bucket, Key=key)
    return (
        f"{job.name} {described['TrainingJobStatus']}: {resources['InstanceCount']} x {resources['InstanceType']}, "
        f"role {role_name}, {image.rsplit('/', 1)[-1]}"
    )
