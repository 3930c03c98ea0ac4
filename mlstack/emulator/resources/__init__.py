"""CloudFormation handlers for resource types moto lacks, one module per service, and their registration.

`install_resource_handlers()` makes moto's template parser resolve these types to the handlers here; a
`Custom::` type without a handler fails the stack readably; a type moto skips is recorded in SKIPPED_TYPES
(reported by `mlstack local` as not emulated, never hidden).
"""

from __future__ import annotations

from typing import Any

from mlstack.emulator.resources.athena import AthenaNamedQuery, AthenaWorkGroup
from mlstack.emulator.resources.base import EmulatedResource
from mlstack.emulator.resources.budgets import Budget
from mlstack.emulator.resources.cdk_custom_resources import (
    CDKBucketDeployment,
    S3AutoDeleteObjects,
    UnsupportedCustomResource,
    VpcRestrictDefaultSG,
)
from mlstack.emulator.resources.cloudwatch import CloudWatchAlarm
from mlstack.emulator.resources.dynamodb import DynamoDBGlobalTable
from mlstack.emulator.resources.emr_serverless import EmrServerlessApplication
from mlstack.emulator.resources.glue import GlueDatabase, GlueTable
from mlstack.emulator.resources.lex import LexBot, LexBotAlias, LexBotVersion
from mlstack.emulator.resources.s3 import S3BucketPolicy

# CloudFormation resource types moto skipped (no model and no handler here): reported, never hidden.
SKIPPED_TYPES: set[str] = set()

HANDLERS: dict[str, type[EmulatedResource]] = {
    cls.CFN_TYPE: cls
    for cls in (
        LexBot,
        LexBotVersion,
        LexBotAlias,
        GlueDatabase,
        GlueTable,
        AthenaWorkGroup,
        AthenaNamedQuery,
        CloudWatchAlarm,
        DynamoDBGlobalTable,
        EmrServerlessApplication,
        Budget,
        S3BucketPolicy,
        S3AutoDeleteObjects,
        CDKBucketDeployment,
        VpcRestrictDefaultSG,
    )
}


def install_resource_handlers() -> None:
    from moto.cloudformation import parsing

    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        if resource_type in HANDLERS:
            return HANDLERS[resource_type]
        if resource_type.startswith("Custom::"):
            raise UnsupportedCustomResource(
                f"{resource_type}: the emulator has no handler for this custom resource "
                "(moto would invoke its Lambda in Docker); add one to mlstack/emulator/resources/"
            )
        model = original(resource_type)
        if model is None and resource_type not in parsing.NULL_MODELS:
            SKIPPED_TYPES.add(resource_type)
        return model

    # moto 5.2.5: parsing.py resolves every resource type through this module-level function.
    parsing.resource_class_from_type = resource_class_from_type
