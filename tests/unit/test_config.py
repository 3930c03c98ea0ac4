"""Settings: defaults, command-line overrides and one clear line per invalid value."""

from __future__ import annotations

import pytest

from stacks.config import ALL_LAYERS, Settings, SettingsError, load_settings, setting_keys
from tests.conftest import CDK_JSON, cdk_context


def test_defaults_from_cdk_json_are_valid() -> None:
    settings = load_settings(cdk_context())
    assert settings.prefix == "mlstack"
    assert settings.layers == ALL_LAYERS
    assert settings.retain_data is False
    assert settings.budget_email is None
    assert {d.bucket for d in settings.public_datasets} >= {"noaa-ghcn-pds", "fast-ai-imageclas", "fast-ai-nlp"}


def test_cdk_json_lists_every_setting() -> None:
    """cdk.json is where users read and change defaults: it must show every setting there is."""

    def keys(tree: dict, parent: str = "") -> set[str]:
        found = set()
        for key, value in tree.items():
            found.add(parent + key)
            if isinstance(value, dict):
                found |= keys(value, f"{parent}{key}.")
        return found

    assert keys(CDK_JSON["context"]["mlstack"]) == set(setting_keys())


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"prefix": "team-a7"}, ("prefix", "team-a7")),
        ({"layers": "data"}, ("layers", ("data",))),
        ({"layers": "api_services,data"}, ("layers", ("data", "api_services"))),
        ({"layers": '["data", "platform"]'}, ("layers", ("data", "platform"))),
        ({"retain_data": "true"}, ("retain_data", True)),
        ({"budget_email": "me@example.com"}, ("budget_email", "me@example.com")),
        ({"budget_email": ""}, ("budget_email", None)),
        ({"budget_monthly_usd": "12.5"}, ("budget_monthly_usd", 12.5)),
        ({"region": "eu-west-1"}, ("region", "eu-west-1")),
        ({"compliance_packs": "nist-800-53-r5"}, ("compliance_packs", ("nist-800-53-r5",))),
        ({"alerts_email": "ops@example.com"}, ("alerts_recipient", "ops@example.com")),
        ({"budget_email": "me@example.com"}, ("alerts_recipient", "me@example.com")),
        (
            {"budget_email": "me@example.com", "alerts_email": "ops@example.com"},
            ("alerts_recipient", "ops@example.com"),
        ),
        ({"budget_email": "me@example.com", "budget_stop_percent": "100"}, ("budget_stop_percent", 100.0)),
        ({"budget_email": "me@example.com", "budget_scope": "prefix"}, ("budget_scope", "prefix")),
    ],
)
def test_command_line_overrides(overrides: dict, expected: tuple) -> None:
    settings = load_settings(cdk_context(**overrides))
    name, value = expected
    assert getattr(settings, name) == value


def test_dotted_override_of_a_section() -> None:
    settings = load_settings(cdk_context(**{"data.athena_bytes_scanned_cutoff_mb": "200", "tags.owner": "ana"}))
    assert settings.data.athena_bytes_scanned_cutoff_mb == 200
    assert settings.tags.owner == "ana"
    assert settings.tags.project == "mlstack"  # the rest of the section keeps cdk.json's values


def test_public_datasets_from_json() -> None:
    value = '[{"id": "my_data", "bucket": "my-open-bucket", "region": "us-west-2", "format": "csv"}]'
    settings = load_settings(cdk_context(public_datasets=value))
    assert [d.bucket for d in settings.public_datasets] == ["my-open-bucket"]


