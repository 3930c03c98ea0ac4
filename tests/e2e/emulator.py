"""Local AWS emulator for mlstack: moto's server on localhost, extended where the app's templates need it.

`python -m tests.e2e.emulator [--port N]` serves on http://localhost:<port> and prints `READY <endpoint>`
(scripts/local.py runs it so). `Emulator` runs the server in a thread of this process (the tests);
`install()` applies the extensions to the moto imported here, once.

Each extension closes one gap measured with moto 5.2.5 and CDK CLI 2.1148.1 (listed in the README's
"Emulator gaps and their fixes"). They use moto internals, which is why requirements-dev.txt pins moto
exactly: `install()` refuses another version, the internal each one relies on is named next to it, and
where moto could grow the feature itself an assert says so. Nothing here changes a template: the emulator
adapts to the app, never the other way round.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import logging
import signal
import sys
import threading
import time
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar, get_args

from pydantic import ValidationError

from stacks.config import FrameworksSettings

MOTO_VERSION = "5.2.5"

# Deep Learning AMI public parameters the Frameworks layer may resolve (`AWS::SSM::Parameter::Value<...>`).
# moto has none of them and refuses `put_parameter` under /aws/, so they are seeded into its parameter store,
# all pointing at a Deep Learning AMI that moto's EC2 image catalogue (ec2/resources/amis.json.gz) ships.
EMULATED_DLAMI_ID = "ami-dca37ea5"  # "Deep Learning AMI Ubuntu Linux - 2.4_Oct2017" in moto's catalogue


def dlami_parameter_names() -> list[str]:
    """Every DLAMI parameter the Frameworks layer can resolve, asked of its own settings model.

    Each valid framework/OS combination names its parameter (FrameworksSettings.ami_parameter), so a new
    DLAMI version in the app needs no change here.
    """
    names = set()
    for framework in FrameworksSettings.FRAMEWORKS:
        for os_name in get_args(FrameworksSettings.model_fields["os"].annotation):
            try:
                names.add(FrameworksSettings(framework=framework, os=os_name).ami_parameter)
            except ValidationError:  # no DLAMI for that combination: the app refuses it too
                continue
    return sorted(names)


# Publishers of public Lambda layers a function may reference (Powertools for AWS Lambda). moto looks layers
# up by name in the caller's account only, so a function using one fails to create without this.
PUBLIC_LAYER_ACCOUNTS = frozenset({"017000801446"})

# The emulator stands in for AWS's HTTPS endpoints; the CLI talks plain HTTP to localhost only because there
# is no certificate. Bucket policies therefore see `aws:SecureTransport` as true (tests flip it to prove a
# TLS-only policy still denies plain HTTP).
REQUEST_CONTEXT: dict[str, str] = {"aws:SecureTransport": "true"}

# CloudFormation resource types moto skipped (no model and no handler here): reported, never hidden.
SKIPPED_TYPES: set[str] = set()

log = logging.getLogger("mlstack.emulator")


# --------------------------------------------------------------------------------------------------------
# CloudFormation handlers for resource types moto lacks
# --------------------------------------------------------------------------------------------------------


class EmulatedResource:
    """Base of the handlers: the duck type moto's ResourceMap expects of a CloudFormationModel instance.

    moto (cloudformation/parsing.py) calls `create_from_cloudformation_json(name, json, account, region,
    **kwargs)`, reads `physical_resource_id` for Ref and `get_cfn_attribute` for GetAtt, calls
    `is_created()`, `update_from_cloudformation_json(...)` on a change and `delete(account, region)` on removal.
    """

    CFN_TYPE = ""
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, name: str, properties: dict[str, Any], account_id: str, region: str, logical_id: str):
        self.name = name
        self.properties = properties
        self.account_id = account_id
        self.region = region
        self.logical_id = logical_id
        self.attributes: dict[str, Any] = {}

    # ---- moto's model protocol
    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> EmulatedResource:
        resource = cls(
            resource_name,
            cloudformation_json.get("Properties", {}),
            account_id,
            region_name,
            kwargs.get("LogicalId", resource_name),
        )
        resource.create()
        return resource

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: EmulatedResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> EmulatedResource:
        resource = cls(
            new_resource_name,
            cloudformation_json.get("Properties", {}),
            account_id,
            region_name,
            original_resource.logical_id,
        )
        resource.update_from(original_resource)
        return resource

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        cls(resource_name, cloudformation_json.get("Properties", {}), account_id, region_name, resource_name).delete(
            account_id, region_name
        )

    @property
    def physical_resource_id(self) -> str:
        return self.name

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[attribute_name]

    def is_created(self) -> bool:
        return True

    # ---- what a handler implements
    def create(self) -> None:
        """Create the resource in the emulated service and fill `attributes`."""

    def update_from(self, original: EmulatedResource) -> None:
        """Replace `original` with this resource (delete, then create: no handler needs more)."""
        original.delete(self.account_id, self.region)
        self.create()

    def delete(self, account_id: str, region_name: str) -> None:
        """Remove the resource from the emulated service."""

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


def _short_id(length: int = 10) -> str:
    return uuid.uuid4().hex[:length].upper()


class LexBot(EmulatedResource):
    """AWS::Lex::Bot: moto has no Lex V2. Ref is the bot id; GetAtt Id and Arn."""

    CFN_TYPE = "AWS::Lex::Bot"
    ATTRIBUTES = ("Id", "Arn")

    def create(self) -> None:
        self.name = _short_id()
        self.attributes = {"Id": self.name, "Arn": self.arn("lex", f"bot/{self.name}")}

    def update_from(self, original: EmulatedResource) -> None:
        # A bot keeps its id across updates, so aliases and Lambda permissions stay valid.
        self.name, self.attributes = original.name, dict(original.attributes)


class LexBotVersion(EmulatedResource):
    """AWS::Lex::BotVersion: Ref and GetAtt BotVersion are the version number, counted per bot."""

    CFN_TYPE = "AWS::Lex::BotVersion"
    ATTRIBUTES = ("BotVersion",)
    _versions: ClassVar[dict[str, int]] = {}

    def create(self) -> None:
        bot_id = str(self.properties.get("BotId", ""))
        number = LexBotVersion._versions.get(bot_id, 0) + 1
        LexBotVersion._versions[bot_id] = number
        self.name = str(number)
        self.attributes = {"BotVersion": self.name}

    def update_from(self, original: EmulatedResource) -> None:
        self.create()  # CloudFormation publishes a new version; the old one is deleted by the service later


class LexBotAlias(EmulatedResource):
    """AWS::Lex::BotAlias: Ref is `aliasId|botId` (as in CloudFormation); GetAtt BotAliasId and Arn."""

    CFN_TYPE = "AWS::Lex::BotAlias"
    ATTRIBUTES = ("BotAliasId", "Arn")

    def create(self) -> None:
        alias_id = _short_id()
        bot_id = self.properties.get("BotId", "")
        self.name = f"{alias_id}|{bot_id}"
        self.attributes = {"BotAliasId": alias_id, "Arn": self.arn("lex", f"bot-alias/{bot_id}/{alias_id}")}

    def update_from(self, original: EmulatedResource) -> None:
        self.name, self.attributes = original.name, dict(original.attributes)


class GlueDatabase(EmulatedResource):
    """AWS::Glue::Database, created in moto's Glue backend (moto has the API but no CloudFormation model)."""

    CFN_TYPE = "AWS::Glue::Database"

    def _backend(self) -> Any:
        from moto.glue.models import glue_backends

        return glue_backends[self.account_id][self.region]

    def create(self) -> None:
        database_input = self.properties["DatabaseInput"]
        self.name = database_input["Name"]
        self._backend().create_database(self.name, database_input)

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_database(self.name)


