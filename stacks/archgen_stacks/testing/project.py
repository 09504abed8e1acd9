"""A generated project's own stack program, deployed into moto as `pulumi up` would run it.

`deploy_project(infra_dir)` runs the project's `infra/__main__.py` (its
composition root, with any component a team replaced) under the emulator, with
the config of `Pulumi.<stack>.yaml` passed the way the Pulumi engine passes it.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from archgen_stacks.project_dir import program_dir
from archgen_stacks.testing.emulator import DeployResult, MotoMocks, deploy


def config_value(value: Any) -> str:
    """A YAML config value as the engine hands it to `pulumi.Config.get`: objects as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def project_name(infra_dir: Path) -> str:
    """The Pulumi project name (`Pulumi.yaml` `name`), which is also the config namespace."""
    document = yaml.safe_load((infra_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
    return str(document["name"])


def stack_config(infra_dir: Path, stack: str) -> dict[str, str]:
    """Every key of `Pulumi.<stack>.yaml`, as the engine passes config to a program."""
    path = infra_dir / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    config = document.get("config") or {}
    return {str(key): config_value(value) for key, value in config.items()}


def deploy_project(
    infra_dir: Path,
    *,
    mocks: MotoMocks,
    stack: str = "dev",
    overrides: Mapping[str, str] | None = None,
) -> DeployResult:
    """Deploy `infra_dir/__main__.py` with `Pulumi.<stack>.yaml` (plus `overrides`) into moto.

    `overrides` are config keys without the namespace (`imageTag`).
    """
    infra_dir = Path(infra_dir).resolve()
    name = project_name(infra_dir)
    config = stack_config(infra_dir, stack)
    config.update({f"{name}:{key}": value for key, value in (overrides or {}).items()})
    program = infra_dir / "__main__.py"

    def run() -> None:
        with program_dir(infra_dir):
            runpy.run_path(str(program), run_name="__main__")

    return deploy(run, mocks=mocks, stack=stack, project=name, config=config)
