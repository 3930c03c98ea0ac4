"""The project's one definition of a Python Lambda function: runtime, architecture, logs, tracing, Powertools."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import (
    INLINE_POLICY,
    LAMBDA_OUTSIDE_VPC,
    NO_RESERVED_CONCURRENCY,
    acknowledge_aws_solutions,
    acknowledge_nist,
)

# Latest Python runtime in aws-cdk-lib 2.275 (cdk-nag L1 wants the latest) with a Powertools v3 layer.
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
# Powertools for AWS Lambda (Python) v3 public layer, published by AWS in account 017000801446 in every
# commercial region. Pinned: a new layer version is a reviewed change, like any dependency bump.
# The layer version and the library release it carries come from one file, which also names where the
# layer-to-release mapping is published (the Powertools docs' "Lambda Layer" table, and the per-release
# SSM parameter /aws/service/powertools/python/<arch>/<python>/<release>); tests/unit/test_powertools_pin.py
# fails when requirements-dev.txt, the installed library or this file disagree.
POWERTOOLS_PIN_FILE = Path(__file__).resolve().parent / "powertools_layer.json"
_POWERTOOLS_PIN = json.loads(POWERTOOLS_PIN_FILE.read_text())
POWERTOOLS_ACCOUNT: str = _POWERTOOLS_PIN["layer_account"]
POWERTOOLS_LAYER_VERSION: int = _POWERTOOLS_PIN["layer_version"]
POWERTOOLS_VERSION: str = _POWERTOOLS_PIN["version"]


def powertools_layer_arn(scope: Construct) -> str:
    """ARN of the pinned Powertools layer for RUNTIME and ARCHITECTURE in the stack's region."""
    python = RUNTIME.name.replace(".", "")  # python3.14 -> python314
    arch = ARCHITECTURE.name  # arm64 or x86_64, as the layer names spell them
    return cdk.Stack.of(scope).format_arn(
        service="lambda",
        account=POWERTOOLS_ACCOUNT,
        resource="layer",
        resource_name=f"AWSLambdaPowertoolsPythonV3-{python}-{arch}:{POWERTOOLS_LAYER_VERSION}",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


class PythonFunction(Construct):
    """Python Lambda with the project's defaults: arm64, latest runtime, X-Ray, Powertools, own log group.

    Exposes `function`, `role` (starts with log-write and X-Ray permissions only) and `log_group`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        code_dir: Path,
        description: str,
        service_name: str,
        metrics_namespace: str,
        log_retention_days: int,
        environment: Mapping[str, str] | None = None,
        handler: str = "handler.handler",
        memory_size_mb: int = 256,
        timeout_seconds: int = 15,
        powertools: bool = True,
        log_key: kms.IKey | None = None,
        dead_letter_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id_)
        module = handler.rsplit(".", maxsplit=1)[0]
        if not (code_dir / f"{module}.py").is_file():
            raise ValueError(f"{id_}: no {module}.py in the function code directory {code_dir}")
        # Created explicitly so that `cdk destroy` removes it; otherwise Lambda creates /aws/lambda/<name>
        # on first invocation and it outlives the stack.
        self.log_group = destroyable_log_group(
            self, "LogGroup", retention_days=log_retention_days, encryption_key=log_key
        )
        # Own role rather than the default one, which attaches the AWSLambdaBasicExecutionRole managed
        # policy (logs on every log group of the account).
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(str(code_dir), exclude=["__pycache__", "*.pyc"]),
            handler=handler,
            role=self.role,
            memory_size=memory_size_mb,
            timeout=cdk.Duration.seconds(timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            # For asynchronously invoked functions: an event that still fails after Lambda's retries lands here.
            dead_letter_topic=dead_letter_topic,
            # powertools=False for code that needs only the standard library and boto3.
            layers=[lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", powertools_layer_arn(self))]
            if powertools
            else None,
            environment={
                **(
                    {
                        "POWERTOOLS_SERVICE_NAME": service_name,
                        "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
                        "POWERTOOLS_LOG_LEVEL": "INFO",
                    }
                    if powertools
                    else {}
                ),
                **(environment or {}),
            },
        )
        self.log_group.grant_write(self.role)
        # The default policy holds only the log-write and X-Ray statements; callers attach their own
        # policies for anything else, so this acknowledgement covers nothing they add.
        default_policy = self.role.node.find_child("DefaultPolicy")
        acknowledge_aws_solutions(
            default_policy,
            "IAM5[Resource::*]",
            "Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, "
            "which have no resource-level permissions.",
        )
        acknowledge_nist(default_policy, "IAMNoInlinePolicy", INLINE_POLICY)
        acknowledge_nist(self.function, "LambdaInsideVPC", LAMBDA_OUTSIDE_VPC)
        acknowledge_nist(self.function, "LambdaConcurrency", NO_RESERVED_CONCURRENCY)
        self.function.node.default_child.add_metadata(  # type: ignore[union-attr]
            "checkov",
            {
                "skip": [
                    {
                        "id": "CKV_AWS_173",
                        "comment": "Environment variables hold resource names and settings, no secrets; "
                        "Lambda encrypts them at rest with an AWS owned key.",
                    }
                ]
            },
        )
