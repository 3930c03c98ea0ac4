"""`mlstack smoke`: boto3 checks against a deployed mlstack, read from its stack outputs and resources.

The same checks run against the local emulator (`mlstack local`) and a real account. Each check reports
pass, fail or not-checkable-here (a property the emulator drops, e.g. IMDSv2, which only a real account
can answer; those properties are proved by template assertions and cdk-nag). Layers whose stack is not
deployed are skipped with a note. Exit code 1 when any check fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mlstack.ops import ui
from mlstack.ops.aws import cached_clients
from mlstack.ops.checks import CheckResult, Status
from mlstack.ops.deployment import Deployment
from mlstack.paths import ROOT
from stacks import naming, outputs


class CheckFailed(Exception):
    """Raised inside a check with what was wrong."""


class NotCheckable(Exception):
    """Raised inside a check when this environment cannot answer it."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class DeployedStack:
    """A deployed stack's outputs by key and physical resource ids by CloudFormation type."""

    def __init__(self, cloudformation: Any, name: str):
        self.name = name
        described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        self.outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in described.get("Outputs", [])}
        self.resources: dict[str, list[str]] = {}
        paginator = cloudformation.get_paginator("list_stack_resources")
        for page in paginator.paginate(StackName=name):
            for resource in page["StackResourceSummaries"]:
                self.resources.setdefault(resource["ResourceType"], []).append(resource.get("PhysicalResourceId", ""))

    def output(self, key: str) -> str:
        if key not in self.outputs:
            raise CheckFailed(f"stack {self.name} has no output {key}")
        return self.outputs[key]

    def of_type(self, resource_type: str) -> list[str]:
        return [physical for physical in self.resources.get(resource_type, []) if physical]


