"""mlstack diagram: nodes and flows drawn from templates; docs/architecture.md matches the real app."""

from __future__ import annotations

from pathlib import Path

from mlstack.ops import diagram
from tests.conftest import ROOT
from tests.mlstack.conftest import Cli
from tests.mlstack.fixtures import fixture_stacks, real_stacks, resource, synthesized_app


def test_roles_are_drawn_as_their_users_and_cross_stack_flows_are_thick() -> None:
    text = diagram.render(fixture_stacks())
    # The notebook's role reads the Data bucket through an imported ARN: one thick arrow from the notebook.
    assert "Platform_NotebookD4 ==>|s3| Data_DataBucketA1" in text
    # The function's role invokes the Platform endpoint imported from the other stack.
    assert "ApiServices_FnC3 ==>|sagemaker| Platform_EndpointF6" in text
    # The instance's role (through its launch template's instance profile) reads the bucket via Fn::GetStackOutput.
    assert "Frameworks_InstanceE2 ==>|s3| Data_DataBucketA1" in text
    # Within a stack: thin arrows, permissions labelled with the service, references as `uses`.
    assert "ApiServices_FnC3 -->|dynamodb| ApiServices_TableB1" in text
    assert "ApiServices_FnC3 -->|uses| ApiServices_TableB1" not in text  # the permission explains it
    assert "Platform_NotebookD4 -->|uses| Platform_KeyA1" in text
    assert "Platform_EndpointF6 -->|uses| Platform_ConfigE6" in text
    assert "Role" not in text.split("```mermaid")[1]


def test_only_main_resources_are_nodes_and_the_rest_is_counted() -> None:
    text = diagram.render(fixture_stacks())
    assert 'subgraph Fixture_Platform["Fixture-Platform (2 alarms)"]' in text
    assert 'subgraph Fixture_Frameworks["Fixture-Frameworks (1 log group)"]' in text
    assert "Frameworks_SsmEndpointC1" in text  # interface endpoint: billed, drawn
    assert "S3EndpointC2" not in text  # gateway endpoint: free plumbing, not drawn
    assert "SubnetA2" not in text


def test_cdk_helper_functions_are_left_out() -> None:
    stacks = fixture_stacks()
    stacks[0].template["Resources"]["AutoDeleteHandler"] = resource(
        "AWS::Lambda::Function", "Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler", "Fixture-Data"
    )
    assert "AutoDeleteHandler" not in diagram.render(stacks)


def test_committed_architecture_matches_the_synthesized_app() -> None:
    committed = (ROOT / "docs" / "architecture.md").read_text()
    assert diagram.render(real_stacks()) == committed, "run `make diagram` and commit docs/architecture.md"


def test_check_mode_fails_on_a_stale_file(tmp_path: Path, cli: Cli) -> None:
    stale = tmp_path / "architecture.md"
    stale.write_text("# old\n")
    assembly = synthesized_app().directory
    assert cli("diagram", "--assembly", assembly, "--output", str(stale), "--check").code == 1
    assert cli("diagram", "--assembly", assembly, "--output", str(stale)).code == 0
    assert cli("diagram", "--assembly", assembly, "--output", str(stale), "--check").code == 0
