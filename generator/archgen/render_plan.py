"""The render plan: the template context computed from a Plan, in Python, not in templates.

Which layers a pattern renders (from the catalogue), the dependencies they bring
(from each layer's `layer.yaml`), the Mermaid diagram, the decision, sizing and
cost tables, the sized stack configs, the component library pins and the
project's `infra/__main__.py`. Templates only print names and values.

Context handed to every template as `cookiecutter.<name>`:

- `project_name` (title), `project_slug` (dashes), `package_name` (underscores),
  `pattern`, `region`, `archgen_version`, `description`: plain strings;
- `_archgen`: a dict computed from the plan (cookiecutter passes `_` keys through
  unrendered), with `pattern_title`, `layers`, `dependencies`,
  `test_dependencies`, `services`, `components` (rows: module, what it builds),
  `mermaid`, `reasons`, `warnings`, `why_not` (rows), `choice_note`, `criteria` and
  `score_rows`, `sizing_rows`, `headroom`, `consequences`, `cost_rows`, `cost_total`,
  `cost_per_pattern` (rows), `budget`, `budget_note`, `pricing`,
  `pulumi_dev_yaml`, `pulumi_staging_yaml`, `pulumi_prod_yaml`, `pulumi_local_yaml`,
  `usage_yaml`, `docker_cmd`, `entrypoints` (rows),
  `deploy_steps` (shell lines run before `pulumi up`), `after_deploy` (shell lines
  run after it, inside `infra/`), `stacks_requirement`,
  `stacks_requirement_policy`, `main_py`, and `spec` (the model spec's
  `template_context()`, see `model_spec.py`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from archgen import __version__, aws_limits, catalogue, prices
from archgen.errors import RenderError
from archgen.model_spec import DEFAULT_SPEC
from archgen.patterns import Pattern
from archgen.plan import Plan
from archgen.requirements import package_name
from archgen.sizing import MAX_API_TASKS
from archgen.stack_settings import StackSettings

ROOT_DIR = "{{cookiecutter.project_slug}}"
LOCAL_ENDPOINT = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Layer:
    """One template layer as `layer.yaml` describes it."""

    name: str
    path: Path
    meta: dict[str, Any]

    def items(self, key: str) -> list[Any]:
        value = self.meta.get(key) or []
        return list(value) if isinstance(value, list) else [value]


def layers_for(pattern: Pattern) -> list[str]:
    """The layer names a pattern renders, in order (from the catalogue)."""
    return catalogue.layers(pattern)


def template_dir() -> Path:
    """The built-in templates directory (package data `archgen.templates`)."""
    return Path(str(resources.files("archgen.templates")))


def load_layer(root: Path, name: str) -> Layer:
    """Read a layer's `layer.yaml`; a missing or malformed layer is a RenderError."""
    path = root / name
    meta_file = path / "layer.yaml"
    if not (path / ROOT_DIR).is_dir():
        raise RenderError(f"template layer {name!r}: {path / ROOT_DIR} not found")
    meta: dict[str, Any] = {}
    if meta_file.is_file():
        try:
            loaded = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise RenderError(f"template layer {name!r}: {meta_file}: {err}") from err
        if loaded is not None and not isinstance(loaded, dict):
            raise RenderError(f"template layer {name!r}: {meta_file} is not a mapping")
        meta = loaded or {}
    return Layer(name=name, path=path, meta=meta)


# -- the render plan -----------------------------------------------------------


_ACRONYMS = {"ai": "AI", "api": "API", "iot": "IoT", "ml": "ML", "etl": "ETL", "sla": "SLA"}


def _title(slug: str) -> str:
    """`fraud-scoring-api` -> `Fraud Scoring API`."""
    words = [w for w in slug.replace("_", "-").split("-") if w]
    return " ".join(_ACRONYMS.get(w, w.capitalize()) for w in words)


def _num(value: float | int | str) -> str:
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _price(value: float) -> str:
    """A unit price without scientific notation: `$0.000000625`, `$0.045`, `$1`."""
    text = f"{value:,.10f}".rstrip("0").rstrip(".")
    return f"${text}"