@pytest.mark.parametrize(
    ("overrides", "expected_line"),
    [
        ({"prefix": "Bad_Name"}, "prefix='Bad_Name': String should match pattern"),
        ({"prefix": "a" * 21}, "prefix='aaaaaaaaaaaaaaaaaaaaa': String should have at most 20 characters"),
        ({"prefix": "team--a"}, "prefix='team--a': String should match pattern"),
        ({"prefix": "team-"}, "prefix='team-': String should match pattern"),
        ({"prefix": "7team"}, "prefix='7team': String should match pattern"),
        ({"layers": "data,gpu"}, "layers[1]='gpu': Input should be 'data', 'platform', 'frameworks' or 'api_services'"),
        ({"layers": "platform"}, "layers=platform: every layer needs the data layer; add data to layers"),
        ({"layers": ""}, "layers='': enable at least one of data, platform, frameworks, api_services"),
        ({"layers": "[data"}, "layers='[data': not a valid JSON list"),
        ({"retain_data": "maybe"}, "retain_data='maybe': Input should be a valid boolean"),
        ({"budget_email": "not-an-email"}, "budget_email='not-an-email': String should match pattern"),
        ({"budget_monthly_usd": "-5"}, "budget_monthly_usd='-5': Input should be greater than 0"),
        ({"region": "mars-north-1a"}, "region='mars-north-1a': String should match pattern"),
        (
            {"data.athena_bytes_scanned_cutoff_mb": "5"},
            "data.athena_bytes_scanned_cutoff_mb='5': Input should be greater than or equal to 10",
        ),
        ({"prefx": "typo"}, "prefx='typo': unknown setting; known settings:"),
        (
            {"budget_stop_percent": "100"},
            "budget_stop_percent=100: acts on the monthly budget, which exists only with budget_email",
        ),
        ({"budget_scope": "prefix"}, "budget_scope=prefix: acts on the monthly budget, which exists only with"),
        ({"budget_email": "me@example.com", "budget_stop_percent": "0"}, "budget_stop_percent='0': Input should be"),
        ({"budget_email": "me@example.com", "budget_scope": "team"}, "budget_scope='team': Input should be 'account'"),
        ({"compliance_packs": "hipaa"}, "compliance_packs[0]='hipaa': Input should be 'nist-800-53-r5'"),
        (
            {"data.existing_bucket_name": "My_Bucket"},
            "data.existing_bucket_name='My_Bucket': not an S3 bucket name: 3-63 characters of lowercase letters",
        ),
        ({"data.existing_bucket_name": "10.0.0.1"}, "data.existing_bucket_name='10.0.0.1': not an S3 bucket name"),
        ({"data.existing_bucket_name": "a..b"}, "data.existing_bucket_name='a..b': not an S3 bucket name"),
        (
            {"api_services.existing_results_table_name": "no spaces"},
            "api_services.existing_results_table_name='no spaces': not a DynamoDB table name: 3-255 letters",
        ),
        (
            {"public_datasets": '[{"id": "x", "bucket": "Not_A_Bucket", "region": "us-east-1", "format": "csv"}]'},
            "public_datasets[0].bucket='Not_A_Bucket': String should match pattern",
        ),
        (
            {"public_datasets": '[{"id": "x", "bucket": "b-1", "region": "us-east-1", "format": "xls"}]'},
            "public_datasets[0].format='xls': Input should be 'csv', 'parquet', 'archive', 'images' or 'text'",
        ),
        (
            {
                "public_datasets": '[{"id": "x", "bucket": "b-1", "region": "us-east-1", "format": "csv"},'
                ' {"id": "x", "bucket": "b-2", "region": "us-east-1", "format": "csv"}]'
            },
            "dataset ids must be unique; repeated: x",
        ),
    ],
)
def test_invalid_settings_give_one_line_each(overrides: dict, expected_line: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(**overrides))
    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert expected_line in problems[0]
    assert "\n" not in problems[0]
    if "existing_" in expected_line:
        assert "^" not in problems[0] and "[a-z" not in problems[0]  # described in words, never as a regex


def test_unknown_key_in_cdk_json_section_is_rejected() -> None:
    context = cdk_context()
    context["mlstack"] = {**context["mlstack"], "data": {"athena_cutoff": 1}}
    with pytest.raises(SettingsError) as caught:
        load_settings(context)
    assert caught.value.problems == ["data.athena_cutoff: unknown setting"]


def test_several_problems_are_all_reported() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(prefix="BAD", retain_data="perhaps"))
    assert len(caught.value.problems) == 2


def test_stack_prefix_capitalizes_each_part() -> None:
    assert Settings(prefix="team-a").stack_prefix == "Team-A"
    assert Settings().stack_prefix == "Mlstack"
