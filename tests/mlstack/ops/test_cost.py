"""mlstack cost: exact prices on hand-written templates, full coverage of the real app, the README table."""

from __future__ import annotations

import pytest

from mlstack.ops import cost
from mlstack.ops.pricing import PriceTable, price_stacks, totals
from tests.conftest import ROOT
from tests.mlstack.conftest import Cli
from tests.mlstack.fixtures import fixture_stacks, real_stacks, resource, synthesized_app

HOURS = 730  # hours per month in prices.json


@pytest.fixture(scope="module")
def prices() -> PriceTable:
    return PriceTable.load()


def test_each_layer_is_priced_exactly_from_the_price_table(prices: PriceTable) -> None:
    per_stack = totals(price_stacks(fixture_stacks(budgets=3), prices))

    # 2 buckets x 1 GB x $0.023/GB-month; the third budget pays $0.02/day (two are free).
    data_hourly, data_daily = per_stack["Fixture-Data"]
    assert data_daily == pytest.approx(24 * 2 * 0.023 / HOURS + 0.02)
    assert data_hourly == pytest.approx(2 * 0.023 / HOURS + 0.02 / 24)

    # KMS $1 + 5 GB ML storage $0.70 + alarms (1 metric + 2-metric math) $0.30 a month bill idle;
    # running adds ml.t3.medium $0.05/h and a 2048 MB serverless endpoint busy all hour (2 GB x 3600 s x $0.00002).
    platform_hourly, platform_daily = per_stack["Fixture-Platform"]
    assert platform_daily == pytest.approx(24 * (1.0 + 0.7 + 0.3) / HOURS)
    assert platform_hourly == pytest.approx((1.0 + 0.7 + 0.3) / HOURS + 0.05 + 0.144)

    # NAT $0.045 + its EIP $0.005 + an interface endpoint in 2 AZs $0.02 an hour and 125 GB gp3 ($10/month)
    # bill idle; running adds g4dn.xlarge $0.526 and its public IPv4 $0.005. The gateway endpoint is free.
    fw_hourly, fw_daily = per_stack["Fixture-Frameworks"]
    assert fw_daily == pytest.approx(24 * (0.07 + 10 / HOURS))
    assert fw_hourly == pytest.approx(0.07 + 10 / HOURS + 0.526 + 0.005)

    # Only the KMS key bills while idle: Lex, Lambda, on-demand DynamoDB and logs are per use.
    api_hourly, api_daily = per_stack["Fixture-ApiServices"]
    assert api_daily == pytest.approx(24 / HOURS)
    assert api_hourly == pytest.approx(1 / HOURS)


def test_unknown_billed_types_are_listed_not_ignored(prices: PriceTable) -> None:
    items = price_stacks(fixture_stacks(), prices)
    unpriced = [(i.stack, i.resource, i.type) for i in items if not i.priced]
    assert unpriced == [("Fixture-ApiServices", "Search/Index", "AWS::Kendra::Index")]
    table = cost.markdown(fixture_stacks(), prices)
    assert "Not priced: Fixture-ApiServices Search/Index (AWS::Kendra::Index)." in table


def test_an_unknown_instance_size_is_not_priced_rather_than_zero(prices: PriceTable) -> None:
    stacks = fixture_stacks()
    instance = stacks[2].template["Resources"]["InstanceE2"]["Properties"]
    instance["InstanceType"] = "g4dn.metal"
    items = {i.resource: i for i in price_stacks(stacks, prices)}
    assert not items["Workstation/Instance"].priced
    assert "g4dn.metal" in items["Workstation/Instance"].note


def test_spot_and_serverless_are_explained_in_the_notes(prices: PriceTable) -> None:
    items = {i.resource: i for i in price_stacks(fixture_stacks(), prices)}
    assert "spot" in items["Workstation/Instance"].note
    assert "125 GB gp3" in items["Workstation/Instance"].note
    assert items["Inference/Endpoint"].idle_daily == 0
    assert "serverless 2048 MB" in items["Inference/Endpoint"].note


