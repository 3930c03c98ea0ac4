"""Delete fixes: moto models that CloudFormation can create but moto never deletes (or deletes wrongly).

Without them a destroy "succeeds" and leaves route tables, gateways, flow logs, endpoints and attached
managed policies behind, or a non-empty bucket silently stays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from mlstack.emulator.backends import ec2_backend


def _delete_flow_log(self: Any, account_id: str, region_name: str) -> None:
    ec2_backend(account_id, region_name).delete_flow_logs([self.id])


def _delete_internet_gateway(self: Any, account_id: str, region_name: str) -> None:
    backend = ec2_backend(account_id, region_name)
    if self.vpc is not None:
        backend.detach_internet_gateway(self.id, self.vpc.id)
    backend.delete_internet_gateway(self.id)


def _delete_gateway_attachment(self: Any, account_id: str, region_name: str) -> None:
    from moto.ec2.exceptions import GatewayNotAttachedError, InvalidInternetGatewayIdError

    # A VPN gateway attachment, or the gateway went first: nothing to detach.
    with contextlib.suppress(GatewayNotAttachedError, InvalidInternetGatewayIdError):
        ec2_backend(account_id, region_name).detach_internet_gateway(self.gateway_id, self.vpc_id)


def _delete_route_table(self: Any, account_id: str, region_name: str) -> None:
    backend = ec2_backend(account_id, region_name)
    # moto 5.2.5: RouteTable._associations maps association id -> subnet id.
    for association_id in list(self._associations):
        backend.disassociate_route_table(association_id)
    backend.delete_route_table(self.id)


def _delete_route(self: Any, account_id: str, region_name: str) -> None:
    from moto.ec2.exceptions import InvalidRouteError, InvalidRouteTableIdError

    with contextlib.suppress(InvalidRouteError, InvalidRouteTableIdError):
        ec2_backend(account_id, region_name).delete_route(
            self.route_table.id, self.destination_cidr_block, self.destination_ipv6_cidr_block
        )


def _delete_subnet_association(self: Any, account_id: str, region_name: str) -> None:
    backend = ec2_backend(account_id, region_name)
    route_table = backend.route_tables.get(self.route_table_id)
    if route_table is None:
        return
    for association_id, subnet_id in list(route_table._associations.items()):
        if subnet_id == self.subnet_id:
            backend.disassociate_route_table(association_id)


def _delete_vpc_endpoint(self: Any, account_id: str, region_name: str) -> None:
    backend = ec2_backend(account_id, region_name)
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


def install_delete_handlers() -> None:
    """Give each model of `delete_handlers()` its delete."""
    for model, handler in delete_handlers().items():
        # If moto gains its own delete, prefer it and drop ours (checked so an upgrade cannot go unnoticed).
        assert "delete" not in vars(model), f"moto now deletes {model.__name__}: remove the emulator's handler"
        model.delete = handler  # type: ignore[attr-defined]


def install_bucket_delete() -> None:
    """A stack's non-empty bucket fails its delete, as in CloudFormation."""
    from moto.s3.models import FakeBucket, s3_backends

    assert "delete" not in vars(FakeBucket), "moto now deletes buckets itself: revisit this extension"

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

    FakeBucket.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)  # type: ignore[assignment]
