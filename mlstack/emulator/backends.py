"""moto's backends by account and region, for the extensions that act on them directly."""

from __future__ import annotations

from typing import Any


def ec2_backend(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]
