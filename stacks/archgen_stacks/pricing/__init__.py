"""Cost from what is deployed: price every resource a stack config registers.

`estimate(resources, ...)` prices a resource graph (`graph.registered`);
`price_settings(settings, ...)` builds archgen's own stack program for a
`StackSettings` and prices it; `price_project(infra_dir, ...)` runs a generated
project's `infra/__main__.py` with one of its stack configs (the composition
root, with any component a team replaced) and prices that. All run offline
under Pulumi's mocks. Prices: `archgen/data/prices.yaml`; usage assumptions:
`archgen/data/usage-defaults.yaml`, overridden by a project's `infra/usage.yaml`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .graph import Resource, registered
from .model import Charge, Estimate, Line
from .project import price_project, project_config, project_usage
from .rules import FREE, RULES
from .table import PriceTable, Usage, usage

__all__ = [
    "Charge",
    "Estimate",
    "Line",
    "PriceTable",
    "Resource",
    "Usage",
    "estimate",
    "price_project",
    "price_settings",
    "project_config",
    "project_usage",
    "registered",
    "usage",
]


def estimate(
    resources: Iterable[Resource],
    *,
    region: str,
    use: Usage,
    stack: str = "dev",
) -> Estimate:
    """One line per registered AWS resource: its charges, $0 with a reason, or not priced."""
    from .context import Context

    table = PriceTable(region)
    graph = [r for r in resources if not r.is_component]
    ctx = Context(graph, table, use)
    lines: list[Line] = []
    for res in graph:
        rule = RULES.get(res.typ)
        if rule is not None:
            charges = rule(res, ctx)
            note = "" if charges else _zero_note(res)
            lines.append(Line(res.name, res.typ, res.parent, charges, note=note))
        elif res.typ in FREE:
            lines.append(Line(res.name, res.typ, res.parent, note=FREE[res.typ]))
        else:
            lines.append(
                Line(res.name, res.typ, res.parent, priced=False, note="not priced: unknown type")
            )
    return Estimate(
        stack=stack,
        region=region,
        prices_version=table.version,
        lines=lines,
        usage=dict(use.values),
    )


def _zero_note(res: Resource) -> str:
    if res.typ == "aws:ecs/taskDefinition:TaskDefinition":
        return "priced on the service that runs it"
    if res.typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
        return "gateway endpoints are free"
    return "no usage that is billed"


def price_settings(
    settings: Any,
    *,
    region: str = "us-east-1",
    answers: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    stack: str = "dev",
) -> Estimate:
    """Price archgen's stack program built from a `StackSettings`."""
    from archgen_stacks.program import AppArtifacts, build

    graph = registered(lambda: build(settings, AppArtifacts()), region=region, stack=stack)
    return estimate(graph, region=region, use=usage(answers, overrides), stack=stack)
