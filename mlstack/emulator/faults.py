"""Fault injection: the next CloudFormation create of a named resource type fails, to test rollback.

`python -m mlstack.emulator --fail-next-create AWS::Glue::Table` arms it from the start (repeatable, once per
type): the stack deploying that type fails in the middle, after the resources before it were created, and
`cloudformation.install_stack_failure_reporting` rolls it back. A second create of the type succeeds, so a
retried deploy against the same emulator can prove the failed one left nothing in its way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FAIL_NEXT_CREATE: set[str] = set()


class InjectedFault(Exception):
    """The failure asked for with `--fail-next-create`."""


def arm(resource_types: Iterable[str]) -> None:
    """Make the next create of each of `resource_types` fail (once)."""
    FAIL_NEXT_CREATE.update(resource_types)


def install_fault_injection() -> None:
    from moto.cloudformation import parsing

    create = parsing.parse_and_create_resource

    # moto 5.2.5: ResourceMap creates every resource through this module-level function.
    def parse_and_create_resource(
        logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str, region_name: str
    ) -> Any:
        resource_type = resource_json.get("Type", "")
        condition = resource_json.get("Condition")
        skipped = condition and not resources_map.lazy_condition_map[condition]
        if resource_type in FAIL_NEXT_CREATE and not skipped:
            FAIL_NEXT_CREATE.discard(resource_type)
            raise InjectedFault(f"injected failure creating {logical_id} ({resource_type})")
        return create(logical_id, resource_json, resources_map, account_id, region_name)

    parsing.parse_and_create_resource = parse_and_create_resource
