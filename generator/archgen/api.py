"""The core functions: answers in, a Plan (and a rendered project) out.

`make_plan` is pure: it builds one candidate per pattern (sized and priced
once), decides, and finalizes the chosen candidate with the overrides, without
touching the disk. `recommend` and `new` are the library entry points of the
same `Pipeline` the CLI, `archgen update` and `archgen check` run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archgen import __version__
from archgen.cost import estimate, price_table, report
from archgen.decision import decide
from archgen.errors import UsageError
from archgen.patterns import Pattern
from archgen.pipeline import NewResult, Pipeline
from archgen.plan import Constraints, CostEstimate, Plan, Sizing
from archgen.record import ProjectRecord
from archgen.requirements import Requirements
from archgen.sizing import size
from archgen.stack_settings import StackSettings


def _merge_settings(sizing: Sizing, overrides: Mapping[str, Any] | None) -> Sizing:
    """Overrides (StackSettings field names) over the sized values, checked by StackSettings."""
    config = dict(sizing.stack_config)
    known = {f.name for f in dataclasses.fields(StackSettings)}
    unknown = sorted(set(overrides or {}) - known)
    if unknown:
        raise UsageError(f"unknown stack setting(s): {', '.join(unknown)}")
    config.update(overrides or {})
    # Fields the sizing knows but this version of StackSettings does not are dropped.
    config = {k: v for k, v in config.items() if k in known}
    try:
        StackSettings(**config).validate()
    except (TypeError, ValueError) as err:
        raise UsageError(f"stack settings: {err}") from err
    return sizing.model_copy(update={"stack_config": config})


def make_candidates(req: Requirements) -> dict[Pattern, tuple[Sizing, CostEstimate]]:
    """One candidate per pattern: its sizing and its priced estimate, each computed once."""
    table = price_table(req.region)
    candidates: dict[Pattern, tuple[Sizing, CostEstimate]] = {}
    for pattern in Pattern:
        sizing = size(req, pattern)
        candidates[pattern] = (sizing, estimate(req, sizing, table))
    return candidates


def make_plan(
    record: ProjectRecord,
    *,
    constraints: Constraints | None = None,
    settings_overrides: Mapping[str, Any] | None = None,
) -> Plan:
    """Decide, size and price the project `record` describes.

    `record.pattern`, when set, overrides the recommendation (with a warning);
    `constraints` forbid patterns or cap the budget; `settings_overrides` are
    StackSettings values merged over the sized ones.
    """
    req = record.answers
    candidates = make_candidates(req)
    costs = {p: e.total_usd for p, (_, e) in candidates.items()}
    decision = decide(req, costs=costs, constraints=constraints, override=record.pattern)
    chosen = decision.chosen
    sized, priced = candidates[chosen]
    sizing = _merge_settings(sized, settings_overrides)
    chosen_estimate = estimate(req, sizing) if settings_overrides else priced
    costs[chosen] = chosen_estimate.total_usd
    budget = req.monthly_budget_usd
    if constraints is not None and constraints.max_budget_usd is not None:
        budget = min(budget, constraints.max_budget_usd)
    cost = report(req, chosen_estimate, costs, budget_usd=budget)
    warnings = list(decision.warnings)
    if "priced as" in cost.pricing.region:
        warnings.append(f"Region {req.region} has no price multiplier; priced as us-east-1.")
    if cost.over_budget and budget < req.monthly_budget_usd:
        warnings.append(
            f"The team budget ceiling of ${budget:,.0f}/month applies (below the stated budget)."
        )
    decision = decision.model_copy(update={"warnings": warnings})
    record = record.model_copy(
        update={"pattern": chosen, "archgen_version": record.archgen_version or __version__}
    )
    return Plan(record=record, decision=decision, sizing=sizing, cost=cost)


def recommend(record: ProjectRecord, *, pack: str | None = None, trust: bool = False) -> Plan:
    """The plan `archgen recommend` prints, under the team pack's rules when one is given."""
    return Pipeline(pack, trust=trust).run_recommend(record)


def new(
    record: ProjectRecord,
    output_dir: Path,
    *,
    force: bool = False,
    pretend: bool = False,
    pack: str | None = None,
    trust: bool = False,
) -> NewResult:
    """Plan the project and render it into `output_dir/<project_name>` (see `Pipeline.run_new`)."""
    return Pipeline(pack, trust=trust).run_new(record, output_dir, force=force, pretend=pretend)


__all__ = [
    "NewResult",
    "Pipeline",
    "make_candidates",
    "make_plan",
    "new",
    "plan_to_json",
    "recommend",
]


JSON_SCHEMA_VERSION = 1
"""Version of the `recommend --json` object; bumped when a key changes meaning or goes away."""


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as the `archgen recommend --json` object (documented in docs/recommend-json.md).

    Top level: `schema_version`, `archgen_version`, `pattern` (the chosen
    pattern), `recommended`, `scores`, `reasons`, `why_not`, `warnings`,
    `sizing`, `cost`, `answers`. Enum values are their lower-case strings.
    """
    decision = plan.decision
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "archgen_version": __version__,
        "pattern": decision.chosen.value,
        "recommended": decision.recommended.value,
        "scores": [s.model_dump(mode="json") for s in decision.scores],
        "reasons": list(decision.reasons),
        "why_not": {p.value: text for p, text in decision.why_not.items()},
        "warnings": list(decision.warnings),
        "sizing": plan.sizing.model_dump(mode="json"),
        "cost": plan.cost.model_dump(mode="json"),
        "answers": plan.record.answers.as_answers(),
    }
