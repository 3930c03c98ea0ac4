"""Stack names: one module builds and parses `<Prefix>-<Layer>`; the app's stacks are named by it."""

from __future__ import annotations

import pytest

from stacks import naming
from stacks.config import ALL_LAYERS, Settings


def test_stack_name_capitalizes_each_part_of_the_prefix() -> None:
    assert naming.stack_name("mlstack", "api_services") == "Mlstack-ApiServices"
    assert naming.stack_name("team-a", "data") == "Team-A-Data"


@pytest.mark.parametrize("prefix", ["mlstack", "team-a", "x1-y2-z3"])
@pytest.mark.parametrize("layer", naming.LAYERS)
def test_layer_of_reads_back_what_stack_name_builds(prefix: str, layer: naming.Layer) -> None:
    assert naming.layer_of(naming.stack_name(prefix, layer)) == layer


@pytest.mark.parametrize("name", ["Mlstack", "Mlstack-Other", "-Data", "Mlstack-data", ""])
def test_layer_of_a_name_that_is_no_layer_stack_is_none(name: str) -> None:
    assert naming.layer_of(name) is None


def test_stack_names_keep_dependency_order_whatever_order_is_asked() -> None:
    assert naming.stack_names("ana", ("api_services", "data")) == ["Ana-Data", "Ana-ApiServices"]
    assert naming.stack_names("ana") == ["Ana-Data", "Ana-Platform", "Ana-Frameworks", "Ana-ApiServices"]


def test_a_longer_prefix_stack_is_not_a_stack_of_the_shorter_prefix() -> None:
    assert naming.is_stack_of("team-a", "Team-A-Data")
    assert not naming.is_stack_of("team", "Team-A-Data")
    assert not naming.is_stack_of("team", "Team-Unrelated")


def test_settings_layers_and_names_come_from_the_naming_module() -> None:
    assert ALL_LAYERS == naming.LAYERS
    assert set(naming.LAYER_TITLES) == set(naming.LAYERS)
    settings = Settings(prefix="team-a")
    assert settings.stack_prefix == naming.stack_prefix("team-a") == "Team-A"
    assert settings.stack_name("frameworks") == "Team-A-Frameworks"


def test_the_bots_history_copies_sit_beside_the_glue_tables_folder_not_in_it() -> None:
    from stacks.constructs.spark_application import LATEST_MARKER, series_prefix

    history = naming.latest_history_prefix("TMAX")
    assert history == "curated/ghcn/TMAX/latest-history/"
    # Athena reads every object under a table's location: `latest/` must hold the symlink manifest only.
    table_location = series_prefix("TMAX") + LATEST_MARKER.rsplit("/", 1)[0] + "/"
    assert history.startswith(series_prefix("TMAX")) and not history.startswith(table_location)