class GlueTable(EmulatedResource):
    """AWS::Glue::Table in moto's Glue backend. Ref is the table name."""

    CFN_TYPE = "AWS::Glue::Table"

    def _backend(self) -> Any:
        from moto.glue.models import glue_backends

        return glue_backends[self.account_id][self.region]

    def create(self) -> None:
        table_input = self.properties["TableInput"]
        self.name = table_input["Name"]
        self.database = self.properties["DatabaseName"]
        self._backend().create_table(self.database, self.name, table_input)

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.glue.exceptions import DatabaseNotFoundException, TableNotFoundException

        # The database may have gone first: its tables went with it, as in Glue.
        with contextlib.suppress(DatabaseNotFoundException, TableNotFoundException):
            self._backend().delete_table(self.properties["DatabaseName"], self.name)


class AthenaWorkGroup(EmulatedResource):
    """AWS::Athena::WorkGroup in moto's Athena backend. Ref is the name."""

    CFN_TYPE = "AWS::Athena::WorkGroup"

    def _backend(self) -> Any:
        from moto.athena.models import athena_backends

        return athena_backends[self.account_id][self.region]

    def create(self) -> None:
        self.name = self.properties["Name"]
        self._backend().create_work_group(
            self.name,
            self.properties.get("WorkGroupConfiguration", {}),
            self.properties.get("Description", ""),
            self.properties.get("Tags", []),
        )

    def delete(self, account_id: str, region_name: str) -> None:
        backend = self._backend()
        # RecursiveDeleteOption: named queries go with the workgroup.
        for query_id in [q for q, query in backend.named_queries.items() if query.workgroup.name == self.name]:
            backend.named_queries.pop(query_id)
        backend.delete_work_group(self.name)


class AthenaNamedQuery(EmulatedResource):
    """AWS::Athena::NamedQuery in moto's Athena backend. Ref is the query id."""

    CFN_TYPE = "AWS::Athena::NamedQuery"
    ATTRIBUTES = ("NamedQueryId",)

    def _backend(self) -> Any:
        from moto.athena.models import athena_backends

        return athena_backends[self.account_id][self.region]

    def create(self) -> None:
        self.name = self._backend().create_named_query(
            self.properties.get("Name", self.logical_id),
            self.properties.get("Description", ""),
            self.properties["Database"],
            self.properties["QueryString"],
            self.properties.get("WorkGroup", "primary"),
        )
        self.attributes = {"NamedQueryId": self.name}

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().named_queries.pop(self.name, None)


class CloudWatchAlarm(EmulatedResource):
    """AWS::CloudWatch::Alarm (single metric or metric math) through moto's `put_metric_alarm`."""

    CFN_TYPE = "AWS::CloudWatch::Alarm"
    ATTRIBUTES = ("Arn",)

    def _backend(self) -> Any:
        from moto.cloudwatch.models import cloudwatch_backends

        return cloudwatch_backends[self.account_id][self.region]

    def create(self) -> None:
        from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

        p = self.properties
        self.name = p.get("AlarmName") or f"{self.logical_id}-{_short_id(8)}"
        queries = []
        for query in p.get("Metrics", []):
            stat = query.get("MetricStat")
            metric_stat = None
            if stat:
                metric = stat["Metric"]
                metric_stat = MetricStat(
                    metric=Metric(
                        metric_name=metric["MetricName"],
                        namespace=metric.get("Namespace"),
                        dimensions=[Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])],
                    ),
                    period=stat.get("Period"),
                    stat=stat.get("Stat"),
                    unit=stat.get("Unit"),
                )
            queries.append(
                MetricDataQuery(
                    query_id=query["Id"],
                    label=query.get("Label"),
                    period=query.get("Period"),
                    return_data=query.get("ReturnData"),
                    expression=query.get("Expression"),
                    metric_stat=metric_stat,
                )
            )
        alarm = self._backend().put_metric_alarm(
            name=self.name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=p.get("Period"),
            threshold=p.get("Threshold"),
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription"),
            dimensions=p.get("Dimensions", []),
            alarm_actions=p.get("AlarmActions", []),
            metric_data_queries=queries or None,
            datapoints_to_alarm=p.get("DatapointsToAlarm"),
            extended_statistic=p.get("ExtendedStatistic"),
            ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []),
            unit=p.get("Unit"),
            actions_enabled=str(p.get("ActionsEnabled", "true")).lower() == "true",
            treat_missing_data=p.get("TreatMissingData"),
            threshold_metric_id=p.get("ThresholdMetricId"),
        )
        self.attributes = {"Arn": alarm.alarm_arn}

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_alarms([self.name])


