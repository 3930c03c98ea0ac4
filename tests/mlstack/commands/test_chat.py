"""`mlstack chat` and `mlstack conversations` as a user runs them (Stubber'd lexv2-runtime, moto CloudFormation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from mlstack.ops import deployment
from tests.mlstack.conftest import Cli
from tests.mlstack.lex_runtime_stub import TEMPLATE, expect, lex_reply


def test_say_mode_end_to_end(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    # given the stack outputs in (moto) CloudFormation and a stubbed Lex runtime
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        session.client("cloudformation").create_stack(
            StackName="Mlstack-ApiServices", TemplateBody=json.dumps(TEMPLATE)
        )
        lex = session.client("lexv2-runtime")
        stubber = Stubber(lex)
        expect(stubber, "say hi", lex_reply("Speak", "Fulfilled", "Here is your text", "https://example/x.mp3"))

        class Session:
            region_name = "us-east-1"

            def client(self, name: str, **kwargs: Any) -> Any:
                return lex if name == "lexv2-runtime" else session.client(name, **kwargs)

        monkeypatch.setattr(deployment, "new_session", lambda **_: Session())
        # when `mlstack chat --say` runs
        with stubber:
            result = cli("chat", "--say", "say hi")
    # then it prints the messages and the intent
    assert result.code == 0
    assert result.out.splitlines() == ["Here is your text", "https://example/x.mp3", "[Speak: Fulfilled]"]


def test_missing_stack_is_a_one_line_failure(cli: Cli) -> None:
    with mock_aws():
        result = cli("chat", "--say", "hi", "--prefix", "nobody", "-c", "region=us-east-1")
    assert result.code == 3
    assert result.err.startswith("mlstack: stack Nobody-ApiServices is not deployed in us-east-1: deploy its layer")
    assert len(result.err.splitlines()) == 1


def test_a_bad_conversations_file_is_a_usage_error(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "conversations.yaml"
    path.write_text("conversations: []\n")
    result = cli("conversations", str(path))
    assert result.code == 2
    assert "expected a top-level 'conversations' list" in result.err
