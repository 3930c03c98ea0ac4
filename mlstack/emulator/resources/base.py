"""The base of the CloudFormation handlers for resource types moto lacks: moto's model protocol, once."""

from __future__ import annotations

import uuid
from typing import Any


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


def short_id(length: int = 10) -> str:
    return uuid.uuid4().hex[:length].upper()
