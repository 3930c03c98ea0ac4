"""`make diagram`: docs/architecture.md, a Mermaid diagram of the app drawn from its synthesized templates.

Nodes are each stack's main resources; an IAM role is drawn as the resource that uses it (notebook,
instance, function). Arrows: a resource referencing another (`uses`), a role's permissions on a resource
(labelled with the services), and cross-stack values (`Fn::ImportValue`, thick arrows). Regenerate after
changing a stack; a test fails while the committed file differs from the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlstack.ops import settings as ops_settings
from mlstack.ops import ui
from mlstack.ops.templates import StackTemplate, load_templates

OUTPUT = ops_settings.ROOT / "docs" / "architecture.md"
MAIN_TYPES = {
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::KMS::Key": "KMS key",
    "AWS::Glue::Database": "Glue database",
    "AWS::Athena::WorkGroup": "Athena workgroup",
    "AWS::IAM::ManagedPolicy": "IAM managed policy",
    "AWS::Budgets::Budget": "Budget",
    "AWS::SageMaker::NotebookInstance": "SageMaker notebook",
    "AWS::SageMaker::Model": "SageMaker model",
    "AWS::SageMaker::EndpointConfig": "endpoint config",
    "AWS::SageMaker::Endpoint": "SageMaker endpoint",
    "AWS::EC2::VPC": "VPC",
    "AWS::EC2::NatGateway": "NAT gateway",
    "AWS::EC2::VPCEndpoint": "VPC endpoint",
    "AWS::EC2::Instance": "EC2 instance",
    "AWS::EC2::FlowLog": "flow log",
    "AWS::Lambda::Function": "Lambda function",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::Lex::Bot": "Lex bot",
    "AWS::Lex::BotAlias": "Lex bot alias",
}
# Counted in the stack's title rather than drawn one by one.
COUNTED_TYPES = {"AWS::CloudWatch::Alarm": ("alarm", "alarms"), "AWS::Logs::LogGroup": ("log group", "log groups")}
# CDK's own helper functions (bucket auto-delete, log retention, custom resource providers) are not architecture.
CDK_INTERNAL_PATH = re.compile(r"^(Custom::|AWS679f53fac002430cb0da5b7982bd2287|LogRetention)|/Provider/framework")
PUBLIC_S3_ARN = re.compile(r":s3:::([a-z0-9][a-z0-9.-]+[a-z0-9])")


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    label: str
    cross_stack: bool


def _node_id(stack: StackTemplate, logical_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{stack.layer}_{logical_id}")


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every intrinsic in a property tree: ('Ref'|'GetAtt'|'ImportValue'|'StackOutput'|'Join', argument)."""
    if isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref":
                yield "Ref", argument
            elif key == "Fn::GetAtt":
                yield "GetAtt", argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
            elif key == "Fn::ImportValue":
                yield "ImportValue", argument
            elif key == "Fn::GetStackOutput":  # CDK's newer cross-stack reference: {StackName, OutputName}
                yield "StackOutput", argument
            elif key == "Fn::Join":
                yield "Join", argument
            if key != "Tags":
                yield from _walk(argument)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


