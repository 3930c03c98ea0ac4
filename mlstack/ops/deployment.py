"""One deployment of the app, as every command sees it: its settings, region, clients, stacks and their outputs.

Built once per command from the settings (cdk.json and `-c`), `--prefix` and the region order
(stacks.config.resolve_region). Stack names come from stacks.naming only; every read of a stack's outputs
goes through `outputs()`, whose two failures are typed: StackNotDeployed and OutputMissing, each one line
and exit 3 in the error model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, NoCredentialsError

from mlstack.ops import ui
from mlstack.ops.aws import ClientFactory, cached_clients
from mlstack.ops.sessions import new_session
from stacks import naming
from stacks.config import Settings
from stacks.naming import Layer


class StackNotDeployed(ui.CommandError):
    """The layer's stack does not exist under this prefix and region."""

    def __init__(self, stack: str, region: str, prefix: str) -> None:
        super().__init__(
            f"stack {stack} is not deployed in {region}: deploy its layer first "
            f"(mlstack cdk deploy --all --prefix {prefix})",
            ui.EXIT_AWS_ERROR,
        )
        self.stack = stack


class OutputMissing(ui.CommandError):
    """The stack exists but lacks an output (an older or failed deploy of it)."""

    def __init__(self, stack: str, key: str, prefix: str) -> None:
        super().__init__(
            f"stack {stack} has no output {key}: redeploy it with this version "
            f"(mlstack cdk deploy --all --prefix {prefix})",
            ui.EXIT_AWS_ERROR,
        )
        self.stack = stack
        self.key = key


def _not_found(error: ClientError) -> bool:
    info = error.response.get("Error", {})
    return info.get("Code") == "ValidationError" and "does not exist" in info.get("Message", "")


@dataclass
class Deployment:
    """A prefix's stacks in one region, and the clients to reach them (one per service, cached)."""

    settings: Settings
    region: str
    client: ClientFactory
    endpoint_url: str | None = None
    session: Any = field(default=None, repr=False)
    _outputs: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(
        cls,
        context: Iterable[str] = (),
        prefix: str | None = None,
        *,
        session: Any = None,
        endpoint_url: str | None = None,
    ) -> Deployment:
        """From `-c key=value` pairs and `--prefix`: settings validated as the app validates them (SettingsError,
        exit 2), the region they resolve to, and clients there."""
        from mlstack.ops import settings as ops_settings

        settings = ops_settings.load(ops_settings.parse_overrides(context, prefix))
        return cls.of(settings, session=session, endpoint_url=endpoint_url)

    @classmethod
    def of(cls, settings: Settings, *, session: Any = None, endpoint_url: str | None = None) -> Deployment:
        """For settings already loaded; `session` (default: a new one in the settings' region) for its clients."""
        from mlstack.ops import settings as ops_settings

        region = ops_settings.region_of(settings) if session is None else session.region_name
        session = session or new_session(region_name=region)
        return cls(settings, region, cached_clients(session, endpoint_url), endpoint_url, session)

    def require_credentials(self) -> None:
        """NoCredentialsError (one line, exit 3) before any call, when real AWS has no credentials to sign with.

        An emulator (`endpoint_url`) takes any."""
        if self.endpoint_url is None and self.session is not None and self.session.get_credentials() is None:
            raise NoCredentialsError()

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    def stack_name(self, layer: Layer) -> str:
        return naming.stack_name(self.settings.prefix, layer)

    def outputs(self, layer: Layer) -> dict[str, str]:
        """The deployed stack's outputs by key; StackNotDeployed when the stack does not exist."""
        name = self.stack_name(layer)
        if name not in self._outputs:
            try:
                stacks = self.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
            except ClientError as error:
                if _not_found(error):
                    raise StackNotDeployed(name, self.region, self.prefix) from None
                raise
            if not stacks or stacks[0].get("StackStatus") == "DELETE_COMPLETE":
                raise StackNotDeployed(name, self.region, self.prefix)
            self._outputs[name] = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) or []}
        return self._outputs[name]

    def output(self, layer: Layer, key: str) -> str:
        """One output of the layer's stack; StackNotDeployed or OutputMissing."""
        values = self.outputs(layer)
        if key not in values:
            raise OutputMissing(self.stack_name(layer), key, self.prefix)
        return values[key]

    def deployed(self, layer: Layer) -> bool:
        try:
            self.outputs(layer)
        except StackNotDeployed:
            return False
        return True
