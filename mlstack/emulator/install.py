"""`install()`: apply every extension to the moto imported in this process, once, after checking moto's version.

The extensions use moto internals, which is why requirements-dev.txt pins moto exactly: `install()` refuses
another version, the internal each one relies on is named next to it, and where moto could grow the feature
itself an assert says so.

Extension point: INSTALLERS is the ordered list of what `install()` applies. A new emulated gap adds its
`install_*` function here; one that serves requests moto does not know (e.g. a service's runtime API)
registers its WSGI handler from that function with `mlstack.emulator.wsgi.register_request_handler`.
"""

from __future__ import annotations

from collections.abc import Callable

from mlstack.emulator import (
    ai_services,
    catalogue,
    cloudformation,
    deletes,
    faults,
    missing_apis,
    policies,
    properties,
    resources,
)
from mlstack.emulator.lex.runtime_api import install_lex_runtime

MOTO_VERSION = "5.2.5"

INSTALLERS: list[Callable[[], None]] = [
    resources.install_resource_handlers,
    cloudformation.install_get_stack_output,
    deletes.install_delete_handlers,
    catalogue.install_dlami_parameters,
    properties.install_function_properties,
    properties.install_table_properties,
    properties.install_kms_key_tags,
    properties.install_notebook_properties,
    properties.install_endpoint_names,
    properties.install_instance_launch_template,
    catalogue.install_public_layers,
    policies.install_bucket_policy_conditions,
    properties.install_bucket_properties,
    deletes.install_bucket_delete,
    cloudformation.install_stack_failure_reporting,
    cloudformation.install_change_sets_per_stack,
    cloudformation.install_ssm_parameter_values,
    missing_apis.install_lifecycle_config_listing,
    install_lex_runtime,
    ai_services.install_ai_services,
    faults.install_fault_injection,
]

_INSTALLED: list[str] = []  # the moto version the extensions were applied to, once per process


def check_moto_version(found: str) -> None:
    """Refuse a moto the extensions were not written for (they patch its internals)."""
    if found != MOTO_VERSION:
        raise RuntimeError(f"emulator extensions are written for moto {MOTO_VERSION}, found {found}")


def install() -> None:
    """Apply every extension of INSTALLERS to the moto imported in this process (idempotent)."""
    if _INSTALLED:
        return
    import moto

    check_moto_version(moto.__version__)
    for installer in INSTALLERS:
        installer()
    _INSTALLED.append(MOTO_VERSION)