class ArchitectureGraph:
    """Nodes and edges of every stack, resolved across stacks through their exports."""

    def __init__(self, stacks: list[StackTemplate]) -> None:
        self.stacks = stacks
        self.exports: dict[str, tuple[StackTemplate, str]] = {}  # export name -> producer and logical id
        self.outputs: dict[tuple[str, str], tuple[StackTemplate, str]] = {}  # (stack, output) -> the same
        for stack in stacks:
            for output_name, output in stack.template.get("Outputs", {}).items():
                targets = [arg for kind, arg in _walk(output.get("Value")) if kind in ("Ref", "GetAtt")]
                if not targets:
                    continue
                self.outputs[(stack.name, output_name)] = (stack, targets[0])
                name = (output.get("Export") or {}).get("Name")
                if isinstance(name, str):
                    self.exports[name] = (stack, targets[0])
        self.nodes: dict[str, tuple[StackTemplate, str, str]] = {}  # node id -> stack, label, kind
        self.role_owner: dict[tuple[str, str], str] = {}
        self.external: set[str] = set()
        for stack in stacks:
            for logical_id, resource in stack.resources.items():
                if self._is_main(stack, logical_id, resource):
                    label = f"{stack.path_of(logical_id)}<br/>{MAIN_TYPES[resource['Type']]}"
                    self.nodes[_node_id(stack, logical_id)] = (stack, label, resource["Type"])
            self._find_role_owners(stack)
        self.edges: set[Edge] = set()
        for stack in stacks:
            self._edges_of(stack)

    @staticmethod
    def _is_main(stack: StackTemplate, logical_id: str, resource: dict[str, Any]) -> bool:
        if resource.get("Type") not in MAIN_TYPES:
            return False
        if resource["Type"] == "AWS::EC2::VPCEndpoint":
            return resource.get("Properties", {}).get("VpcEndpointType") == "Interface"
        return not CDK_INTERNAL_PATH.search(stack.path_of(logical_id))

    def _roles_used_by(self, stack: StackTemplate, properties: Any) -> set[str]:
        roles: set[str] = set()
        for kind, target in _walk(properties):
            if kind not in ("Ref", "GetAtt") or not isinstance(target, str):
                continue
            resource = stack.resources.get(target, {})
            if resource.get("Type") == "AWS::IAM::Role":
                roles.add(target)
            elif resource.get("Type") == "AWS::IAM::InstanceProfile":
                roles |= {t for k, t in _walk(resource.get("Properties", {}).get("Roles")) if k == "Ref"}
            elif resource.get("Type") == "AWS::EC2::LaunchTemplate":  # the instance profile may sit in it
                roles |= self._roles_used_by(stack, resource.get("Properties", {}))
        return roles

    def _find_role_owners(self, stack: StackTemplate) -> None:
        users: dict[str, set[str]] = {}
        for logical_id, resource in stack.resources.items():
            node = _node_id(stack, logical_id)
            if node in self.nodes:
                for role in self._roles_used_by(stack, resource.get("Properties", {})):
                    users.setdefault(role, set()).add(node)
        for role, nodes in users.items():
            if len(nodes) == 1:  # a role shared by several resources stays unattributed
                self.role_owner[(stack.name, role)] = next(iter(nodes))

    def _resolve(self, stack: StackTemplate, kind: str, argument: Any) -> str | None:
        """The node a reference points at, following exports across stacks; roles map to their owner."""
        if kind == "ImportValue" and isinstance(argument, str) and argument in self.exports:
            stack, argument = self.exports[argument]
        elif kind == "StackOutput" and isinstance(argument, dict):
            key = (str(argument.get("StackName")), str(argument.get("OutputName")))
            if key not in self.outputs:
                return None
            stack, argument = self.outputs[key]
        elif kind not in ("Ref", "GetAtt") or not isinstance(argument, str):
            return None
        if (stack.name, argument) in self.role_owner:
            return self.role_owner[(stack.name, argument)]
        node = _node_id(stack, argument)
        return node if node in self.nodes else None

    def _source_of(self, stack: StackTemplate, logical_id: str, resource: dict[str, Any]) -> str | None:
        node = _node_id(stack, logical_id)
        if node in self.nodes:
            return node
        if resource.get("Type") == "AWS::IAM::Role":
            return self.role_owner.get((stack.name, logical_id))
        return None

    def _add(self, source: str, target: str, label: str) -> None:
        """An edge; thick when it crosses stacks or leaves the app (public buckets)."""
        if source != target:
            target_stack = self.nodes[target][0].name if target in self.nodes else None
            self.edges.add(Edge(source, target, label, self.nodes[source][0].name != target_stack))

    def _edges_of(self, stack: StackTemplate) -> None:
        for logical_id, resource in stack.resources.items():
            properties = resource.get("Properties", {}) or {}
            if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                self._permission_edges(stack, logical_id, properties)
            source = self._source_of(stack, logical_id, resource)
            if source is None:
                continue
            for kind, argument in _walk(properties):
                target = self._resolve(stack, kind, argument)
                if target is not None:
                    self._add(source, target, "uses")

    def _permission_edges(self, stack: StackTemplate, logical_id: str, properties: dict[str, Any]) -> None:
        roles = _walk(properties.get("Roles"))
        sources = {self._resolve(stack, k, a) for k, a in roles if k in ("Ref", "ImportValue", "StackOutput")}
        if _node_id(stack, logical_id) in self.nodes:  # a managed policy drawn itself
            sources.add(_node_id(stack, logical_id))
        sources.discard(None)
        if not sources:
            return
        for statement in (properties.get("PolicyDocument") or {}).get("Statement", []):
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action", [])
            services = sorted({str(a).split(":")[0] for a in ([actions] if isinstance(actions, str) else actions)})
            label = ", ".join(services)
            for kind, argument in _walk(statement.get("Resource")):
                target = self._resolve(stack, kind, argument)
                if target is None and kind == "Join":
                    text = "".join(part for part in argument[1] if isinstance(part, str))
                    for bucket in PUBLIC_S3_ARN.findall(text):
                        target = f"external_{re.sub(r'[^A-Za-z0-9_]', '_', bucket)}"
                        self.external.add(bucket)
                if target is not None:
                    for source in sorted(s for s in sources if s is not None):
                        self._add(source, target, label)

    def mermaid(self) -> str:
        lines = ["flowchart LR"]
        for stack in self.stacks:
            counts = []
            for type_, (one, many) in COUNTED_TYPES.items():
                count = sum(1 for r in stack.resources.values() if r.get("Type") == type_)
                if count:
                    counts.append(f"{count} {one if count == 1 else many}")
            title = stack.name + (f" ({', '.join(counts)})" if counts else "")
            lines.append(f'  subgraph {re.sub(r"[^A-Za-z0-9_]", "_", stack.name)}["{title}"]')
            for node, (node_stack, label, _) in self.nodes.items():
                if node_stack is stack:
                    lines.append(f'    {node}["{label}"]')
            lines.append("  end")
        if self.external:
            lines.append('  subgraph External["Registry of Open Data (public, read-only)"]')
            for bucket in sorted(self.external):
                lines.append(f'    external_{re.sub(r"[^A-Za-z0-9_]", "_", bucket)}["s3://{bucket}"]')
            lines.append("  end")
        # A permission says more than the reference that comes with it (an ARN in an environment variable).
        explained = {(e.source, e.target) for e in self.edges if e.label != "uses"}
        for edge in sorted(e for e in self.edges if e.label != "uses" or (e.source, e.target) not in explained):
            arrow = "==>" if edge.cross_stack else "-->"
            lines.append(f"  {edge.source} {arrow}|{edge.label}| {edge.target}")
        return "\n".join(lines)


def render(stacks: list[StackTemplate]) -> str:
    """The whole docs/architecture.md."""
    graph = ArchitectureGraph(stacks)
    return "\n".join(
        [
            "# Architecture",
            "",
            "Generated by `make diagram` from the synthesized templates with default settings: do not edit by",
            "hand (a unit test fails when this file differs from the app). Boxes are stacks; a role is drawn as",
            "the resource that uses it; arrows are references (`uses`), IAM permissions (labelled with the",
            "services) and, thick, values passed between stacks or to public buckets.",
            "",
            "```mermaid",
            graph.mermaid(),
            "```",
            "",
        ]
    )


def diagram(context: tuple[str, ...], prefix: str | None, assembly: Path | None) -> tuple[str, int]:
    """The architecture page of the synthesized app (or `assembly`), and its number of stacks."""
    overrides = {"region": "us-east-1", **ops_settings.parse_overrides(context, prefix)}
    ops_settings.load(overrides)
    try:
        stacks = load_templates(overrides, assembly=assembly)
    except RuntimeError as error:
        raise ui.CommandError(f"synth failed: {error}", ui.EXIT_USAGE) from None
    return render(stacks), len(stacks)