def _apply_table_options(account_id: str, region: str, name: str, ttl: Any, pitr: Any) -> None:
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[account_id][region]
    if ttl:
        backend.update_time_to_live(name, ttl)
    if pitr:
        enabled = str(pitr.get("PointInTimeRecoveryEnabled", False)).lower() == "true"
        backend.update_continuous_backups(name, {"PointInTimeRecoveryEnabled": enabled})


class DynamoDBGlobalTable(EmulatedResource):
    """AWS::DynamoDB::GlobalTable (CDK's TableV2): the replica of this region, as a moto table."""

    CFN_TYPE = "AWS::DynamoDB::GlobalTable"
    ATTRIBUTES = ("Arn", "StreamArn", "TableId")

    def _backend(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self.account_id][self.region]

    def create(self) -> None:
        p = self.properties
        self.name = p.get("TableName") or f"{self.logical_id}-{_short_id(12)}"
        replica = next((r for r in p.get("Replicas", []) if r.get("Region") in (None, self.region)), {})
        sse = p.get("SSESpecification")
        table = self._backend().create_table(
            name=self.name,
            schema=p["KeySchema"],
            throughput=None,
            attr=p.get("AttributeDefinitions", []),
            global_indexes=p.get("GlobalSecondaryIndexes", []),
            indexes=p.get("LocalSecondaryIndexes", []),
            streams=p.get("StreamSpecification"),
            billing_mode=p.get("BillingMode", "PAY_PER_REQUEST"),
            sse_specification={"Enabled": sse.get("SSEEnabled"), "SSEType": sse.get("SSEType")} if sse else None,
            tags=replica.get("Tags", []),
            deletion_protection_enabled=replica.get("DeletionProtectionEnabled", False),
            warm_throughput=None,
        )
        _apply_table_options(
            self.account_id,
            self.region,
            self.name,
            p.get("TimeToLiveSpecification"),
            replica.get("PointInTimeRecoverySpecification"),
        )
        self.attributes = {"Arn": table.table_arn, "TableId": str(uuid.uuid4())}
        if p.get("StreamSpecification"):
            self.attributes["StreamArn"] = table.describe()["TableDescription"]["LatestStreamArn"]

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_table(self.name)


class Budget(EmulatedResource):
    """AWS::Budgets::Budget in moto's Budgets backend (a global service: one backend per partition)."""

    CFN_TYPE = "AWS::Budgets::Budget"

    def _backend(self) -> Any:
        from moto.budgets.models import budgets_backends

        return budgets_backends[self.account_id]["aws"]

    def create(self) -> None:
        budget = dict(self.properties["Budget"])
        self.name = budget.setdefault("BudgetName", f"{self.logical_id}-{_short_id(8)}")
        notifications = [
            {"Notification": entry["Notification"], "Subscribers": entry.get("Subscribers", [])}
            for entry in self.properties.get("NotificationsWithSubscribers", [])
        ]
        self._backend().create_budget(self.account_id, budget, notifications)

    def delete(self, account_id: str, region_name: str) -> None:
        self._backend().delete_budget(self.account_id, self.name)


class S3BucketPolicy(EmulatedResource):
    """AWS::S3::BucketPolicy: moto skips it, so bucket policies (TLS-only, among others) were never applied."""

    CFN_TYPE = "AWS::S3::BucketPolicy"

    def create(self) -> None:
        from moto.s3.models import s3_backends

        self.name = self.properties["Bucket"]
        document = self.properties["PolicyDocument"]
        s3_backends[self.account_id]["aws"].put_bucket_policy(self.name, json.dumps(document).encode())

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.s3.exceptions import MissingBucket
        from moto.s3.models import s3_backends

        with contextlib.suppress(MissingBucket):
            s3_backends[self.account_id]["aws"].delete_bucket_policy(self.name)


# ---- CDK's custom resources. moto would invoke their Lambda handlers in Docker (not available here, and the
# ---- stack would then wait for a response forever), so each is implemented against moto's backends.


