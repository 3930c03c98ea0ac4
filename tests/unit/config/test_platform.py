"""Platform settings: the defaults cdk.json gives, one line naming setting, value and rule per bad value, and the
app's exit on one."""

from __future__ import annotations

import pytest

from stacks.config import load_settings
from tests.conftest import cdk_context, settings_problem

MEMORY = "a whole number from 1024 to 6144 in steps of 1024, e.g. 4096"


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("endpoint_memory_mb", "1500", f"endpoint_memory_mb='1500': {MEMORY}"),
        ("endpoint_memory_mb", "7168", f"endpoint_memory_mb='7168': {MEMORY}"),
        ("endpoint_memory_mb", "512", f"endpoint_memory_mb='512': {MEMORY}"),
        ("endpoint_max_concurrency", "0", "endpoint_max_concurrency='0': a whole number from 1 to 200, e.g. 2"),
        ("endpoint_max_concurrency", "201", "endpoint_max_concurrency='201': a whole number from 1 to 200, e.g. 2"),
        ("endpoint_instance_type", "ml.zz9.large",
         "endpoint_instance_type='ml.zz9.large': family zz9: not a SageMaker family, e.g. t3"),
        ("endpoint_instance_type", "m5.large",
         "endpoint_instance_type='m5.large': a SageMaker instance type: ml.<family>.<size>, e.g. ml.t3.medium"),
        ("notebook_instance_type", "ml.q1.medium",
         "notebook_instance_type='ml.q1.medium': family q1: not a SageMaker family"),
        ("notebook_volume_size_gb", "4", "notebook_volume_size_gb='4': a whole number from 5 to 16384, e.g. 5"),
        ("notebook_idle_stop_minutes", "-1", "notebook_idle_stop_minutes='-1': a whole number from 0 to 1440, e.g. 60"),
        ("notebook_idle_stop_minutes", "1441", "notebook_idle_stop_minutes='1441': a whole number from 0 to 1440"),
        ("notebook_network", "private", "notebook_network='private': one of public, vpc, e.g. public"),
        ("notebook_platform", "notebook-al1-v1",
         "notebook_platform='notebook-al1-v1': notebook-al2023-v<number> (Amazon Linux 2023)"),
        ("notebook_root_access", "maybe", "notebook_root_access='maybe': true or false, e.g. false"),
        ("endpoint_enabled", "perhaps", "endpoint_enabled='perhaps': true or false, e.g. true"),
        ("hf_model_id", "not a model",
         "hf_model_id='not a model': a Hugging Face Hub model id (owner/name: letters, digits, . _ -)"),
        ("hf_task", "Text Classification",
         "hf_task='Text Classification': a transformers pipeline task: lowercase letters, digits and hyphens"),
        ("endpoint_image_tag", "2.6.0-gpu-py312",
         "endpoint_image_tag='2.6.0-gpu-py312': a CPU tag of the Hugging Face inference image"),
    ],
)  # fmt: skip
def test_bad_platform_setting_is_one_clear_line(setting: str, value: str, message: str) -> None:
    problem = settings_problem(**{f"platform.{setting}": value})
    assert problem.startswith(f"platform.{message}"), problem


def test_platform_defaults_and_clearing_the_instance_type() -> None:
    settings = load_settings(cdk_context(**{"platform.endpoint_instance_type": ""}))
    platform = settings.platform
    assert platform.endpoint_instance_type is None
    assert (platform.endpoint_memory_mb, platform.endpoint_max_concurrency) == (4096, 2)
    assert platform.notebook_idle_stop_minutes == 60
    assert platform.notebook_network == "public"
    assert platform.endpoint_enabled is True


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            {"layers": "data,platform", "region": "mx-central-1"},
            "mlstack: invalid setting: region='mx-central-1': AWS publishes no huggingface-pytorch-inference",
        ),
        (
            {"platform.endpoint_memory_mb": "1500"},
            "mlstack: invalid setting: platform.endpoint_memory_mb='1500': a whole number from 1024 to 6144 in steps",
        ),
        ({"region": "us-fake-1"}, "mlstack: invalid setting: region='us-fake-1': not an AWS region; did you mean"),
    ],
)
def test_app_exits_with_one_line_for_a_bad_platform_setting(
    overrides: dict, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # app.py's main in this process (test_app.py runs it as the CLI does, in a process of its own)
    from app import main

    assert main(cdk_context(**overrides)) == 2
    [problem] = capsys.readouterr().err.splitlines()
    assert problem.startswith(line), problem