def test_instance_backed_endpoint_bills_while_idle(prices: PriceTable) -> None:
    stacks = fixture_stacks()
    config = stacks[1].template["Resources"]["ConfigE6"]["Properties"]
    config["ProductionVariants"] = [{"InstanceType": "ml.m5.large", "InitialInstanceCount": 2}]
    items = {i.resource: i for i in price_stacks(stacks, prices)}
    assert items["Inference/Endpoint"].idle_daily == pytest.approx(24 * 2 * 0.115)


def test_other_regions_are_flagged_approximate(prices: PriceTable) -> None:
    table = cost.markdown(fixture_stacks(region="eu-west-1"), prices)
    assert "approximate for eu-west-1" in table
    assert "approximate" not in cost.markdown(fixture_stacks(region="us-east-1"), prices)


def test_every_price_states_its_unit_date_and_source(prices: PriceTable) -> None:
    for key, price in prices.data["prices"].items():
        assert price["source"].startswith("https://"), key
        assert price["date"][:2] == "20" and price["unit"], key
    for type_, usage in prices.usage_priced.items():
        assert usage["source"].startswith("https://") and usage["note"], type_


def test_every_resource_of_the_synthesized_app_is_priced_or_known_free() -> None:
    stacks = real_stacks()
    items = price_stacks(stacks)
    unpriced = [f"{i.stack} {i.resource} ({i.type})" for i in items if not i.priced]
    assert unpriced == [], "add these types to mlstack/ops/prices.json"
    per_stack = totals(items)
    assert set(per_stack) <= {s.name for s in stacks}
    assert all(hourly * 24 >= daily for hourly, daily in per_stack.values())


def test_readme_cost_table_is_the_output_of_make_cost() -> None:
    expected = cost.markdown(real_stacks(), PriceTable.load())
    readme = (ROOT / "README.md").read_text()
    assert cost.replace_readme_table(readme, expected) == readme, "run `make cost-readme` and commit README.md"


def test_cli_prints_totals_from_an_assembly_and_rejects_bad_settings(
    cli: Cli,
) -> None:
    result = cli("cost", "--assembly", synthesized_app().directory, "--no-synth")
    assert result.code == 0
    assert "Mlstack-Data" in result.out and "total" in result.out

    refused = cli("cost", "-c", "prefix=Bad_Name")
    assert refused.code == 2
    assert refused.err.startswith("mlstack: invalid setting: prefix='Bad_Name'")
    assert len(refused.err.splitlines()) == 1


def test_separate_volumes_and_composite_alarms_bill_while_idle(prices: PriceTable) -> None:
    stacks = fixture_stacks()
    resources = stacks[2].template["Resources"]
    resources["DataVolume"] = resource(
        "AWS::EC2::Volume", "Workstation/Data", "Fixture-Frameworks", Size=50, VolumeType="gp3"
    )
    resources["Composite"] = resource("AWS::CloudWatch::CompositeAlarm", "Alarms/Any", "Fixture-Frameworks")
    items = {i.resource: i for i in price_stacks(stacks, prices)}
    assert items["Workstation/Data"].idle_daily == pytest.approx(24 * 50 * 0.08 / HOURS)
    assert items["Alarms/Any"].idle_daily == pytest.approx(24 * 0.50 / HOURS)


def test_the_forecast_endpoint_is_priced_per_second_with_no_idle_cost(prices: PriceTable) -> None:
    from pathlib import Path

    from mlstack.ops.templates import CLI_CONTEXT, read_assembly
    from tests.conftest import synth_app

    model = "s3://mlstack-data-bucket/models/mlstack-forecast-1/output/model.tar.gz"
    assembly = synth_app(layers="data,platform", **CLI_CONTEXT, **{"platform.forecast_model_data_url": model})
    items = {i.resource: i for i in price_stacks(read_assembly(Path(assembly.directory)), prices)}
    forecast = items["Forecast/Endpoint"]
    assert forecast.priced and forecast.idle_daily == 0
    assert "serverless 2048 MB" in forecast.note
    # Busy all hour: 2 GB x 3600 s at the serverless GB-second price, like the sentiment endpoint's 4 GB.
    assert forecast.running_hourly == pytest.approx(2 * 3600 * prices.usd("sagemaker_serverless_gb_second"))
    assert [i.resource for i in items.values() if not i.priced] == []
