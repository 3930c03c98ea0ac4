#!/usr/bin/env python3
"""mlstack CDK app: loads settings, creates one stack per enabled layer, runs cdk-nag on every synth."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from stacks.config import (
    PREFIX_TAG_KEY,
    Settings,
    SettingsError,
    load_settings,
    resolve_region,
)

if TYPE_CHECKING:
    import aws_cdk as cdk

# Where the CDK CLI puts the context (cdk.json's and `-c` values) for the app, as cdk.App reads it.
CLI_CONTEXT_VARIABLE = "CDK_CONTEXT_JSON"
CLI_CONTEXT_OVERFLOW_FILE_VARIABLE = "CONTEXT_OVERFLOW_LOCATION_ENV"
# CDK's own switch for its built-in CloudFormation validation (`cdk synth --no-validation` sets it to "false").
CDK_VALIDATION_VARIABLE = "CDK_VALIDATION"


def builtin_validation_requested() -> bool:
    """Whether CDK's built-in CloudFormation validation runs: only when CDK_VALIDATION=true.

    aws-cdk-lib runs it on every synth by default; starting its engine and checking this app's templates took
    2.8 s of a 7 s synth here (2026-12-05). `mlstack cdk deploy` asks for it (mlstack/ops/cdk_cli.py), so
    a deploy through mlstack never skips it, and cdk.json's `validateAgainstDefaultRules` makes its findings
    fail the synth. Every other synth (`cdk synth`, diff, `mlstack local`, cost, diagram, the tests) skips it:
    cfn-lint, whose errors fail, checks every template of every tested variant in `make test`, and
    `make test-cli` runs a user's synth with it on.
    """
    return os.environ.get(CDK_VALIDATION_VARIABLE, "").lower() == "true"


def cli_context(defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`defaults` overridden by the CLI's context, merged as cdk.App merges them."""
    context = dict(defaults or {})
    context.update(json.loads(os.environ.get(CLI_CONTEXT_VARIABLE) or "{}"))
    overflow = os.environ.get(CLI_CONTEXT_OVERFLOW_FILE_VARIABLE)
    if overflow:
        with open(overflow, encoding="utf-8") as file:
            context.update(json.load(file))
    return context


def create_app(context: Mapping[str, Any] | None = None) -> tuple[cdk.App, Settings]:
    """Build the app; raises SettingsError for invalid settings before any construct is created."""
    # Imported here, not at the top: main() checks the settings first, and a bad one is reported without
    # waiting seconds for jsii and the construct library to load.
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

    from stacks.api_services_stack import ApiServicesStack
    from stacks.constructs.log_groups import own_function_logs
    from stacks.data_stack import DataStack
    from stacks.frameworks_stack import FrameworksStack
    from stacks.platform_stack import PlatformStack

    # Rule packs a platform team can add with `-c compliance_packs=...`; AwsSolutions always runs.
    compliance_packs = {"nist-800-53-r5": NIST80053R5Checks}

    app = cdk.App(
        context=dict(context) if context is not None else None,
        builtin_cloud_formation_validation=builtin_validation_requested(),
    )
    # The CLI sets CDK_DEFAULT_REGION from the profile: rules that depend on the region check this one.
    profile_region = os.environ.get("CDK_DEFAULT_REGION")
    settings = load_settings(app.node.get_all_context(), profile_region=profile_region)
    region = resolve_region(settings.region, profile_region)
    env = cdk.Environment(
        # Unset without credentials: stacks stay account-agnostic and synth needs no AWS access.
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=region,
    )

    # Layers above Data take the stacks they build on as constructor arguments, one way:
    # Data -> Platform/Frameworks -> ApiServices.
    data = DataStack(app, settings.stack_name("data"), settings=settings, env=env)
    platform = (
        PlatformStack(app, settings.stack_name("platform"), settings=settings, data=data, env=env)
        if settings.has("platform")
        else None
    )
    if settings.has("frameworks"):
        FrameworksStack(app, settings.stack_name("frameworks"), settings=settings, data=data, env=env)
    if settings.has("api_services"):
        # Without the Platform layer the bot's AnalyzeSentiment intent says the layer is not deployed.
        ApiServicesStack(
            app, settings.stack_name("api_services"), settings=settings, data=data, platform=platform, env=env
        )

    for stack in app.node.children:
        if isinstance(stack, cdk.Stack):
            own_function_logs(stack)
    for key, value in {**settings.tags.model_dump(), PREFIX_TAG_KEY: settings.prefix}.items():
        cdk.Tags.of(app).add(key.replace("_", "-"), value)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    for pack in settings.compliance_packs:
        cdk.Validations.of(app).add_plugins(compliance_packs[pack](app))
    return app, settings


def main(context: Mapping[str, Any] | None = None) -> int:
    """`python app.py`, as the CDK CLI runs it (context from the CLI); exit 2 with one line per bad setting."""
    try:
        # The same rules create_app applies, before the construct library loads.
        profile_region = os.environ.get("CDK_DEFAULT_REGION")
        load_settings(cli_context(context), profile_region=profile_region)
        app, _ = create_app(context)
    except SettingsError as error:
        for problem in error.problems:
            print(f"mlstack: invalid setting: {problem}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
