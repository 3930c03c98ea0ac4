"""Settings whose values form a closed set: each refuses a value outside it with the nearest allowed ones
("did you mean ..."), and no settings message is longer than a line a person reads."""

from __future__ import annotations

import pytest

from stacks.config import SettingsError, load_settings, setting_keys
from stacks.config.fields import closed_set_problem, nearest, short_list, shown
from tests.conftest import cdk_context, settings_problem

# The longest settings message allowed: one line naming the setting, the value (cut to 60 characters) and the
# rule with a handful of allowed values or the nearest ones.
MAX_MESSAGE_CHARS = 200


@pytest.mark.parametrize(
    ("key", "bad", "expected"),
    [
        ("region", "US-EAST-1", "region='US-EAST-1': not an AWS region; did you mean us-east-1?"),
        ("region", "eu-wset-1", "did you mean eu-west-1"),
        (
            "layers",
            "data,Platform",
            "one of data, platform, frameworks, api_services; did you mean platform?",
        ),
        ("api_services.locales", "en-GB", "one of en_US, en_GB, en_AU, en_IN, en_ZA; did you mean en_GB?"),
        (
            "api_services.locales",
            "en_US,fr_FR",
            "unsupported locale 'fr_FR': one of en_US, en_GB, en_AU, en_IN, en_ZA,",
        ),
        ("api_services.polly_voice", "joanna", "not an English neural Amazon Polly voice; did you mean Joanna?"),
        ("api_services.polly_voice", "Hans", "not an English neural Amazon Polly voice, e.g. Joanna"),
        ("api_services.log_retention_days", "31", "not a CloudWatch Logs retention in days; did you mean 30 or 60?"),
        ("frameworks.instance_type", "G4DN.XLARGE", "an EC2 instance type: family.size; did you mean g4dn.xlarge?"),
        (
            "frameworks.instance_type",
            "g4.xlarge",
            "g4 is not among the instance families the DLAMI release notes list; did you mean g4dn.xlarge?",
        ),
        (
            "frameworks.instance_type",
            "g5g.xlarge",
            "g5g is arm64; the DLAMIs used here are x86_64; did you mean g5.xlarge?",
        ),
        ("frameworks.framework", "PyTorch", "one of base, pytorch, tensorflow; did you mean pytorch?"),
        (
            "frameworks.os",
            "ubuntu-2404",
            "one of ubuntu-22.04, ubuntu-24.04, amazon-linux-2023; did you mean ubuntu-24.04",
        ),
        ("frameworks.network", "privat-nat", "did you mean private-nat"),
        ("frameworks.availability_zone", "US-EAST-1B", "the region's name and a zone letter; did you mean us-east-1b?"),
        ("platform.notebook_network", "VPC", "platform.notebook_network='VPC': one of public, vpc; did you mean vpc?"),
        ("budget_scope", "Account", "budget_scope='Account': one of account, prefix; did you mean account?"),
        (
            "compliance_packs",
            "nist-800-53",
            "compliance_packs[0]='nist-800-53': one of nist-800-53-r5; did you mean nist-800-53-r5?",
        ),
        (
            "public_datasets",
            '[{"id": "x", "bucket": "b-1", "region": "us-east-1", "format": "CSV"}]',
            "public_datasets[0].format='CSV': one of csv, parquet, archive, images, text; did you mean csv?",
        ),
        ("prefx", "ana", "prefx='ana': unknown setting; did you mean prefix?"),
        ("data.athena_cutoff_mb", "5", "unknown setting; did you mean data.athena_bytes_scanned_cutoff_mb?"),
        ("data.zzz", "1", "unknown setting; data has athena_bytes_scanned_cutoff_mb, athena_results_expiry"),
        ("zzz", "1", "settings (README 'Settings'), e.g. alerts_email, api_services, budget_email"),
    ],
)
def test_each_closed_set_names_the_nearest_allowed_values(key: str, bad: str, expected: str) -> None:
    line = settings_problem(**{key: bad})
    assert expected in line, line