class Checker:
    """Runs the checks of each deployed layer with one boto3 session."""

    def __init__(self, session: Any, *, endpoint_url: str | None, emulator: bool):
        self.session = session
        self.endpoint_url = endpoint_url
        self.emulator = emulator
        self.results: list[CheckResult] = []
        self.client = cached_clients(session, endpoint_url)  # one client per service for all checks

    def check(self, name: str, body: Callable[[], str]) -> None:
        try:
            detail = body()
            self.results.append(CheckResult(name, Status.PASS, detail))
        except NotCheckable as reason:
            self.results.append(CheckResult(name, Status.NOT_CHECKABLE, str(reason)))
        except (CheckFailed, ui.CommandError) as problem:  # a CommandError says what to do already
            self.results.append(CheckResult(name, Status.FAIL, str(problem)))
        except Exception as error:
            self.results.append(CheckResult(name, Status.FAIL, f"{type(error).__name__}: {error}"))

    def real_account_only(self, why: str) -> None:
        if self.emulator:
            raise NotCheckable(f"{why}; only a real account can answer")

    # ---- Data
    def data(self, stack: DeployedStack) -> None:
        s3 = self.client("s3")
        bucket = stack.outputs.get(outputs.DATA_BUCKET, "")

        def encryption() -> str:
            expect(bool(bucket), f"no {outputs.DATA_BUCKET} output")
            rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
            algorithms = {r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules}
            expect(bool(algorithms & {"AES256", "aws:kms", "aws:kms:dsse"}), f"encryption {algorithms}")
            return f"{bucket}: {', '.join(sorted(algorithms))}"

        def public_access_block() -> str:
            config = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            off = [key for key, value in config.items() if value is not True]
            expect(not off, f"public access not fully blocked: {off} off")
            return "all four settings on"

        def tls_only() -> str:
            policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
            denies_plain_http = any(
                s.get("Effect") == "Deny"
                and str(s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport", "")).lower() == "false"
                for s in policy.get("Statement", [])
            )
            expect(denies_plain_http, "bucket policy does not deny requests without TLS")
            return "policy denies aws:SecureTransport=false"

        def glue_table() -> str:
            database = stack.output(outputs.GLUE_DATABASE)
            tables = self.client("glue").get_tables(DatabaseName=database)["TableList"]
            expect(bool(tables), f"database {database} has no table")
            projected = [t["Name"] for t in tables if t.get("Parameters", {}).get("projection.enabled") == "true"]
            expect(bool(projected), "no table uses partition projection")
            return f"{database}: {', '.join(sorted(t['Name'] for t in tables))}"

        def athena_workgroup() -> str:
            name = stack.output(outputs.ATHENA_WORKGROUP)
            group = self.client("athena").get_work_group(WorkGroup=name)["WorkGroup"]
            config = group.get("Configuration", {})
            expect(group.get("State") == "ENABLED", f"workgroup state {group.get('State')}")
            expect(config.get("EnforceWorkGroupConfiguration") is True, "workgroup configuration not enforced")
            expect(int(config.get("BytesScannedCutoffPerQuery", 0)) > 0, "no bytes-scanned cutoff")
            location = config.get("ResultConfiguration", {}).get("OutputLocation", "")
            expect(bucket in location, f"results go to {location!r}, not the data bucket")
            return f"{name}: enforced, cutoff {int(config['BytesScannedCutoffPerQuery']) // 2**20} MB"

        def budget() -> str:
            names = stack.of_type("AWS::Budgets::Budget")
            account = self.client("sts").get_caller_identity()["Account"]
            described = self.client("budgets").describe_budget(AccountId=account, BudgetName=names[0])["Budget"]
            limit = described["BudgetLimit"]
            return f"{names[0]}: {float(limit['Amount']):g} {limit['Unit']}, {described['TimeUnit'].lower()}"

        self.check("Data: bucket encryption", encryption)
        self.check("Data: bucket public access block", public_access_block)
        self.check("Data: bucket TLS-only policy", tls_only)
        self.check("Data: Glue tables", glue_table)
        self.check("Data: Athena workgroup", athena_workgroup)
        if stack.outputs.get(outputs.SPARK_APPLICATION_ID):
            self.spark_application(stack)
        if stack.of_type("AWS::Budgets::Budget"):
            self.check("Data: monthly budget", budget)

    def spark_application(self, stack: DeployedStack) -> None:
        """The Data stack's EMR Serverless application costs nothing idle and caps what jobs use."""

        def spark_application() -> str:
            application_id = stack.output(outputs.SPARK_APPLICATION_ID)
            application = self.client("emr-serverless").get_application(applicationId=application_id)["application"]
            expect(not application.get("initialCapacity"), "pre-initialized capacity bills while the application idles")
            stop = application.get("autoStopConfiguration") or {}
            expect(stop.get("enabled") is True, "auto-stop is off")
            expect(
                int(stop.get("idleTimeoutMinutes", 0)) <= 15, f"auto-stop after {stop.get('idleTimeoutMinutes')} min"
            )
            cap = application.get("maximumCapacity") or {}
            expect(bool(cap.get("cpu")), "no maximum capacity")
            return (
                f"{application['name']} ({application['releaseLabel']}): nothing pre-initialized, auto-stop after "
                f"{stop['idleTimeoutMinutes']} min, at most {cap['cpu']}, {cap.get('memory')}, {cap.get('disk')}"
            )

        self.check("Data: Spark application", spark_application)

    # ---- Platform
    def platform(self, stack: DeployedStack) -> None:
        sagemaker = self.client("sagemaker")

        def notebook() -> str:
            names = stack.of_type("AWS::SageMaker::NotebookInstance")
            expect(len(names) == 1, f"{len(names)} notebook instances in the stack")
            described = sagemaker.describe_notebook_instance(NotebookInstanceName=_name_from_arn(names[0]))
            expect(described["NotebookInstanceStatus"] != "Failed", "notebook instance failed")
            encryption = "KMS key" if described.get("KmsKeyId") else "no KMS key"
            return f"{described['NotebookInstanceName']} ({described['InstanceType']}, {encryption})"

        def lifecycle_config() -> str:
            names = stack.of_type("AWS::SageMaker::NotebookInstanceLifecycleConfig")
            expect(len(names) == 1, f"{len(names)} lifecycle configs in the stack")
            config = sagemaker.describe_notebook_instance_lifecycle_config(
                NotebookInstanceLifecycleConfigName=_name_from_arn(names[0])
            )
            expect(bool(config.get("OnStart")), "lifecycle config has no on-start script")
            name = config["NotebookInstanceLifecycleConfigName"]
            notebook_name = _name_from_arn(stack.of_type("AWS::SageMaker::NotebookInstance")[0])
            attached = sagemaker.describe_notebook_instance(NotebookInstanceName=notebook_name).get(
                "NotebookInstanceLifecycleConfigName"
            )
            expect(attached == name, f"notebook uses lifecycle config {attached!r}, not {name!r}")
            return f"{name}, attached"

        def endpoint_config() -> str:
            names = stack.of_type("AWS::SageMaker::EndpointConfig")
            expect(len(names) == 1, f"{len(names)} endpoint configs in the stack")
            config = sagemaker.describe_endpoint_config(EndpointConfigName=_name_from_arn(names[0]))
            variants = config["ProductionVariants"]
            serverless = [v for v in variants if v.get("ServerlessConfig")]
            kinds = "serverless" if serverless else ", ".join(v.get("InstanceType", "?") for v in variants)
            return f"{config['EndpointConfigName']}: {kinds}"

        self.check("Platform: notebook instance", notebook)
        self.check("Platform: notebook lifecycle config", lifecycle_config)
        self.check("Platform: endpoint config", endpoint_config)

    # ---- Frameworks
    def frameworks(self, stack: DeployedStack) -> None:
        ec2 = self.client("ec2")
        instance_ids = stack.of_type("AWS::EC2::Instance")

        def instance() -> str:
            expect(len(instance_ids) == 1, f"{len(instance_ids)} instances in the stack")
            described = ec2.describe_instances(InstanceIds=instance_ids)["Reservations"][0]["Instances"][0]
            state = described["State"]["Name"]
            expect(state in ("pending", "running", "stopping", "stopped"), f"instance {state}")
            return f"{instance_ids[0]} ({described['InstanceType']}, {state})"

        def imdsv2() -> str:
            described = ec2.describe_instances(InstanceIds=instance_ids)["Reservations"][0]["Instances"][0]
            tokens = described.get("MetadataOptions", {}).get("HttpTokens")
            expect(tokens == "required", f"HttpTokens={tokens}")
            return "HttpTokens=required"

        def idle_alarm() -> str:
            names = stack.of_type("AWS::CloudWatch::Alarm")
            expect(bool(names), "no alarm in the stack")
            alarms = self.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
            stopping = [a for a in alarms if any(act.endswith(":ec2:stop") for act in a.get("AlarmActions", []))]
            expect(bool(stopping), "no alarm stops the instance")
            return ", ".join(a["AlarmName"] for a in stopping)

        self.check("Frameworks: GPU instance", instance)
        self.check("Frameworks: IMDSv2 required", imdsv2)
        self.check("Frameworks: idle-stop alarm", idle_alarm)

    # ---- ApiServices
    def api_services(self, stack: DeployedStack) -> None:
        def function() -> str:
            name = stack.outputs.get(outputs.FULFILLMENT_FUNCTION) or _only(stack.of_type("AWS::Lambda::Function"))
            config = self.client("lambda").get_function_configuration(FunctionName=name)
            variables = config.get("Environment", {}).get("Variables", {})
            expect(bool(variables), f"{name} has no environment")
            table = stack.outputs.get(outputs.RESULTS_TABLE)
            if table:
                expect(table in variables.values(), f"{name}'s environment does not name table {table}")
            return f"{name} ({config['Runtime']}): {', '.join(sorted(variables))}"

        def table() -> str:
            name = stack.outputs.get(outputs.RESULTS_TABLE) or _only(stack.of_type("AWS::DynamoDB::Table"))
            described = self.client("dynamodb").describe_table(TableName=name)["Table"]
            expect(described["TableStatus"] == "ACTIVE", f"table {described['TableStatus']}")
            return f"{name}: ACTIVE"

        def point_in_time_recovery() -> str:
            name = stack.outputs.get(outputs.RESULTS_TABLE) or _only(stack.of_type("AWS::DynamoDB::Table"))
            backups = self.client("dynamodb").describe_continuous_backups(TableName=name)
            status = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
            expect(status["PointInTimeRecoveryStatus"] == "ENABLED", f"PITR {status['PointInTimeRecoveryStatus']}")
            return "PITR enabled"

        def bot() -> str:
            bot_id = stack.output(outputs.BOT_ID)
            described = self.client("lexv2-models").describe_bot(botId=bot_id)
            expect(described["botStatus"] == "Available", f"bot {described['botStatus']}")
            return f"{described['botName']} ({bot_id}): Available"

        def conversations() -> str:
            from mlstack.ops.chat import CONVERSATIONS, BotAddress, load_conversations, run_conversations

            address = BotAddress(
                *(stack.output(key) for key in (outputs.BOT_ID, outputs.BOT_ALIAS_ID, outputs.BOT_LOCALE_ID))
            )
            turns = run_conversations(self.client("lexv2-runtime"), address, load_conversations(CONVERSATIONS))
            failed = [turn for turn in turns if not turn.passed]

            def seen(outcome: Any) -> str:
                got = f"{outcome.turn.intent}: {outcome.turn.text}" if outcome.turn else outcome.error
                return f"{outcome.check.say[:40]!r} -> {got[:120]}"

            expect(
                not failed,
                f"{len(failed)} of {len(turns)} turns answered otherwise (`mlstack conversations` for the table): "
                + "; ".join(seen(outcome) for outcome in failed),
            )
            return (
                f"{len(turns)} turns of {CONVERSATIONS.relative_to(ROOT)} answered with the expected intent and reply"
            )

        self.check("ApiServices: fulfillment function", function)
        self.check("ApiServices: results table", table)
        self.check("ApiServices: table point-in-time recovery", point_in_time_recovery)
        self.check("ApiServices: Lex bot", bot)
        self.check("ApiServices: bot conversations", conversations)


def _name_from_arn(value: str) -> str:
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _only(values: list[str]) -> str:
    expect(len(values) == 1, f"expected one resource, found {len(values)}")
    return values[0]


def run_checks(
    session: Any, *, endpoint_url: str | None = None, emulator: bool = False, stacks: list[str] | None = None
) -> list[CheckResult]:
    """Every check of every deployed layer. `stacks`: the app's stack names (default: all of the prefix's)."""
    checker = Checker(session, endpoint_url=endpoint_url, emulator=emulator)
    cloudformation = checker.client("cloudformation")
    deployed = {s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]}
    wanted = stacks if stacks is not None else sorted(deployed)
    by_layer = {naming.layer_of(name): name for name in wanted}
    runners = {
        "data": checker.data,
        "platform": checker.platform,
        "frameworks": checker.frameworks,
        "api_services": checker.api_services,
    }
    for layer in naming.LAYERS:
        name = by_layer.get(layer)
        if name is None or name not in deployed:
            checker.results.append(
                CheckResult(f"{naming.LAYER_TITLES[layer]}: layer", Status.SKIPPED, "stack not deployed")
            )
            continue
        runners[layer](DeployedStack(cloudformation, name))
    return checker.results


def smoke(
    context: tuple[str, ...], prefix: str | None, *, endpoint_url: str | None, emulator: bool
) -> list[CheckResult]:
    """`mlstack smoke`: the checks of the prefix's deployed layers, in the settings' region."""
    deployment = Deployment.load(context, prefix, endpoint_url=endpoint_url)
    deployment.require_credentials()
    stacks = [deployment.stack_name(layer) for layer in naming.LAYERS]
    return run_checks(deployment.session, endpoint_url=endpoint_url, emulator=emulator, stacks=stacks)
