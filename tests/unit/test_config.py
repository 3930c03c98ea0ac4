"""Settings: defaults, command-line overrides and one clear line per invalid value."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from stacks.config import (
    ALL_LAYERS,
    FrameworksSettings,
    Settings,
    SettingsError,
    TrainingSettings,
    aws_regions,
    load_settings,
    region_and_source,
    setting_keys,
)
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

    settings = set(setting_keys())

    def keys(tree: dict, parent: str = "") -> set[str]:
        found = set()
        for key, value in tree.items():
            found.add(parent + key)
            section = any(name.startswith(f"{parent}{key}.") for name in settings)  # not a mapping setting
            if isinstance(value, dict) and section:
                found |= keys(value, f"{parent}{key}.")
        return found

    assert keys(CDK_JSON["context"]["mlstack"]) == settings


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
        (
            {"prefix": "Bad_Name"},
            "prefix='Bad_Name': 1 to 20 lowercase letters, digits and single hyphens, beginning with a letter and "
            "not ending with a hyphen, e.g. team-a",
        ),
        ({"prefix": ""}, "prefix='': 1 to 20 lowercase letters"),
        ({"prefix": "a" * 21}, "prefix='aaaaaaaaaaaaaaaaaaaaa': 1 to 20 lowercase letters"),
        ({"prefix": "team--a"}, "prefix='team--a': 1 to 20 lowercase letters"),
        ({"prefix": "team-"}, "prefix='team-': 1 to 20 lowercase letters"),
        ({"prefix": "7team"}, "prefix='7team': 1 to 20 lowercase letters"),
        ({"layers": "data,gpu"}, "layers[1]='gpu': one of data, platform, frameworks, api_services, e.g. data"),
        ({"layers": "platform"}, "layers=platform: every layer needs the data layer; add data to layers, e.g. data,"),
        ({"layers": ""}, "layers='': enable at least one of data, platform, frameworks, api_services, e.g. data"),
        ({"layers": "[data"}, "layers='[data': not a valid JSON list"),
        ({"retain_data": "maybe"}, "retain_data='maybe': true or false, e.g. false"),
        ({"budget_email": "notanemail"}, "budget_email='notanemail': an e-mail address, e.g. ana@example.com"),
        ({"budget_monthly_usd": "-5"}, "budget_monthly_usd='-5': a number greater than 0, e.g. 50"),
        ({"region": "mars-1"}, "region='mars-1': not an AWS region, e.g. us-east-1"),
        ({"region": "us-fake-1"}, "region='us-fake-1': not an AWS region; did you mean us-west-1 or us-east-1"),
        ({"region": "eu-west-9"}, "region='eu-west-9': not an AWS region; did you mean eu-west-3 or"),
        (
            {"frameworks.idle_stop_minutes": "7"},
            "frameworks.idle_stop_minutes='7': a whole number from 10 to 1440 in steps of 5, e.g. 60",
        ),
        (
            {"data.athena_bytes_scanned_cutoff_mb": "5"},
            "data.athena_bytes_scanned_cutoff_mb='5': a whole number of at least 10, e.g. 1024",
        ),
        (
            {"frameworks.idle_cpu_percent": "100"},
            "frameworks.idle_cpu_percent='100': a number greater than 0 and less than 100, e.g. 5",
        ),
        ({"prefx": "typo"}, "prefx='typo': unknown setting; did you mean prefix?"),
        (
            {"budget_stop_percent": "100"},
            "budget_stop_percent=100: acts on the monthly budget, which exists only with budget_email",
        ),
        ({"budget_scope": "prefix"}, "budget_scope=prefix: acts on the monthly budget, which exists only with"),
        (
            {"budget_email": "me@example.com", "budget_stop_percent": "0"},
            "budget_stop_percent='0': a number greater than 0 and at most 1000, e.g. 100",
        ),
        (
            {"budget_email": "me@example.com", "budget_scope": "team"},
            "budget_scope='team': one of account, prefix, e.g. account",
        ),
        ({"compliance_packs": "hipaa"}, "compliance_packs[0]='hipaa': one of nist-800-53-r5, e.g. nist-800-53-r5"),
        (
            {"data.existing_bucket_name": "My_Bucket"},
            "data.existing_bucket_name='My_Bucket': not an S3 bucket name: 3-63 of a-z, 0-9, . and -",
        ),
        ({"data.existing_bucket_name": "10.0.0.1"}, "data.existing_bucket_name='10.0.0.1': not an S3 bucket name"),
        ({"data.existing_bucket_name": "a..b"}, "data.existing_bucket_name='a..b': not an S3 bucket name"),
        (
            {"api_services.existing_results_table_name": "no spaces"},
            "api_services.existing_results_table_name='no spaces': not a DynamoDB table name: 3-255 letters",
        ),
        (
            {"public_datasets": '[{"id": "x", "bucket": "Not_A_Bucket", "region": "us-east-1", "format": "csv"}]'},
            "public_datasets[0].bucket='Not_A_Bucket': an S3 bucket name: 3 to 63 lowercase letters",
        ),
        (
            {"public_datasets": '[{"id": "x", "region": "us-east-1", "format": "csv"}]'},
            "public_datasets[0].bucket: missing; give an S3 bucket name",
        ),
        (
            {"public_datasets": '[{"id": "x", "bucket": "b-1", "region": "us-fake-1", "format": "csv"}]'},
            "public_datasets[0].region='us-fake-1': not an AWS region",
        ),
        (
            {"public_datasets": '[{"id": "x", "bucket": "b-1", "region": "us-east-1", "format": "xls"}]'},
            "public_datasets[0].format='xls': one of csv, parquet, archive, images, text, e.g. csv",
        ),
        (
            {
                "public_datasets": '[{"id": "x", "bucket": "b-1", "region": "us-east-1", "format": "csv"},'
                ' {"id": "x", "bucket": "b-2", "region": "us-east-1", "format": "csv"}]'
            },
            "dataset ids must be unique; repeated: x",
        ),
        (
            {"frameworks.availability_zone": "eu-west-1a"},
            "frameworks.availability_zone='eu-west-1a': not a zone of the deploy region us-east-1",
        ),
        (
            {"frameworks.availability_zone": "useast1"},
            "frameworks.availability_zone='useast1': an availability zone: the region's name and a zone letter, "
            "e.g. us-east-1b",
        ),
        (
            {"api_services.locales": "en_GB", "api_services.polly_voice": "Joanna"},
            "api_services.polly_voice='Joanna': speaks en-US, but locale en_GB needs a voice of its language: "
            "Amy, Arthur, Brian, Emma, e.g. -c api_services.polly_voice=Amy",
        ),
        (
            {"api_services.locales": "en_GB,en_US"},
            "api_services.polly_voice='Joanna': speaks en-US and serves every locale (en_GB, en_US); deploy one, e.g.",
        ),
        (
            {"frameworks.instance_type": "g7.xlarge"},
            "frameworks.instance_type='g7.xlarge': g7 is not among the instance families the DLAMI release notes list",
        ),
        (
            {"training.instance_type": "ml.g9.xlarge"},
            "training.instance_type='ml.g9.xlarge': not a training type mlstack knows the price of; did you mean "
            "ml.g5.xlarge",
        ),
        (
            {"training.instance_type": "ml.t3.medium"},
            "training.instance_type='ml.t3.medium': not a training type mlstack knows the price of, e.g. ml.g5.xlarge",
        ),
        ({"training.instance_count": "0"}, "training.instance_count='0': a whole number from 1 to 16, e.g. 1"),
        ({"training.instance_count": "17"}, "training.instance_count='17': a whole number from 1 to 16, e.g. 1"),
        ({"training.spot": "sometimes"}, "training.spot='sometimes': true or false, e.g. true"),
        (
            {"training.max_runtime_minutes": "0"},
            "training.max_runtime_minutes='0': a whole number from 1 to 40320, e.g. 60",
        ),
        (
            {"training.max_runtime_minutes": "180", "training.max_wait_minutes": "120"},
            "training.max_wait_minutes='120': shorter than training.max_runtime_minutes=180: with spot the wait "
            "includes the training time, so it must be at least 180, e.g. 360",
        ),
        ({"training.max_wait_minutes": "50000"}, "training.max_wait_minutes='50000': a whole number from 1 to 40320"),
        ({"training.epochs": "0"}, "training.epochs='0': a whole number from 1 to 100, e.g. 1"),
        ({"training.max_rows": "-1"}, "training.max_rows='-1': a whole number of at least 0, e.g. 100000"),
        (
            {"training.base_model": "not a model"},
            "training.base_model='not a model': a Hugging Face Hub model id (owner/name: letters, digits, . _ -)",
        ),
        (
            {"training.image_tag": "2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04"},
            "training.image_tag='2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04': a GPU tag of the Hugging Face "
            "training image, e.g. ",
        ),
        ({"training.max_job_usd": "0"}, "training.max_job_usd='0': a number greater than 0, e.g. 5"),
        (
            {"platform.model_data_url": "s3://my-bucket/output/model.tar.gz"},
            "platform.model_data_url='s3://my-bucket/output/model.tar.gz': an s3:// URL of a model archive in "
            "the data bucket, e.g. s3://<bucket>/models/<job>/output/model.tar.gz",
        ),
        (
            {"platform.model_data_url": "https://my-bucket.s3.amazonaws.com/models/a/model.tar.gz"},
            "platform.model_data_url='https://my-bucket.s3.amazonaws.com/models/a/model.tar.gz': an s3:// URL",
        ),
        ({"platform.model_data_url": "s3://my-bucket/models/a/model"}, "platform.model_data_url='s3://my-bucket/"),
        ({"platform.model_data_url": "s3://My_Bucket/models/a/model.tar.gz"}, "an s3:// URL of a model archive"),
        (
            {
                "data.existing_bucket_name": "kept-bucket",
                "platform.model_data_url": "s3://other-bucket/models/a/model.tar.gz",
            },
            "platform.model_data_url='s3://other-bucket/models/a/model.tar.gz': not in the data bucket "
            "data.existing_bucket_name='kept-bucket'; use s3://kept-bucket/models/a/model.tar.gz",
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


# What a regular expression or pydantic's own wording looks like in a message.
REGEX_OR_PYDANTIC = re.compile(r"\^|\$'|\\[dws]|\[a-z0-9|\{\d|should match pattern|Input should|PydanticUndefined")


def _leaf_keys() -> list[str]:
    sections = {"tags", "data", "platform", "frameworks", "api_services", "training", "spark", "public_datasets"}
    return [key for key in setting_keys() if key not in sections]


@pytest.mark.parametrize("key", _leaf_keys())
@pytest.mark.parametrize("bad", ["%bad value%", "-7"])
def test_no_message_shows_a_regular_expression_and_each_gives_an_example(key: str, bad: str) -> None:
    """Every setting that refuses a value says what is allowed in words, with an example."""
    try:
        load_settings(cdk_context(**{key: bad}))
    except SettingsError as error:
        assert len(error.problems) == 1, error.problems
        line = error.problems[0]
        assert line.startswith(key) and repr(bad) in line, line
        assert not REGEX_OR_PYDANTIC.search(line), line
        assert "e.g." in line or "did you mean" in line, line
    # Free-text settings (tags, a dataset's description) accept anything: nothing to explain.


def test_regions_come_from_every_partition_botocore_ships() -> None:
    regions = aws_regions()
    assert {"aws", "aws-cn", "aws-us-gov"} <= set(regions)
    assert {"us-east-1", "af-south-1", "il-central-1", "ca-west-1"} <= set(regions["aws"])
    assert "cn-north-1" in regions["aws-cn"]
    assert not [r for names in regions.values() for r in names if r.endswith("-global")]
    assert load_settings(cdk_context(region="cn-northwest-1")).region == "cn-northwest-1"


def test_regions_are_read_from_a_compressed_partitions_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore's loader reads `<name>.json` or `<name>.json.gz`; aws_regions reads the file itself, so both."""
    import botocore

    partitions = {"partitions": [{"id": "aws", "regions": {"us-east-1": {}, "aws-global": {}, "xx-test-1": {}}}]}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "partitions.json.gz").write_bytes(gzip.compress(json.dumps(partitions).encode()))
    monkeypatch.setattr(botocore, "__file__", str(tmp_path / "__init__.py"))
    aws_regions.cache_clear()
    try:
        assert aws_regions() == {"aws": ("us-east-1", "xx-test-1")}
    finally:
        aws_regions.cache_clear()