def test_a_misplaced_key_in_a_cdk_json_section_is_answered_with_the_section_key() -> None:
    context = cdk_context()
    context["mlstack"] = {**context["mlstack"], "frameworks": {"instance_typ": "g5.xlarge"}}
    with pytest.raises(SettingsError) as caught:
        load_settings(context)
    assert caught.value.problems == ["frameworks.instance_typ: unknown setting; did you mean instance_type?"]


def test_the_helper_lists_a_small_set_whole_and_a_large_one_by_its_nearest_values() -> None:
    assert closed_set_problem("b", ("a", "b"), noun="a letter") is None
    assert closed_set_problem("x", ("a", "b"), noun="a letter") == "one of a, b, e.g. a"
    many = tuple(f"value-{n}" for n in range(50))
    assert closed_set_problem("VALUE-7", many, noun="a value") == "not a value; did you mean value-7?"
    assert closed_set_problem("zzz", many, noun="a value", example="value-1") == "not a value, e.g. value-1"
    assert nearest(9, (1, 3, 7, 14)) == ["7", "14"]
    assert nearest(99, (1, 3, 7, 14)) == ["14"]
    assert short_list(range(10), 3) == "0, 1, 2 and 7 more"
    assert shown("x" * 500) == repr("x" * 55)[:-1] + "...'" and len(shown("x" * 500)) == 60


# Values a user might type anywhere, every one wrong for some setting: case, separators, numbers, lists, JSON,
# a pasted paragraph.
BAD_VALUES = [
    "%bad value%", "-7", "0", "99999999", "1e309", "US-EAST-1", "G4DN.XLARGE", "ml.zz9.xlarge", "Joanna,Amy",
    "[1, 2]", '{"a": 1}', "true", "x" * 300, "word " * 80,
]  # fmt: skip
# Settings of files other helpers own in this round (stacks/config/platform.py and training.py): their
# messages still list whole catalogues or echo a long example; they pass once those validators use
# closed_set_problem and short_list. Strict: the test fails as soon as one of them becomes short.
NOT_YET_SHORT: set[str] = set()
# Rules between settings, with values that make their messages as long as they get.
CROSS_FIELD = [
    {"api_services.locales": "en_GB,en_US,en_AU,en_IN,en_ZA"},
    {"api_services.locales": "en_US", "api_services.polly_voice": "Amy"},
    {"frameworks.availability_zone": "ap-southeast-4a"},
    {"layers": "platform,frameworks,api_services"},
    {"budget_stop_percent": "1000"},
    {"data.existing_bucket_name": "a" * 63, "platform.model_data_url": f"s3://{'b' * 63}/models/{'c' * 200}.tar.gz"},
]


def _sweep_lines(key: str) -> list[str]:
    lines: list[str] = []
    for bad in BAD_VALUES:
        try:
            load_settings(cdk_context(**{key: bad}))
        except SettingsError as error:
            lines.extend(error.problems)
    return lines


def _check_short(lines: list[str]) -> None:
    for line in lines:
        assert "\n" not in line
        assert len(line) <= MAX_MESSAGE_CHARS, f"{len(line)} characters: {line}"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(key, marks=pytest.mark.xfail(strict=True, reason="validator in a file another helper owns"))
        if key in NOT_YET_SHORT
        else key
        for key in setting_keys()
    ],
)
def test_no_settings_message_is_longer_than_a_line(key: str) -> None:
    lines = _sweep_lines(key)
    assert lines, f"{key} accepted every one of {len(BAD_VALUES)} bad values"
    _check_short(lines)


@pytest.mark.parametrize("overrides", CROSS_FIELD)
def test_no_rule_between_settings_gives_a_message_longer_than_a_line(overrides: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(cdk_context(**overrides))
    _check_short(caught.value.problems)


def test_a_region_typo_from_the_environment_is_short_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "US-EAST-1")
    line = settings_problem(region="")
    assert line == "AWS_REGION='US-EAST-1': not an AWS region; did you mean us-east-1? (or set -c region=...)"
