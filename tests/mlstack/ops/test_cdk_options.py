"""The CDK CLI's declared options: the committed list is the installed CLI's, and arguments are checked by it."""

from __future__ import annotations

import pytest

from mlstack.ops import cdk_options
from mlstack.ops.cdk_options import ArgumentError, check


@pytest.mark.skipif(not cdk_options.REGISTRY.exists(), reason="the pinned CDK CLI is not installed (make setup)")
def test_the_committed_options_are_those_the_installed_cli_declares() -> None:
    # On a CLI upgrade: `python -m mlstack.ops.cdk_options` writes the file again.
    assert cdk_options.declared() == cdk_options.committed()


def test_the_list_holds_the_subcommands_the_makefile_runs_with_their_options() -> None:
    commands = cdk_options.committed()["commands"]
    assert {"synth", "diff", "deploy", "destroy", "bootstrap"} <= set(commands)
    assert "require-approval" in commands["deploy"]["options"]
    assert "force" in commands["destroy"]["options"]
    assert "require-approval" not in commands["destroy"]["options"]
    assert "prefix" not in cdk_options.committed()["global"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["destroy", "--all", "--force", "--prefix", "ana"], ["destroy", "--all", "--force", "-c", "prefix=ana"]),
        (
            ["deploy", "--all", "--prefix=ana", "-c", "layers=data"],
            ["deploy", "--all", "-c", "layers=data", "-c", "prefix=ana"],
        ),
        (["diff", "--prefix", "ana"], ["diff", "-c", "prefix=ana"]),
        (["synth", "--quiet", "--prefix", "ana", "-vv"], ["synth", "--quiet", "-vv", "-c", "prefix=ana"]),
        (
            ["deploy", "--require-approval", "never", "-R", "--no-rollback"],
            ["deploy", "--require-approval", "never", "-R", "--no-rollback"],
        ),
        (["synthesize", "--output=cdk.x"], ["synthesize", "--output=cdk.x"]),
        (["deploy", "--prefix", "ana", "-c", "prefix=ana"], ["deploy", "-c", "prefix=ana", "-c", "prefix=ana"]),
    ],
)
def test_declared_options_pass_and_prefix_becomes_a_context_setting(args: list[str], expected: list[str]) -> None:
    assert check(args).cli_args == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["destroy", "--all", "--prefx", "ana"],
            "cdk destroy: --prefx is not an option of the pinned CDK CLI (did you mean --prefix?)",
        ),
        (["destroy", "--require-approval", "never"], "cdk destroy: --require-approval is not an option"),
        (["synth", "--all"], "cdk synth: --all is not an option"),
        # The CLI only warns about it (diff compares every stack without it): the Makefile's diff had it.
        (["diff", "--all"], "cdk diff: --all is not an option"),
        (["diff", "-x"], "cdk diff: -x is not an option"),
        (["destory", "--all"], "cdk: 'destory' is not a command of the pinned CDK CLI; did you mean destroy?"),
        (["deploy", "--prefix"], "cdk deploy: --prefix needs a value"),
        (["deploy", "--prefix", "ana", "-c", "prefix=bob"], "cdk deploy: --prefix ana and -c prefix=bob disagree"),
    ],
)
def test_anything_else_is_refused_with_one_line_and_exit_2(args: list[str], message: str) -> None:
    with pytest.raises(ArgumentError) as refused:
        check(args)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)
    assert refused.value.code == 2


def test_a_value_that_looks_like_an_option_name_is_a_value() -> None:
    assert check(["deploy", "--change-set-name", "all", "--app", "cdk.out"]).command == "deploy"


@pytest.mark.parametrize("args", [[], ["--help"], ["deploy", "-h"]])
def test_help_is_recognised(args: list[str]) -> None:
    assert check(args).help
