"""ApiServices settings: the defaults cdk.json gives, and one line naming setting, value and rule per bad value."""

from __future__ import annotations

import pytest

from stacks.config import load_settings
from tests.conftest import cdk_context, settings_problem


@pytest.mark.parametrize(
    ("overrides", "expected_line"),
    [
        (
            {"api_services.polly_voice": "Nicole"},
            "api_services.polly_voice='Nicole': not an English neural Amazon Polly voice, e.g. Joanna",
        ),
        (
            {"api_services.locales": "en_US,fr_FR"},
            "api_services.locales='en_US,fr_FR': unsupported locale 'fr_FR': one of en_US, en_GB, en_AU",
        ),
        ({"api_services.locales": "en_US,en_US"}, "each locale may appear once"),
        ({"api_services.locales": ""}, "api_services.locales='': give at least one of en_US"),
        (
            {"api_services.idle_session_ttl_seconds": "30"},
            "api_services.idle_session_ttl_seconds='30': a whole number from 60 to 86400, e.g. 300",
        ),
        (
            {"api_services.idle_session_ttl_seconds": "90000"},
            "api_services.idle_session_ttl_seconds='90000': a whole number from 60 to 86400, e.g. 300",
        ),
        ({"api_services.result_ttl_days": "0"}, "api_services.result_ttl_days='0': a whole number from 1 to 365"),
        (
            {"api_services.presigned_url_seconds": "86400"},
            "api_services.presigned_url_seconds='86400': a whole number from 60 to 43200, e.g. 3600",
        ),
        (
            {"api_services.log_retention_days": "31"},
            "api_services.log_retention_days='31': not a CloudWatch Logs retention in days; did you mean 30 or 60?",
        ),
        ({"api_services.bot_name": "x"}, "api_services.bot_name='x': unknown setting"),
    ],
)
def test_invalid_api_services_settings_give_one_line(overrides: dict[str, str], expected_line: str) -> None:
    problem = settings_problem(**overrides)
    assert expected_line in problem
    assert "\n" not in problem


def test_defaults_load_from_cdk_json() -> None:
    api = load_settings(cdk_context()).api_services
    assert (api.locales, api.idle_session_ttl_seconds, api.polly_voice) == (("en_US",), 300, "Joanna")
    assert (api.result_ttl_days, api.presigned_url_seconds, api.log_retention_days) == (30, 3600, 30)