def _s3(account_id: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


def empty_bucket(account_id: str, bucket_name: str, prefix: str = "") -> int:
    """Delete every object version and delete marker under `prefix`; returns how many were removed."""
    backend = _s3(account_id)
    bucket = backend.get_bucket(bucket_name)
    removed = 0
    # moto 5.2.5: FakeBucket.keys is a _VersionedKeyStore (name -> list of FakeKey/FakeDeleteMarker).
    for key_name in [name for name in list(bucket.keys.keys()) if name.startswith(prefix)]:
        for version in list(bucket.keys.getlist(key_name, [])):
            backend.delete_object(bucket_name, key_name, version_id=version.version_id, bypass=True)
            removed += 1
        if key_name in bucket.keys and not bucket.keys.getlist(key_name):
            del bucket.keys[key_name]
    return removed


class S3AutoDeleteObjects(EmulatedResource):
    """Custom::S3AutoDeleteObjects (`autoDeleteObjects=True`): empties the bucket when the stack deletes it."""

    CFN_TYPE = "Custom::S3AutoDeleteObjects"

    def create(self) -> None:
        self.name = f"{self.properties['BucketName']}-auto-delete"

    def update_from(self, original: EmulatedResource) -> None:
        self.name = f"{self.properties['BucketName']}-auto-delete"

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.s3.exceptions import MissingBucket

        with contextlib.suppress(MissingBucket):
            empty_bucket(self.account_id, self.properties["BucketName"])


class CDKBucketDeployment(EmulatedResource):
    """Custom::CDKBucketDeployment (aws_s3_deployment): unzips each source asset into the destination.

    Honours DestinationBucketKeyPrefix, Extract (false copies the zip as is), SourceMarkers (the
    placeholders of Source.data/json_data) and Prune (keys under the prefix not in the sources go), and
    on delete RetainOnDelete=false. Not emulated: Distribution invalidation, SystemMetadata/user metadata.
    """

    CFN_TYPE = "Custom::CDKBucketDeployment"
    ATTRIBUTES = ("DestinationBucketArn", "SourceObjectKeys")

    def _prefix(self) -> str:
        prefix = self.properties.get("DestinationBucketKeyPrefix", "")
        return prefix if not prefix or prefix.endswith("/") else f"{prefix}/"

    def create(self) -> None:
        backend = _s3(self.account_id)
        destination = self.properties["DestinationBucketName"]
        prefix = self._prefix()
        extract = str(self.properties.get("Extract", "true")).lower() == "true"
        markers_list = self.properties.get("SourceMarkers") or []
        written: set[str] = set()
        for index, (bucket, key) in enumerate(
            zip(self.properties["SourceBucketNames"], self.properties["SourceObjectKeys"], strict=True)
        ):
            archive = backend.get_object(bucket, key).value
            if not extract:
                backend.put_object(destination, prefix + key, archive)
                written.add(prefix + key)
                continue
            markers = markers_list[index] if index < len(markers_list) else {}
            with zipfile.ZipFile(io.BytesIO(archive)) as source:
                for member in source.infolist():
                    if member.is_dir():
                        continue
                    body = source.read(member)
                    for marker, value in (markers or {}).items():
                        body = body.replace(marker.encode(), str(value).encode())
                    backend.put_object(destination, prefix + member.filename, body)
                    written.add(prefix + member.filename)
        if str(self.properties.get("Prune", "true")).lower() == "true":
            bucket_keys = backend.get_bucket(destination).keys
            for stale in [k for k in list(bucket_keys.keys()) if k.startswith(prefix) and k not in written]:
                backend.delete_object(destination, stale)
        self.name = f"aws.cdk.s3deployment.{_short_id(12)}"
        self.attributes = {"DestinationBucketArn": f"arn:aws:s3:::{destination}", "SourceObjectKeys": sorted(written)}

    def update_from(self, original: EmulatedResource) -> None:
        self.create()
        self.name = original.name

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.s3.exceptions import MissingBucket

        if str(self.properties.get("RetainOnDelete", "true")).lower() == "false":
            with contextlib.suppress(MissingBucket):
                empty_bucket(self.account_id, self.properties["DestinationBucketName"], self._prefix())


class VpcRestrictDefaultSG(EmulatedResource):
    """Custom::VpcRestrictDefaultSG (ec2.Vpc's restrictDefaultSecurityGroup): strips the default SG's rules."""

    CFN_TYPE = "Custom::VpcRestrictDefaultSG"

    def create(self) -> None:
        from moto.ec2.models import ec2_backends

        group_id = self.properties["DefaultSecurityGroupId"]
        group = ec2_backends[self.account_id][self.region].get_security_group_from_id(group_id)
        # moto 5.2.5: SecurityGroup keeps its rules in ingress_rules / egress_rules lists.
        group.ingress_rules.clear()
        group.egress_rules.clear()
        self.name = group_id

    def update_from(self, original: EmulatedResource) -> None:
        self.create()


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
        Budget,
        S3BucketPolicy,
        S3AutoDeleteObjects,
        CDKBucketDeployment,
        VpcRestrictDefaultSG,
    )
}


class UnsupportedCustomResource(Exception):
    """A Custom:: resource with no handler: failing the stack beats waiting forever for a Docker Lambda."""


# --------------------------------------------------------------------------------------------------------
# Delete handlers for moto models that can be created but never deleted
# --------------------------------------------------------------------------------------------------------


def _ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def _delete_flow_log(self: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).delete_flow_logs([self.id])


