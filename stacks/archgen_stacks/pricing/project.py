"""Price a generated project's own stack program with one of its stack configs."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import yaml

from archgen.errors import UsageError

from ..project_dir import program_dir
from .graph import Resource, registered
from .model import Estimate
from .table import Usage, usage

USAGE_FILE = "usage.yaml"


def _config_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _yaml(text: str, what: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        raise UsageError(f"{what}: not valid YAML ({err})") from err
    if not isinstance(document, dict):
        raise UsageError(f"{what}: expected a mapping")
    return document


def project_config(text: str, what: str = "stack config") -> dict[str, str]:
    """The `config:` of a `Pulumi.<stack>.yaml` text, as the engine passes it to a program."""
    config = _yaml(text, what).get("config") or {}
    if not isinstance(config, dict):
        raise UsageError(f"{what}: `config` must be a mapping")
    return {str(k): _config_value(v) for k, v in config.items()}


def project_usage(project_dir: Path) -> Usage:
    """The project's usage: defaults, its answers (`.archgen.yaml`), its `infra/usage.yaml`."""
    answers: dict[str, Any] = {}
    record = project_dir / ".archgen.yaml"
    if record.is_file():
        answers = dict(
            _yaml(record.read_text(encoding="utf-8"), ".archgen.yaml").get("answers") or {}
        )
    overrides: dict[str, Any] = {}
    path = project_dir / "infra" / USAGE_FILE
    if path.is_file():
        overrides = _yaml(path.read_text(encoding="utf-8"), f"infra/{USAGE_FILE}")
    return usage(answers, overrides)


def project_graph(
    project_dir: Path, *, stack: str = "dev", config_text: str | None = None
) -> tuple[list[Resource], str]:
    """Run `infra/__main__.py` under mocks with `Pulumi.<stack>.yaml` (or `config_text`).

    Returns every registered resource and the stack's region. The pricer and
    `archgen scan` both read a project through this one run.
    """
    project_dir = Path(project_dir).resolve()
    infra = project_dir / "infra"
    stack_file = infra / f"Pulumi.{stack}.yaml"
    if not infra.is_dir():
        raise UsageError(f"{project_dir} has no infra/ (is this a generated project?)")
    if config_text is None:
        if not stack_file.is_file():
            raise UsageError(f"no stack config {stack_file} (is this a generated project?)")
        config_text = stack_file.read_text(encoding="utf-8")
    name = str(_yaml((infra / "Pulumi.yaml").read_text(encoding="utf-8"), "Pulumi.yaml")["name"])
    config = project_config(config_text, f"Pulumi.{stack}.yaml")
    region = config.get("aws:region", "us-east-1")
    program = infra / "__main__.py"

    def run() -> None:
        with program_dir(infra):
            runpy.run_path(str(program), run_name="__main__")

    return registered(run, config, region=region, project=name, stack=stack), region


def price_project(
    project_dir: Path,
    *,
    stack: str = "dev",
    config_text: str | None = None,
    use: Usage | None = None,
) -> Estimate:
    """Run `infra/__main__.py` under mocks with `Pulumi.<stack>.yaml` or `config_text`; price it."""
    from . import estimate

    graph, region = project_graph(project_dir, stack=stack, config_text=config_text)
    use = use or project_usage(Path(project_dir).resolve())
    return estimate(graph, region=region, use=use, stack=stack)
