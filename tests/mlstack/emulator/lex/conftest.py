"""The app's own bot definition, from the synthesized ApiServices template, for the Lex runtime tests."""

from __future__ import annotations

from typing import Any

import pytest

from mlstack.emulator.lex.bot_model import Bot, Locale, bot_from_properties


@pytest.fixture(scope="session")
def bot_properties() -> dict[str, Any]:
    from tests.conftest import synth_app

    template = synth_app(layers="data,api_services").get_stack_by_name("Mlstack-ApiServices").template
    [bot] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lex::Bot"]
    return dict(bot["Properties"])


@pytest.fixture
def bot(bot_properties: dict[str, Any]) -> Bot:
    return bot_from_properties("BOT1", bot_properties)


@pytest.fixture
def locale(bot: Bot) -> Locale:
    return bot.locales["en_US"]