def test_an_unknown_region_from_the_environment_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-fake-1")
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(region=""))
    assert caught.value.problems[0].startswith("AWS_REGION='us-fake-1': not an AWS region; did you mean us-west-1")


def test_the_zone_is_checked_against_the_region_the_app_will_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    zone = {"frameworks.availability_zone": "eu-west-1b"}
    # The setting unset: the profile's region (CDK_DEFAULT_REGION in app.py) is the deploy region.
    assert load_settings(cdk_context(region="", **zone), profile_region="eu-west-1").frameworks.availability_zone
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(region="", **zone), profile_region="us-west-2")
    assert "not a zone of the deploy region us-west-2 (from the AWS profile's region)" in caught.value.problems[0]
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # the environment comes before the profile
    assert load_settings(cdk_context(region="", **zone), profile_region="us-west-2")
    # Without the frameworks layer the zone is not used, so it is not held against the region.
    assert load_settings(cdk_context(region="us-east-1", layers="data", **zone))


def test_the_profile_region_is_looked_up_only_when_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    calls: list[str] = []

    def profile() -> str:
        calls.append("looked up")
        return "eu-west-1"

    load_settings(cdk_context(region="us-east-1"), profile_region=profile)
    assert calls == []
    assert region_and_source(None, profile) == ("eu-west-1", "the AWS profile's region")
    assert calls == ["looked up"]


