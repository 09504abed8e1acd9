"""The core functions the CLI calls: answers in, a Plan (and a rendered project) out.

`make_plan` is pure: it scores, sizes and prices without touching the disk, so
the CLI's `recommend`, `archgen update` and the tests share one path. `new`
adds a team pack (when asked) and hands the plan to the renderer.
"""

from __future__ import annotations

import dataclasses
import importlib
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archgen import __version__
from archgen.cost import estimate, estimate_all, report
from archgen.decision import decide
from archgen.errors import UsageError
from archgen.plan import Constraints, Plan, Sizing
from archgen.record import ProjectRecord
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
    estimates = estimate_all(req)
    costs = {p: e.total_usd for p, e in estimates.items()}
    decision = decide(req, costs=costs, constraints=constraints, override=record.pattern)
    chosen = decision.chosen
    sizing = _merge_settings(size(req, chosen), settings_overrides)
    chosen_estimate = estimate(req, sizing) if settings_overrides else estimates[chosen]
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


def recommend(
    record: ProjectRecord,
    *,
    constraints: Constraints | None = None,
    settings_overrides: Mapping[str, Any] | None = None,
) -> Plan:
    """The plan `archgen recommend` prints (the same as `make_plan`)."""
    return make_plan(record, constraints=constraints, settings_overrides=settings_overrides)


@dataclass(frozen=True)
class NewResult:
    """What `archgen new` produced: the plan, where the project went, the files written."""

    plan: Plan
    path: Path
    files: list[str] = field(default_factory=list)
    pretend: bool = False


def new(
    record: ProjectRecord,
    output_dir: Path,
    *,
    force: bool = False,
    pretend: bool = False,
    pack: str | None = None,
    trust: bool = False,
) -> NewResult:
    """Plan the project and render it into `output_dir/<project_name>`.

    The project is made by this archgen, so it records (and pins the component
    library at) this version whatever version the answers file names.
    """
    record = record.model_copy(update={"archgen_version": __version__})
    constraints: Constraints | None = None
    overrides: Mapping[str, Any] | None = None
    overlays: list[Path] = []
    extra: Mapping[str, Any] | None = None
    applied: Any = None
    if pack is not None:
        packs = importlib.import_module("archgen.packs")
        applied = packs.apply_pack(record, pack, trust=trust)
        record = applied.record
        constraints = applied.constraints
        overrides = applied.settings_overrides
        extra = applied.extra_context
    plan = make_plan(record, constraints=constraints, settings_overrides=overrides)
    if applied is not None:
        overlays = list(applied.overlays_for(plan.decision.chosen))
    render = importlib.import_module("archgen.render")
    target = Path(output_dir) / plan.record.answers.project_name
    existed = target.exists()
    if applied is not None and not pretend:
        applied.run_hooks("pre_gen", target)
    result = render.render_project(
        plan, Path(output_dir), force=force, pretend=pretend, overlays=overlays, extra_context=extra
    )
    if not pretend:
        if applied is not None:
            try:
                applied.run_hooks("post_gen", result.path)
            except BaseException:
                if not existed:  # a project that fails its own hooks is not left half-made
                    shutil.rmtree(result.path, ignore_errors=True)
                raise
        # snapshot the templates (and pack) this project was made with, for `archgen update`
        importlib.import_module("archgen.update").remember_sources(
            applied.pack if applied is not None else None
        )
    return NewResult(plan=plan, path=result.path, files=list(result.files), pretend=pretend)


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
