"""Stack names: one stack per layer, named `<Prefix>-<Layer>` (`Mlstack-ApiServices`), built and parsed here only.

The app, the stacks and every `mlstack` command that finds a deployed stack by name go through this module,
so a rename happens in one place. Imports nothing from the app: commands use it without loading CDK.
"""

from __future__ import annotations

from typing import Literal, get_args

Layer = Literal["data", "platform", "frameworks", "api_services"]
# Where the Spark job's output goes in the data bucket: curated/ghcn/<element>/<run id>/. The job runtime role
# may write only under CURATED_PREFIX (stacks.config.spark re-exports both).
CURATED_PREFIX = "curated/"
GHCN_SERIES_PREFIX = f"{CURATED_PREFIX}ghcn/"
# The element the bot's Forecast intent forecasts: the daily high.
FORECAST_ELEMENT = "TMAX"
# In dependency order: Data -> Platform/Frameworks -> ApiServices.
LAYERS: tuple[Layer, ...] = get_args(Layer)
# The layer's part of its stack name (and its title in reports and diagrams).
LAYER_TITLES: dict[Layer, str] = {
    "data": "Data",
    "platform": "Platform",
    "frameworks": "Frameworks",
    "api_services": "ApiServices",
}
_LAYERS_BY_TITLE: dict[str, Layer] = {title: layer for layer, title in LAYER_TITLES.items()}


def stack_prefix(prefix: str) -> str:
    """`mlstack` -> `Mlstack`; `team-a` -> `Team-A`: the start of every stack name of a prefix."""
    return "-".join(part.capitalize() for part in prefix.split("-"))


def stack_name(prefix: str, layer: Layer) -> str:
    """`("mlstack", "api_services")` -> `Mlstack-ApiServices`. `prefix` is the settings' prefix."""
    return f"{stack_prefix(prefix)}-{LAYER_TITLES[layer]}"


def stack_names(prefix: str, layers: tuple[Layer, ...] = LAYERS) -> list[str]:
    """The stack names of a prefix's layers, in dependency order."""
    return [stack_name(prefix, layer) for layer in LAYERS if layer in layers]


def layer_of(name: str) -> Layer | None:
    """`Mlstack-ApiServices` -> `api_services`; None for a name that does not end in a layer's title."""
    head, separator, title = name.rpartition("-")
    if not separator or not head:
        return None
    return _LAYERS_BY_TITLE.get(title)


def is_stack_of(prefix: str, name: str) -> bool:
    """Whether `name` is one of the prefix's layer stacks (`Team-A-Data` is not a stack of prefix `team`)."""
    return name in stack_names(prefix)


def forecast_endpoint_name(prefix: str) -> str:
    """`mlstack` -> `mlstack-forecast`: the forecast recipe's serverless endpoint, which the bot invokes."""
    return f"{prefix}-forecast"


def ghcn_element_prefix(element: str) -> str:
    """`TMAX` -> `curated/ghcn/TMAX/`: where every run of one element goes (then `<run id>/`)."""
    return f"{GHCN_SERIES_PREFIX}{element}/"


def latest_history_prefix(element: str) -> str:
    """`TMAX` -> `curated/ghcn/TMAX/latest-history/`: the newest complete run's history/<station>.json copies,
    which the bot's Forecast intent reads at a fixed key.

    A sibling of `latest/`, not inside it: `latest/` is the location of the element's Glue table
    (SymlinkTextInputFormat), and Athena reads every object under a table's location, so JSON there would be
    read as manifests and break the table's queries.
    """
    return f"{ghcn_element_prefix(element)}latest-history/"