@pytest.mark.parametrize(
    ("locale", "voice"), [("en_US", "Joanna"), ("en_GB", "Amy"), ("en_AU", "Olivia"), ("en_IN", "Kajal")]
)
def test_a_voice_of_the_locales_language_is_accepted(locale: str, voice: str) -> None:
    settings = load_settings(cdk_context(**{"api_services.locales": locale, "api_services.polly_voice": voice}))
    assert (settings.api_services.locales, settings.api_services.polly_voice) == ((locale,), voice)


def test_the_voice_rule_applies_only_with_the_api_services_layer() -> None:
    overrides = {"layers": "data", "api_services.locales": "en_GB", "api_services.polly_voice": "Joanna"}
    assert load_settings(cdk_context(**overrides)).layers == ("data",)


def test_gpu_families_are_the_ones_the_dlami_release_notes_list() -> None:
    families = FrameworksSettings.GPU_FAMILIES
    assert {"g7", "p6-b300", "p3"}.isdisjoint(families)
    assert families[0] == "g4dn" and families[-1] == "p6-b200"
    assert load_settings(cdk_context(**{"frameworks.instance_type": "p6-b200.48xlarge"}))


def test_unknown_key_in_cdk_json_section_is_rejected() -> None:
    context = cdk_context()
    context["mlstack"] = {**context["mlstack"], "data": {"athena_cutoff": 1}}
    with pytest.raises(SettingsError) as caught:
        load_settings(context)
    assert caught.value.problems == [
        "data.athena_cutoff: unknown setting; did you mean athena_bytes_scanned_cutoff_mb?"
    ]