def _delete_internet_gateway(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    if self.vpc is not None:
        backend.detach_internet_gateway(self.id, self.vpc.id)
    backend.delete_internet_gateway(self.id)


def _delete_gateway_attachment(self: Any, account_id: str, region_name: str) -> None:
    from moto.ec2.exceptions import GatewayNotAttachedError, InvalidInternetGatewayIdError

    # A VPN gateway attachment, or the gateway went first: nothing to detach.
    with contextlib.suppress(GatewayNotAttachedError, InvalidInternetGatewayIdError):
        _ec2(account_id, region_name).detach_internet_gateway(self.gateway_id, self.vpc_id)


def _delete_route_table(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    # moto 5.2.5: RouteTable._associations maps association id -> subnet id.
    for association_id in list(self._associations):
        backend.disassociate_route_table(association_id)
    backend.delete_route_table(self.id)


def _delete_route(self: Any, account_id: str, region_name: str) -> None:
    from moto.ec2.exceptions import InvalidRouteError, InvalidRouteTableIdError

    with contextlib.suppress(InvalidRouteError, InvalidRouteTableIdError):
        _ec2(account_id, region_name).delete_route(
            self.route_table.id, self.destination_cidr_block, self.destination_ipv6_cidr_block
        )


def _delete_subnet_association(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    route_table = backend.route_tables.get(self.route_table_id)
    if route_table is None:
        return
    for association_id, subnet_id in list(route_table._associations.items()):
        if subnet_id == self.subnet_id:
            backend.disassociate_route_table(association_id)


def _delete_vpc_endpoint(self: Any, account_id: str, region_name: str) -> None:
    backend = _ec2(account_id, region_name)
    # moto removes a gateway endpoint's routes table by table; a table the stack deleted first has none left.
    # (moto swallows a TypeError from a delete: an interface endpoint's route_table_ids is None.)
    if self.route_table_ids:
        self.route_table_ids = [table for table in self.route_table_ids if table in backend.route_tables]
    backend.delete_vpc_endpoints([self.id])


def _delete_managed_policy(self: Any, account_id: str, region_name: str) -> None:
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    # CloudFormation detaches a managed policy it deletes; moto's delete_policy refuses an attached one.
    for role in backend.roles.values():
        role.managed_policies.pop(self.arn, None)
    for user in backend.users.values():
        user.managed_policies.pop(self.arn, None)
    for group in backend.groups.values():
        group.managed_policies.pop(self.arn, None)
    self.attachment_count = 0
    backend.delete_policy(self.arn)


def delete_handlers() -> dict[type, Callable[..., None]]:
    """moto model class -> `delete(self, account_id, region_name)` to add to it."""
    from moto.ec2.models.flow_logs import FlowLogs
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
    from moto.iam.models import ManagedPolicy

    return {
        FlowLogs: _delete_flow_log,
        InternetGateway: _delete_internet_gateway,
        VPCGatewayAttachment: _delete_gateway_attachment,
        RouteTable: _delete_route_table,
        Route: _delete_route,
        SubnetRouteTableAssociation: _delete_subnet_association,
        VPCEndPoint: _delete_vpc_endpoint,
        ManagedPolicy: _delete_managed_policy,
    }


# --------------------------------------------------------------------------------------------------------
# install(): wire everything into moto
# --------------------------------------------------------------------------------------------------------

_INSTALLED: list[str] = []  # names of the extensions applied in this process


def _install_resource_handlers() -> None:
    from moto.cloudformation import parsing

    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        if resource_type in HANDLERS:
            return HANDLERS[resource_type]
        if resource_type.startswith("Custom::"):
            raise UnsupportedCustomResource(
                f"{resource_type}: the emulator has no handler for this custom resource "
                "(moto would invoke its Lambda in Docker); add one to tests/e2e/emulator.py"
            )
        model = original(resource_type)
        if model is None and resource_type not in parsing.NULL_MODELS:
            SKIPPED_TYPES.add(resource_type)
        return model

    # moto 5.2.5: parsing.py resolves every resource type through this module-level function.
    parsing.resource_class_from_type = resource_class_from_type


def _install_get_stack_output() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import cloudformation_backends

    original = parsing.clean_json

    # cdk.json sets "@aws-cdk/core:defaultCrossStackReferences": "weak": cross-stack values are read with
    # the `Fn::GetStackOutput` intrinsic, which moto 5.2.5 does not know (it left the dict in place, and
    # e.g. IAM then rejected the policy as malformed). Resolved here from the producing stack's outputs.
    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
            spec = original(resource_json["Fn::GetStackOutput"], resources_map)
            region = spec.get("Region") or resources_map._region_name
            backend = cloudformation_backends[resources_map._account_id][region]
            for stack in backend.stacks.values():
                if stack.name == spec["StackName"]:
                    values = {output.key: output.value for output in stack.output_map.values() if output}
                    if spec["OutputName"] in values:
                        return values[spec["OutputName"]]
            raise ValidationError(
                message=f"Fn::GetStackOutput: stack {spec['StackName']} has no output {spec['OutputName']}"
            )
        return original(resource_json, resources_map)

    # moto 5.2.5: clean_json recurses through the module-level name, so nested uses resolve too.
    parsing.clean_json = clean_json


def _install_delete_handlers() -> None:
    for model, handler in delete_handlers().items():
        # If moto gains its own delete, prefer it and drop ours (checked so an upgrade cannot go unnoticed).
        assert "delete" not in vars(model), f"moto now deletes {model.__name__}: remove the emulator's handler"
        model.delete = handler  # type: ignore[attr-defined]


def _install_dlami_parameters() -> None:
    from moto.ssm.models import Parameter, ParameterDict

    original = ParameterDict._check_loading_status
    names = dlami_parameter_names()

    # moto 5.2.5 loads its built-in public parameters lazily, per prefix, in _check_loading_status.
    def _check_loading_status(self: Any, key: str) -> None:
        original(self, key)
        if str(key or "").startswith("/aws/service/deeplearning") and not getattr(self, "dlami_loaded", False):
            self.dlami_loaded = True
            for name in names:
                # defaultdict's own __getitem__: ParameterDict's would re-enter this loader.
                defaultdict.__getitem__(self, name).append(
                    Parameter(
                        account_id=self.account_id,
                        name=name,
                        value=EMULATED_DLAMI_ID,
                        parameter_type="String",
                        description=None,
                        allowed_pattern=None,
                        keyid=None,
                        last_modified_date=time.time(),
                        version=1,
                        data_type="aws:ec2:image",
                    )
                )

    ParameterDict._check_loading_status = _check_loading_status  # type: ignore[method-assign]


def _complete_cloudformation_create(model: Any, complete: Callable[[Any, dict[str, Any], str, str], None]) -> None:
    """After moto creates a `model` from a template, `complete(resource, properties, account, region)` sets
    what moto's own create_from_cloudformation_json dropped."""
    original = model.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        resource = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        complete(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    model.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def _install_function_properties() -> None:
    from moto.awslambda.models import LambdaFunction

    # moto 5.2.5 builds a CloudFormation function from a fixed list of properties that leaves out Layers,
    # Architectures and TracingConfig (so arm64 read back as x86_64 and layers were never checked).
    def complete(function: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        if properties.get("Layers"):
            # A Ref to a stack's own AWS::Lambda::LayerVersion resolves to moto's object, not its ARN.
            arns = [layer if isinstance(layer, str) else layer.arn for layer in properties["Layers"]]
            function.layers = function._get_layers_data(arns)
        if properties.get("Architectures"):
            function.architectures = properties["Architectures"]
        if properties.get("TracingConfig"):
            function.tracing_config = properties["TracingConfig"]

    _complete_cloudformation_create(LambdaFunction, complete)


def _install_kms_key_tags() -> None:
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    # moto 5.2.5 hands a CloudFormation key's Tags ({Key, Value}, the template's shape) to the KMS tagger,
    # which reads the API's shape ({TagKey, TagValue}) and fails with KeyError: 'TagKey'.
    def create_from_cloudformation_json(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["Tags"] = [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in properties.get("Tags", [])]
        return original(
            cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs
        )

    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[assignment]


def _install_table_properties() -> None:
    from moto.dynamodb.models.table import Table

    # moto 5.2.5 creates an AWS::DynamoDB::Table without its TimeToLiveSpecification and point-in-time
    # recovery; both are applied here so the checks can read them back.
    def complete(table: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        _apply_table_options(
            account_id,
            region_name,
            table.name,
            properties.get("TimeToLiveSpecification"),
            properties.get("PointInTimeRecoverySpecification"),
        )

    _complete_cloudformation_create(Table, complete)


def _install_notebook_properties() -> None:
    from moto.sagemaker.models import FakeSagemakerNotebookInstance

    # CloudFormation property -> attribute of moto's notebook that DescribeNotebookInstance reports.
    kept = {
        "LifecycleConfigName": "lifecycle_config_name",
        "KmsKeyId": "kms_key_id",
        "RootAccess": "root_access",
        "DirectInternetAccess": "direct_internet_access",
        "VolumeSizeInGB": "volume_size_in_gb",
    }

    # moto 5.2.5 creates a CloudFormation notebook from its instance type and role only, dropping the
    # lifecycle config, KMS key, root access and internet access the template sets.
    def complete(notebook: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        for key, attribute in kept.items():
            if key in properties:
                assert hasattr(notebook, attribute), f"moto's notebook lost {attribute}: revisit this extension"
                setattr(notebook, attribute, properties[key])

    _complete_cloudformation_create(FakeSagemakerNotebookInstance, complete)


def _install_instance_launch_template() -> None:
    from moto.ec2.models.instances import Instance, MetadataOptions

    # moto 5.2.5 ignores an AWS::EC2::Instance's LaunchTemplate, where CDK puts `require_imdsv2`
    # (MetadataOptions.HttpTokens=required): the instance read back IMDSv2 as optional. Metadata options
    # given on the instance or in its launch template version are applied here.
    def complete(instance: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        options = properties.get("MetadataOptions")
        reference = properties.get("LaunchTemplate")
        if reference and not options:
            backend = _ec2(account_id, region_name)
            template = (
                backend.get_launch_template(reference["LaunchTemplateId"])
                if reference.get("LaunchTemplateId")
                else backend.get_launch_template_by_name(reference["LaunchTemplateName"])
            )
            options = template.get_version(reference.get("Version", "$Default")).data.get("MetadataOptions")
        if options:
            instance.metadata_options = MetadataOptions(options)

    _complete_cloudformation_create(Instance, complete)


def _install_public_layers() -> None:
    from moto.awslambda.models import LayerStorage, LayerVersion
    from moto.awslambda.utils import split_layer_arn

    original = LayerStorage.get_layer_version_by_arn
    empty_zip = io.BytesIO()
    zipfile.ZipFile(empty_zip, "w").close()
    content = base64.b64encode(empty_zip.getvalue()).decode()

    def get_layer_version_by_arn(self: Any, layer_version_arn: str) -> Any:
        found = original(self, layer_version_arn)
        parts = layer_version_arn.split(":")
        if found is None and len(parts) == 8 and parts[4] in PUBLIC_LAYER_ACCOUNTS:
            arn = split_layer_arn(layer_version_arn)
            found = LayerVersion({"LayerName": arn.layer_name, "Content": {"ZipFile": content}}, parts[4], parts[3])
            found.version = int(arn.version)
        return found

    LayerStorage.get_layer_version_by_arn = get_layer_version_by_arn  # type: ignore[method-assign]


def evaluate_condition(condition: dict[str, Any], context: dict[str, str]) -> bool | None:
    """True/False for a policy Condition block over `context`; None when it uses anything else."""
    for operator, tests in condition.items():
        if operator not in ("Bool", "StringEquals"):
            return None
        for key, expected in tests.items():
            if key not in context:
                return None
            values = expected if isinstance(expected, list) else [expected]
            actual = context[key]
            if operator == "Bool":
                if actual.lower() not in [str(v).lower() for v in values]:
                    return False
            elif actual not in [str(v) for v in values]:
                return False
    return True


def _install_bucket_policy_conditions() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    # moto 5.2.5 FakeBucket.get_permission evaluates Deny statements but not their Condition (it only knows
    # StringEquals and treats an unmet condition as a Deny), so the bootstrap bucket's TLS-only policy
    # denied every asset upload. Statements whose condition does not hold are dropped before moto's check.
    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy.decode())
        statements = policy.get("Statement", [])
        kept = []
        for statement in statements if isinstance(statements, list) else [statements]:
            condition = statement.get("Condition")
            if condition:
                holds = evaluate_condition(condition, REQUEST_CONTEXT)
                if holds is False:
                    continue
                kept.append({k: v for k, v in statement.items() if k != "Condition"})
            else:
                kept.append(statement)
        return IAMPolicy(json.dumps({**policy, "Statement": kept})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def _find_change_set(backend: Any, name_or_arn: str, stack_name: str | None) -> Any:
    """The change set ExecuteChangeSet meant: by ARN, else the newest of that name (of that stack)."""
    if name_or_arn in backend.change_sets:
        return backend.change_sets[name_or_arn]
    matches = [
        cs
        for cs in backend.change_sets.values()
        if cs.change_set_name == name_or_arn and stack_name in (None, cs.stack_name, cs.stack_id)
    ]
    return matches[-1] if matches else None


def _install_stack_failure_reporting() -> None:
    from moto.cloudformation.exceptions import CloudFormationError, ValidationError
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.parsing import OutputMap

    execute_change_set = CloudFormationBackend.execute_change_set
    delete_stack = CloudFormationBackend.delete_stack

    def _message(action: str, error: Exception) -> str:
        return f"emulator: {action} failed: {type(error).__name__}: {error}"[:1000]

    # moto 5.2.5 answers a resource error inside ExecuteChangeSet with HTTP 500 (the CLI then reports an
    # XML parse error) and leaves the stack in REVIEW_IN_PROGRESS, where the next deploy waits forever.
    # Here the created resources are rolled back, the stack ends in ROLLBACK_COMPLETE (which the CLI knows
    # how to replace) and the error comes back as a readable ValidationError.
    #
    # moto 5.2.5 also keeps the outputs of the empty template a change-set stack starts with (only
    # UpdateStack rebuilds them), so a stack deployed by the CLI had no outputs: rebuilt here.
    def execute_change_set_reporting(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        # moto matches a change set by name across all stacks, and the CLI names every stack's alike.
        resolved = _find_change_set(self, change_set_name, stack_name)
        try:
            execute_change_set(self, resolved.change_set_id if resolved else change_set_name, stack_name)
            stack = self.stacks[resolved.stack_id]
            stack._parse_template()
            stack.description = stack.template_dict.get("Description")
            stack.output_map = stack._create_output_map()
            # Outputs resolve lazily in moto; an unresolvable one must fail the deploy, not every later
            # DescribeStacks (it surfaced as HTTP 500 while serializing the answer).
            list(stack.output_map.values())
        except CloudFormationError:
            raise
        except Exception as error:
            log.warning("deploying %s failed", stack_name or change_set_name, exc_info=True)
            stack = self.stacks.get(resolved.stack_id) if resolved is not None else None
            if stack is not None:
                stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)
                if resolved.change_set_type == "CREATE":
                    try:
                        stack.resource_map.delete()
                    except Exception:
                        log.warning("rollback of %s left resources behind", stack.name)
                    stack.status = "ROLLBACK_COMPLETE"
                else:
                    stack.status = "UPDATE_ROLLBACK_COMPLETE"
                stack._add_stack_event(stack.status, resource_status_reason=_message("deploy", error))
            raise ValidationError(message=_message(f"deploying {stack_name or change_set_name}", error)) from error

    # moto 5.2.5 pops a stack before deleting its resources, so a failed delete made the stack vanish and left
    # its resources behind unseen. Here the stack stays, in DELETE_FAILED, and the error is reported.
    def delete_stack_reporting(self: Any, name_or_stack_id: str) -> None:
        stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None)
        try:
            delete_stack(self, name_or_stack_id)
        except CloudFormationError:
            raise
        except Exception as error:
            log.warning("deleting %s failed", name_or_stack_id, exc_info=True)
            if stack is not None:
                self.deleted_stacks.pop(stack.stack_id, None)
                self.stacks[stack.stack_id] = stack
                stack.status = "DELETE_FAILED"
                stack._add_stack_event("DELETE_FAILED", resource_status_reason=_message("delete", error))
            raise ValidationError(message=_message(f"deleting {name_or_stack_id}", error)) from error

    CloudFormationBackend.execute_change_set = execute_change_set_reporting  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = delete_stack_reporting  # type: ignore[method-assign]


def _install_bucket_properties() -> None:
    from moto.s3.models import FakeBucket, s3_backends

    # moto 5.2.5 creates an AWS::S3::Bucket with its encryption and tags only; the public access block
    # and versioning the app's buckets declare are applied here so checks can read them back.
    assert "delete" not in vars(FakeBucket), "moto now deletes buckets itself: revisit this extension"

    def complete(bucket: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        backend = s3_backends[account_id]["aws"]
        if properties.get("PublicAccessBlockConfiguration"):
            backend.put_public_access_block(bucket.name, properties["PublicAccessBlockConfiguration"])
        status = properties.get("VersioningConfiguration", {}).get("Status")
        if status:
            backend.put_bucket_versioning(bucket.name, status)

    # moto 5.2.5 deletes a stack's bucket by calling delete_bucket, which silently keeps a non-empty bucket;
    # CloudFormation fails instead. Failing lets moto's delete loop retry the bucket after the resources
    # that empty it (Custom::S3AutoDeleteObjects), and makes a bucket nobody empties a visible DELETE_FAILED.
    def delete_from_cloudformation_json(
        cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        from moto.s3.exceptions import BucketNotEmpty, MissingBucket

        backend = s3_backends[account_id]["aws"]
        try:
            bucket = backend.get_bucket(resource_name)
        except MissingBucket:
            return
        if bucket.keys:
            raise BucketNotEmpty(resource_name)
        backend.delete_bucket(resource_name)

    _complete_cloudformation_create(FakeBucket, complete)
    FakeBucket.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)  # type: ignore[assignment]


def _install_ssm_parameter_values() -> None:
    from moto.cloudformation.models import Stack

    # moto 5.2.5 reports (and reuses for UsePreviousValue) the resolved value of an
    # `AWS::SSM::Parameter::Value<...>` parameter instead of its SSM path, so an update that keeps the
    # previous value looked the AMI id up as a parameter name and failed. CloudFormation keeps the path.
    def stack_parameters(self: Any) -> dict[str, Any]:
        values = dict(self.resource_map.resolved_parameters)
        for key, slot in (self.template_dict.get("Parameters") or {}).items():
            if str(slot.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                raw = self.resource_map.input_parameters.get(key, slot.get("Default"))
                if raw is not None:
                    values[key] = raw
        return values

    # moto compares a change set's parameters with those the stack was created with, which the CLI never
    # passes (defaults): every update of a stack with parameters became a change. Compared with the
    # stack's effective values instead, an unchanged redeploy is "no changes", as in CloudFormation.
    def has_parameters(self: Any, other_parameters: dict[str, Any]) -> bool:
        current = stack_parameters(self)
        return all(current.get(key) == value for key, value in (other_parameters or {}).items())

    Stack.stack_parameters = property(stack_parameters)  # type: ignore[assignment,method-assign]
    Stack.has_parameters = has_parameters  # type: ignore[method-assign]


def _install_change_sets_per_stack() -> None:
    from moto.cloudformation.exceptions import CloudFormationError
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult, EmptyResult

    class ChangeSetNotFound(CloudFormationError):
        code = "ChangeSetNotFoundException"

    def resolve(response: Any) -> str:
        name, stack = response._get_param("ChangeSetName"), response._get_param("StackName")
        found = _find_change_set(response.cloudformation_backend, name, stack)
        if found is None:
            raise ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
        return found.change_set_id

    # moto 5.2.5 finds a change set by name alone, across stacks, and answers an unknown one with a
    # ValidationError. The CLI names every stack's change set `cdk-deploy-change-set`, deletes it, then
    # polls until DescribeChangeSet says ChangeSetNotFound: moto deleted another stack's change set and
    # kept describing one, so a redeploy of any stack the CLI cannot skip (SSM parameters) hung forever.
    def describe_change_set(self: Any) -> Any:
        return ActionResult(self.cloudformation_backend.describe_change_set(change_set_name=resolve(self)))

    def delete_change_set(self: Any) -> Any:
        self.cloudformation_backend.delete_change_set(change_set_name=resolve(self))
        return EmptyResult()

    CloudFormationResponse.describe_change_set = describe_change_set  # type: ignore[method-assign]
    CloudFormationResponse.delete_change_set = delete_change_set  # type: ignore[method-assign]


def _install_lifecycle_config_listing() -> None:
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    assert not hasattr(SageMakerResponse, "list_notebook_instance_lifecycle_configs"), "moto lists them now"

    # moto 5.2.5 lacks ListNotebookInstanceLifecycleConfigs, so the leftovers check could not see a
    # lifecycle config a destroy left behind. Names and ARNs only (no filters or paging: a sandbox has few).
    def list_notebook_instance_lifecycle_configs(self: Any) -> Any:
        configs = self.sagemaker_backend.notebook_instance_lifecycle_configurations.values()
        return ActionResult(
            {
                "NotebookInstanceLifecycleConfigs": [
                    {
                        "NotebookInstanceLifecycleConfigName": config.notebook_instance_lifecycle_config_name,
                        "NotebookInstanceLifecycleConfigArn": config.arn,
                        "CreationTime": config.creation_time,
                        "LastModifiedTime": config.last_modified_time,
                    }
                    for config in configs
                ]
            }
        )

    SageMakerResponse.list_notebook_instance_lifecycle_configs = list_notebook_instance_lifecycle_configs  # type: ignore[attr-defined]


def install() -> None:
    """Apply every extension to the moto imported in this process (idempotent)."""
    if _INSTALLED:
        return
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(f"emulator extensions are written for moto {MOTO_VERSION}, found {moto.__version__}")
    _install_resource_handlers()
    _install_get_stack_output()
    _install_delete_handlers()
    _install_dlami_parameters()
    _install_function_properties()
    _install_table_properties()
    _install_kms_key_tags()
    _install_notebook_properties()
    _install_instance_launch_template()
    _install_public_layers()
    _install_bucket_policy_conditions()
    _install_bucket_properties()
    _install_stack_failure_reporting()
    _install_change_sets_per_stack()
    _install_ssm_parameter_values()
    _install_lifecycle_config_listing()
    _INSTALLED.append(MOTO_VERSION)


# --------------------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------------------


class Emulator:
    """moto server with the extensions, on a free port of localhost, in a daemon thread of this process."""

    def __init__(self, port: int = 0):
        self.port = port
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        # `localhost`, not 127.0.0.1: S3 virtual-hosted addressing resolves <bucket>.localhost.
        return f"http://localhost:{self.port}"

    def start(self) -> Emulator:
        from moto.server import ThreadedMotoServer

        install()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on localhost (default: a free one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="emulator: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    emulator = Emulator(args.port).start()
    print(f"READY {emulator.endpoint}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    if SKIPPED_TYPES:
        print(f"SKIPPED {json.dumps(sorted(SKIPPED_TYPES))}", flush=True)
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