def _unique(items: Sequence[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _yaml(data: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=False, width=100)


def _sized_settings(plan: Plan, region: str, project_values: Mapping[str, Any]) -> StackSettings:
    """The sized stack settings over the project's own names (package, prefix) and the model
    spec's quality gate (metric, threshold and which side of it passes; a pack may override)."""
    spec = plan.record.model_spec or DEFAULT_SPEC
    values = {
        **project_values,
        "model_metric_name": spec.metric,
        "model_metric_threshold": spec.metric_threshold,
        "model_metric_goal": spec.metric_goal,
        **plan.sizing.stack_config,
        "pattern": plan.decision.chosen.value,
    }
    try:
        settings = StackSettings(**values)
        settings.validate(region)
    except (TypeError, ValueError) as err:
        raise RenderError(f"the sized stack config cannot be deployed: {err}") from err
    return settings


PROD_ZONES = 3
"""Availability zones a prod stack spans where the region has them (losing one leaves two)."""
PROD_LOG_RETENTION_DAYS = 90
"""CloudWatch Logs retention of a prod stack (a PutRetentionPolicy value), at least dev's."""


def prod_settings(settings: StackSettings, region: str) -> StackSettings:
    """The prod stack: dev's sizing spread over up to `PROD_ZONES` zones so losing one keeps
    capacity, the load balancer protected from deletion and logs kept longer."""
    zones = max(
        settings.availability_zones, min(PROD_ZONES, aws_limits.availability_zones(region)[0])
    )
    # losing one zone of `zones` must leave dev's desired tasks running
    desired = max(zones, math.ceil(settings.api_desired_tasks * zones / (zones - 1)))
    desired = min(MAX_API_TASKS, max(desired, settings.api_min_tasks))
    return dataclasses.replace(
        settings,
        availability_zones=zones,
        api_min_tasks=max(settings.api_min_tasks, min(zones, desired)),
        api_desired_tasks=desired,
        api_max_tasks=max(settings.api_max_tasks, desired),
        lb_deletion_protection=True,
        log_retention_days=max(settings.log_retention_days, PROD_LOG_RETENTION_DAYS),
    )


def stack_settings(settings: StackSettings, region: str) -> dict[str, StackSettings]:
    """The settings of each stack a team promotes through: dev, staging (dev's sizing, its
    own stack) and prod (`prod_settings`)."""
    return {"dev": settings, "staging": settings, "prod": prod_settings(settings, region)}


def _dev_config(settings: StackSettings, namespace: str, region: str) -> str:
    """A deployed stack's config: the region and the settings."""
    config: dict[str, Any] = {"aws:region": region}
    config.update(settings.to_config(namespace))
    return _yaml({"config": config})


def _local_config(
    settings: StackSettings, namespace: str, region: str, services: Sequence[str]
) -> str:
    """The local stack: the same pattern and sizes as dev, deployed into moto."""
    config: dict[str, Any] = {
        "aws:region": region,
        "aws:accessKey": "testing",
        "aws:secretKey": "testing",
        "aws:skipCredentialsValidation": True,
        "aws:skipMetadataApiCheck": True,
        "aws:skipRegionValidation": True,
        "aws:skipRequestingAccountId": True,
        "aws:s3UsePathStyle": True,
        "aws:endpoints": [{service: LOCAL_ENDPOINT for service in sorted(services)}],
    }
    # moto has no registry to push to: the local stack runs the tag you push (imageBuild false)
    local = dataclasses.replace(
        settings, name_prefix=f"{settings.name_prefix}-local", image_build=False
    )
    config.update(local.to_config(namespace))
    return _yaml({"config": config})


def _mermaid(layers: Sequence[Layer]) -> str:
    lines = ["flowchart LR"]
    for layer in layers:
        lines.extend(f"    {edge}" for edge in layer.items("diagram"))
    return "\n".join(_unique(lines))


def _plan_tables(plan: Plan) -> dict[str, Any]:
    decision, sizing, cost = plan.decision, plan.sizing, plan.cost
    criteria = sorted({c for s in decision.scores for c in s.by_criterion})
    score_rows = [
        [
            s.pattern.label,
            *[f"{s.by_criterion.get(c, 0.0):.2f}" for c in criteria],
            f"{s.total:.2f}" if s.feasible else "ruled out: " + "; ".join(s.ruled_out_by),
        ]
        for s in decision.scores
    ]
    why_not = [[p.label, decision.why_not[p]] for p in Pattern if p in decision.why_not]
    sizing_rows = [[f.label, f"{_num(f.value)} {f.unit}".strip(), f.basis] for f in sizing.figures]
    cost_rows = [
        [
            line.item,
            f"{_num(line.quantity)} {line.unit}".strip(),
            _price(line.unit_price_usd),
            _usd(line.monthly_usd),
        ]
        for line in cost.chosen.lines
    ]
    per_pattern = [[p.label, _usd(cost.per_pattern[p])] for p in Pattern if p in cost.per_pattern]
    budget_note = (
        f"Over the monthly budget of {_usd(cost.budget_usd)}."
        if cost.over_budget
        else f"Within the monthly budget of {_usd(cost.budget_usd)}."
    )
    pricing = cost.pricing
    return {
        "reasons": list(decision.reasons),
        "warnings": list(decision.warnings),
        "why_not": why_not,
        "criteria": [c.replace("_", " ") for c in criteria],
        "choice_note": (
            "the recommended pattern"
            if decision.recommended == decision.chosen
            else f"chosen over the recommended {decision.recommended.label}"
        ),
        "score_rows": score_rows,
        "recommended": decision.recommended.label,
        "overridden": decision.recommended != decision.chosen,
        "sizing_rows": sizing_rows,
        "headroom": sizing.headroom,
        "consequences": [
            f"Monthly estimate of the chosen pattern: {_usd(cost.chosen.total_usd)}. {budget_note}",
            *cost.drivers,
            *([sizing.headroom] if sizing.headroom else []),
        ],
        "cost_rows": cost_rows,
        "cost_total": _usd(cost.chosen.total_usd),
        "cost_per_pattern": per_pattern,
        "cost_drivers": list(cost.drivers),
        "budget": _usd(cost.budget_usd),
        "budget_note": budget_note,
        "pricing": (
            f"{pricing.source}, {pricing.region}, {pricing.date} (version {pricing.version})"
        ),
    }


STACKS_DISTRIBUTION = "archgen-stacks"
"""The component library a generated project pins (built from this repository's stacks/)."""


def stacks_requirements(version: str) -> dict[str, str]:
    """The pins of the component library at `version`: plain, with the policy pack, for tests."""
    return {
        "stacks": f"{STACKS_DISTRIBUTION}=={version}",
        "stacks_policy": f"{STACKS_DISTRIBUTION}[policy]=={version}",
        "stacks_testing": f"{STACKS_DISTRIBUTION}[testing,policy]=={version}",
    }


def main_py(components: Mapping[str, str] | None = None) -> str:
    """The body of the project's `infra/__main__.py`: the component library's program.

    `components` (part -> `components.<module>:<Class>`) are the project's own
    classes that replace archgen's; they are imported and handed to the program.
    """
    if not components:
        return "from archgen_stacks.program import main\n\nmain()"
    imports = sorted(
        f"from {target.split(':')[0]} import {target.split(':')[1]}"
        for target in components.values()
    )
    classes = ", ".join(
        f"{part}={target.split(':')[1]}" for part, target in sorted(components.items())
    )
    return "\n".join(
        [
            "from archgen_stacks.hybrid import ComponentClasses",
            "from archgen_stacks.program import main",
            "",
            *imports,
            "",
            f"main(components=ComponentClasses({classes}))",
        ]
    )


def _layer_stack_config(layer: Layer, pattern: str) -> dict[str, Any]:
    """A layer's `stack_config`, then its `pattern_stack_config[pattern]` over it (the hybrid's
    stream carries the API's prediction log, so its consumer is the monitoring one)."""
    by_pattern = layer.meta.get("pattern_stack_config") or {}
    return {**(layer.meta.get("stack_config") or {}), **(by_pattern.get(pattern) or {})}


def build_context(
    plan: Plan,
    extra_context: Mapping[str, Any] | None = None,
    *,
    template_root: Path | None = None,
    components: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The template context for a plan (see the module docstring); extra keys win."""
    root = template_root or template_dir()
    pattern = plan.decision.chosen
    layers = [load_layer(root, name) for name in layers_for(pattern)]
    answers = plan.record.answers
    slug = answers.project_name
    package = package_name(slug)
    services = catalogue.services(pattern)
    entrypoints = [row for layer in layers for row in layer.items("entrypoints")]
    project_values = {
        key: str(value).format(package=package, slug=slug)
        for layer in layers
        for key, value in _layer_stack_config(layer, pattern.value).items()
    }
    docker_cmd = next(
        (str(layer.meta["docker_cmd"]) for layer in reversed(layers) if "docker_cmd" in layer.meta),
        "python -m {package}",
    )
    settings = _sized_settings(plan, answers.region, project_values)
    version = plan.record.archgen_version or __version__
    stacks = stacks_requirements(version)
    archgen: dict[str, Any] = {
        "pattern_title": pattern.label,
        "layers": [layer.name for layer in layers],
        "dependencies": _unique([d for layer in layers for d in layer.items("dependencies")]),
        "test_dependencies": _unique(
            [str(d).format(**stacks) for layer in layers for d in layer.items("test_dependencies")]
        ),
        "stacks_requirement": stacks["stacks"],
        "stacks_requirement_policy": stacks["stacks_policy"],
        "main_py": main_py(components),
        "services": services,
        "components": _unique([c for layer in layers for c in layer.items("components")]),
        "mermaid": _mermaid(layers),
        **{
            f"pulumi_{stack}_yaml": _dev_config(stack_sized, slug, answers.region)
            for stack, stack_sized in stack_settings(settings, answers.region).items()
        },
        "pulumi_local_yaml": _local_config(settings, slug, answers.region, services),
        "usage_yaml": prices.usage_file_entries(
            {"daily_volume": answers.daily_volume, "peak_factor": answers.peak_factor}
        ),
        "docker_cmd": json.dumps(docker_cmd.format(package=package).split()),
        "entrypoints": [[what, how.format(package=package)] for what, how in entrypoints],
        "deploy_steps": _unique([step for layer in layers for step in layer.items("deploy_steps")]),
        "after_deploy": _unique([step for layer in layers for step in layer.items("after_deploy")]),
        "spec": (plan.record.model_spec or DEFAULT_SPEC).template_context(),
        **_plan_tables(plan),
    }
    context: dict[str, Any] = {
        "project_name": _title(slug),
        "project_slug": slug,
        "package_name": package,
        "pattern": pattern.value,
        "region": answers.region,
        "archgen_version": version,
        "description": (
            f"{_title(slug)}: a {pattern.label.lower()} AI service generated by archgen."
        ),
        "_archgen": archgen,
    }
    context.update(extra_context or {})
    return context