def test_several_problems_are_all_reported() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(prefix="BAD", retain_data="perhaps"))
    assert len(caught.value.problems) == 2


def test_stack_prefix_capitalizes_each_part() -> None:
    assert Settings(prefix="team-a").stack_prefix == "Team-A"
    assert Settings().stack_prefix == "Mlstack"


def test_training_defaults() -> None:
    training = load_settings(cdk_context()).training
    assert (training.instance_type, training.instance_count, training.spot) == ("ml.g5.xlarge", 1, True)
    assert (training.max_runtime_minutes, training.epochs, training.max_rows) == (60, 1, 100000)
    assert training.base_model == "distilbert-base-uncased"
    assert training.max_job_usd == 5.0
    assert training.framework_versions == ("2.9.0", "5.3.0", "py312")


@pytest.mark.parametrize(
    ("overrides", "expected_wait"),
    [
        ({}, 120),  # twice the default runtime
        ({"training.max_runtime_minutes": "300"}, 600),
        ({"training.max_runtime_minutes": "30000"}, 40320),  # SageMaker's 28-day limit
        ({"training.max_wait_minutes": "90"}, 90),
        ({"training.max_wait_minutes": "60"}, 60),  # equal to the runtime is allowed
        ({"training.spot": "false"}, None),
        # On demand there is no wait: a wait shorter than the runtime is not an error.
        ({"training.spot": "false", "training.max_wait_minutes": "10"}, None),
    ],
)
def test_spot_wait_defaults_to_twice_the_runtime(overrides: dict, expected_wait: int | None) -> None:
    assert load_settings(cdk_context(**overrides)).training.effective_max_wait_minutes == expected_wait


def test_every_training_instance_type_is_priced() -> None:
    """`mlstack train` prices a job before submitting it: a type the settings accept must have a price."""
    from mlstack.ops.pricing import PriceTable

    prices = PriceTable.load()
    unpriced = [t for t in TrainingSettings.INSTANCE_TYPES if prices.by_type("sagemaker_training_hour", t) is None]
    assert unpriced == []
    assert load_settings(cdk_context(**{"training.instance_type": "ml.p4d.24xlarge"})).training.instance_count == 1


@pytest.mark.parametrize(
    "url",
    [
        "s3://mlstack-data-datalakedata1a2b3c/models/mlstack-train-1/output/model.tar.gz",
        "s3://any-bucket/models/workstation/20261203T101500Z/model.tar.gz",
    ],
)
def test_a_model_archive_under_models_is_accepted(url: str) -> None:
    platform = load_settings(cdk_context(**{"platform.model_data_url": url})).platform
    assert platform.model_data_url == url
    assert platform.model_data_bucket_and_key == (url.split("/")[2], url.split("/", 3)[3])


def test_a_model_in_the_adopted_bucket_is_accepted_and_empty_clears_it() -> None:
    url = "s3://kept-bucket/models/a/model.tar.gz"
    settings = load_settings(
        cdk_context(**{"data.existing_bucket_name": "kept-bucket", "platform.model_data_url": url})
    )
    assert settings.platform.model_data_url == url
    assert load_settings(cdk_context(**{"platform.model_data_url": ""})).platform.model_data_bucket_and_key is None


def test_readme_documents_every_setting() -> None:
    """The README's settings tables are the user's reference: each key `-c` accepts has a row."""
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_.]+)`", readme, flags=re.MULTILINE))
    documented |= {f"tags.{tag}" for tag in ("owner", "project", "cost_center")}
    sections = {"tags", "data", "platform", "frameworks", "api_services", "training", "spark"}
    missing = [key for key in setting_keys() if key not in documented and key not in sections]
    assert missing == []
