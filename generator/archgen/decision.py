"""The decision engine: hard constraints first, then a weighted score per pattern and criterion.

Everything here is a pure function over typed data. The seed's decision matrix,
the fit of each pattern to the answers it does not cover, the weights and the
thresholds live in `data/matrix.yaml`, so the whole model can be read (and
overridden) in one place. The result is a `Decision`: the recommendation, the
reasons in sentences, a "why not" for every other pattern and the warnings an
override or a team pack's constraints call for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from archgen import catalogue
from archgen.errors import DecisionError
from archgen.patterns import DataArrival, Level, Pattern
from archgen.plan import Constraints, Decision, Score
from archgen.requirements import Requirements

CRITERIA: tuple[str, ...] = (
    "latency",
    "volume",
    "complexity",
    "cost",
    "urgency",
    "data_arrival",
    "model_update",
    "budget",
)
"""Every criterion a pattern is scored on: the seed's four columns, then the fit to the answers."""

LABELS: dict[str, str] = {
    "latency": "latency",
    "volume": "volume",
    "complexity": "complexity",
    "cost": "cost",
    "urgency": "urgency",
    "data_arrival": "data arrival",
    "model_update": "model updates",
    "budget": "budget",
}
"""How each criterion is named in sentences."""

MATRIX_COLUMNS: tuple[str, ...] = ("latency", "volume", "complexity", "cost")
SIMPLICITY: tuple[Pattern, ...] = (
    Pattern.BATCH,
    Pattern.REALTIME,
    Pattern.HYBRID,
    Pattern.STREAMING,
)
"""Tie-break order: on equal totals the pattern with fewer moving parts wins."""


class Limits(BaseModel):
    """Thresholds of the hard constraints and of the latency and volume levels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_min_latency_ms: int
    streaming_min_sync_latency_ms: int
    realtime_max_peak_rps: float
    latency_low_ms: int
    latency_medium_ms: int
    volume_medium_per_day: int
    volume_high_per_day: int
    volume_very_high_per_day: int


class Matrix(BaseModel):
    """The decision model: the seed's matrix, the answer fits, the weights and the limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    source: str
    matrix: dict[Pattern, dict[str, Level]]
    fit: dict[str, dict[str, dict[Pattern, float]]]
    traits: dict[Pattern, dict[str, str]] = Field(default_factory=dict)
    weights: dict[str, float] = Field(default_factory=dict)
    limits: Limits

    def weight(self, criterion: str) -> float:
        return self.weights.get(criterion, 0.0)


def load_matrix(path: Path | None = None) -> Matrix:
    """Read a decision model file (the built-in `data/matrix.yaml` when `path` is None)."""
    if path is None:
        return _builtin_matrix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Matrix.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as err:
        first = str(err).splitlines()[0]
        raise DecisionError(f"{path}: not a valid decision matrix: {first}") from err


@lru_cache(maxsize=1)
def _builtin_matrix() -> Matrix:
    text = resources.files("archgen").joinpath("data/matrix.yaml").read_text(encoding="utf-8")
    return Matrix.model_validate(yaml.safe_load(text))


# -- the levels the answers call for -----------------------------------------------


def latency_need(req: Requirements, m: Matrix) -> Level:
    """The latency level the answers need: low (online), medium (minutes), high (ahead of time)."""
    if req.latency_p99_ms < m.limits.latency_low_ms:
        return Level.LOW
    if req.latency_p99_ms < m.limits.latency_medium_ms:
        return Level.MEDIUM
    return Level.HIGH


def volume_need(req: Requirements, m: Matrix) -> Level:
    """The volume level of the growth target (what the design must absorb, not just today)."""
    target = req.growth_target
    if target >= m.limits.volume_very_high_per_day:
        return Level.VERY_HIGH
    if target >= m.limits.volume_high_per_day:
        return Level.HIGH
    if target >= m.limits.volume_medium_per_day:
        return Level.MEDIUM
    return Level.LOW


def growth_peak_rps(req: Requirements) -> float:
    """Peak requests per second at the growth target."""
    return req.growth_target / 86_400 * req.peak_factor


# -- hard constraints -----------------------------------------------------------------


class PartConstraints(Constraints):
    """Constraints that also forbid parts and AWS services (a team pack's `forbid_components`
    and `forbid_services`): a pattern deploying any of them is infeasible."""

    forbid_components: list[catalogue.Part] = Field(default_factory=list)
    forbid_services: list[str] = Field(default_factory=list)


def forbidden_parts(constraints: Constraints | None) -> dict[Pattern, list[str]]:
    """For each pattern, why the forbidden components and services rule it out."""
    out: dict[Pattern, list[str]] = {p: [] for p in Pattern}
    if not isinstance(constraints, PartConstraints):
        return out
    who = constraints.source or "the team pack"
    for p in Pattern:
        for component in catalogue.components(p):
            if component.part in constraints.forbid_components:
                out[p].append(
                    f"deploys the {component.title} component ({component.part.value}), "
                    f"which {who} forbids"
                )
            for service in component.services:
                if service in constraints.forbid_services:
                    out[p].append(
                        f"deploys {service} ({component.title} component), which {who} forbids"
                    )
    return {p: list(dict.fromkeys(reasons)) for p, reasons in out.items()}


def hard_constraints(
    req: Requirements,
    *,
    costs: Mapping[Pattern, float] | None = None,
    constraints: Constraints | None = None,
    matrix: Matrix | None = None,
) -> dict[Pattern, list[str]]:
    """For each pattern, the hard constraints it fails, in plain sentences (empty: feasible)."""
    m = matrix or load_matrix()
    lim = m.limits
    out: dict[Pattern, list[str]] = {p: [] for p in Pattern}
    if req.latency_p99_ms < lim.batch_min_latency_ms:
        out[Pattern.BATCH].append(
            f"a p99 latency of {_ms(req.latency_p99_ms)} is below what a scheduled run can "
            f"deliver (at least {_ms(lim.batch_min_latency_ms)})"
        )
    if req.urgency is Level.HIGH:
        out[Pattern.BATCH].append(
            "a decision waits on each prediction, so it cannot wait for a run"
        )
    if req.data_arrival is DataArrival.STREAM:
        for p in (Pattern.BATCH, Pattern.REALTIME):
            out[p].append("a continuous event stream needs a stream consumer (streaming or hybrid)")
    if (
        req.data_arrival is DataArrival.REQUESTS
        and req.latency_p99_ms < lim.streaming_min_sync_latency_ms
    ):
        out[Pattern.STREAMING].append(
            f"a caller waits for each answer within {_ms(req.latency_p99_ms)}; a stream answers "
            f"asynchronously, in about {_ms(lim.streaming_min_sync_latency_ms)} or more"
        )
    peak = growth_peak_rps(req)
    if peak > lim.realtime_max_peak_rps:
        out[Pattern.REALTIME].append(
            f"at the growth target the peak is {peak:,.0f} requests/s, above the "
            f"{lim.realtime_max_peak_rps:,.0f}/s where one call per prediction to a task fleet "
            "stops being sensible; the events belong on a stream"
        )
    if constraints is not None:
        who = constraints.source or "the team pack"
        for p in constraints.forbid:
            out[p].append(f"forbidden by {who}")
        for p, reasons in forbidden_parts(constraints).items():
            out[p].extend(reasons)
        if constraints.max_budget_usd is not None and costs is not None:
            for p in Pattern:
                if p in costs and costs[p] > constraints.max_budget_usd:
                    out[p].append(
                        f"its estimate of ${costs[p]:,.0f}/month exceeds the "
                        f"${constraints.max_budget_usd:,.0f}/month ceiling set by {who}"
                    )
    return out


# -- scoring --------------------------------------------------------------------------


def criterion_fits(
    req: Requirements,
    pattern: Pattern,
    *,
    costs: Mapping[Pattern, float] | None = None,
    constraints: Constraints | None = None,
    matrix: Matrix | None = None,
) -> dict[str, float]:
    """Fit in [0, 1] of `pattern` to the answers, per criterion."""
    m = matrix or load_matrix()
    cells = m.matrix[pattern]
    fits: dict[str, float] = {}
    # Latency: a pattern whose latency level is above the need falls short by a third per level.
    need = latency_need(req, m).rank
    fits["latency"] = _clip(1 - max(0, cells["latency"].rank - need) / 3)
    # Volume: short of the need costs a third per level; over-building costs a little.
    vneed = volume_need(req, m).rank
    cap = cells["volume"].rank
    fits["volume"] = _clip(1 - max(0, vneed - cap) / 3 - 0.1 * max(0, cap - vneed))
    # Complexity: each level above the tolerance costs a third.
    fits["complexity"] = _clip(
        1 - max(0, cells["complexity"].rank - req.complexity_tolerance.rank) / 3
    )
    # Cost: the seed's cost column, cheaper is better.
    fits["cost"] = _clip(1 - cells["cost"].rank / 3)
    fits["urgency"] = m.fit["urgency"][req.urgency.value][pattern]
    fits["data_arrival"] = m.fit["data_arrival"][req.data_arrival.value][pattern]
    fits["model_update"] = m.fit["model_update"][req.model_update.value][pattern]
    # Budget: the share of the estimate the budget covers.
    budget = _budget(req, constraints)
    if costs is not None and pattern in costs and costs[pattern] > 0:
        fits["budget"] = _clip(budget / costs[pattern])
    else:
        fits["budget"] = 1.0
    return {c: round(fits[c], 4) for c in CRITERIA}


def score_patterns(
    req: Requirements,
    *,
    costs: Mapping[Pattern, float] | None = None,
    constraints: Constraints | None = None,
    matrix: Matrix | None = None,
) -> list[Score]:
    """A Score for every pattern: feasibility, fit per criterion, weighted total in [0, 1]."""
    m = matrix or load_matrix()
    ruled = hard_constraints(req, costs=costs, constraints=constraints, matrix=m)
    total_weight = sum(m.weight(c) for c in CRITERIA) or 1.0
    scores = []
    for p in Pattern:
        fits = criterion_fits(req, p, costs=costs, constraints=constraints, matrix=m)
        total = sum(fits[c] * m.weight(c) for c in CRITERIA) / total_weight
        scores.append(
            Score(
                pattern=p,
                feasible=not ruled[p],
                ruled_out_by=ruled[p],
                by_criterion=fits,
                total=round(total, 4),
            )
        )
    return scores


def _rank_key(score: Score) -> tuple[float, int]:
    return (-score.total, SIMPLICITY.index(score.pattern))


def decide(
    req: Requirements,
    *,
    costs: Mapping[Pattern, float] | None = None,
    constraints: Constraints | None = None,
    override: Pattern | None = None,
    matrix: Matrix | None = None,
) -> Decision:
    """Recommend a pattern for the answers; `override` is the user's own choice, if any.

    The highest-scoring feasible pattern wins (ties go to the simpler pattern).
    Raises DecisionError when no pattern is feasible or the override is ruled out.
    """
    m = matrix or load_matrix()
    scores = score_patterns(req, costs=costs, constraints=constraints, matrix=m)
    by_pattern = {s.pattern: s for s in scores}
    feasible = sorted((s for s in scores if s.feasible), key=_rank_key)
    if not feasible:
        details = "; ".join(f"{s.pattern.label}: {', '.join(s.ruled_out_by)}" for s in scores)
        raise DecisionError(f"no pattern meets these answers ({details})")
    best = feasible[0]
    runner_up = feasible[1] if len(feasible) > 1 else None
    reasons = _reasons(req, best, runner_up, m, costs)
    why_not = {
        s.pattern: _why_not(req, s, best, m) for s in scores if s.pattern is not best.pattern
    }
    warnings: list[str] = []
    by_parts = [p for p, reasons in forbidden_parts(constraints).items() if reasons]
    if constraints is not None and (constraints.forbid or by_parts):
        who = constraints.source or "the team pack"
        excluded = list(dict.fromkeys([*constraints.forbid, *by_parts]))
        names = ", ".join(p.label for p in excluded)
        warnings.append(f"{who} forbids {names}; it was not considered.")
        overall = sorted(
            score_patterns(req, costs=costs, matrix=m),
            key=lambda s: (not s.feasible, *_rank_key(s)),
        )[0]
        if overall.pattern in excluded:
            warnings.append(
                f"Without the constraints of {who}, {overall.pattern.label} would have been "
                "recommended."
            )
    chosen = best.pattern
    if override is not None and override is not best.pattern:
        picked = by_pattern[override]
        if not picked.feasible:
            raise DecisionError(
                f"pattern {override.value} cannot be used: {'; '.join(picked.ruled_out_by)}"
            )
        chosen = override
        warnings.append(_override_warning(req, picked, best, m))
    return Decision(
        recommended=best.pattern,
        chosen=chosen,
        scores=scores,
        reasons=reasons,
        why_not=why_not,
        warnings=warnings,
    )


# -- sentences ------------------------------------------------------------------------


def explain(criterion: str, req: Requirements, pattern: Pattern, m: Matrix | None = None) -> str:
    """One phrase saying how `pattern` meets the answers on `criterion`."""
    m = m or load_matrix()
    cells = m.matrix[pattern]
    title = pattern.label
    if criterion == "latency":
        return (
            f"a p99 of {_ms(req.latency_p99_ms)} needs "
            f"{latency_need(req, m).value.replace('_', ' ')} latency and {title} has "
            f"{cells['latency'].value} latency"
        )
    if criterion == "volume":
        return (
            f"growing to {req.growth_target:,} predictions/day is "
            f"{volume_need(req, m).value.replace('_', ' ')} volume and {title} handles "
            f"{cells['volume'].value.replace('_', ' ')} volume"
        )
    if criterion == "complexity":
        return (
            f"the complexity tolerance is {req.complexity_tolerance.value} and {title} is "
            f"{cells['complexity'].value.replace('_', ' ')} complexity"
        )
    if criterion == "cost":
        return f"{title} is {cells['cost'].value.replace('_', ' ')} cost in the decision matrix"
    trait = m.traits.get(pattern, {}).get(criterion, "")
    does = f"; {title} {trait}" if trait else ""
    if criterion == "urgency":
        return f"urgency is {req.urgency.value}{does}"
    if criterion == "data_arrival":
        arrival = {
            DataArrival.FILES: "the data lands as files at intervals",
            DataArrival.REQUESTS: "the data arrives request by request",
            DataArrival.STREAM: "the data arrives as a continuous event stream",
        }[req.data_arrival]
        return arrival + does
    if criterion == "model_update":
        return f"the model is updated {req.model_update.value}{does}"
    if criterion == "budget":
        return f"the budget is ${req.monthly_budget_usd:,.0f}/month"
    raise KeyError(criterion)


def _reasons(
    req: Requirements,
    best: Score,
    runner_up: Score | None,
    m: Matrix,
    costs: Mapping[Pattern, float] | None,
) -> list[str]:
    title = best.pattern.label
    strengths = sorted(
        (c for c in CRITERIA if best.by_criterion[c] >= 0.75),
        key=lambda c: (-m.weight(c) * best.by_criterion[c], CRITERIA.index(c)),
    )
    reasons = [
        f"{title} is the best feasible fit, scoring {best.total:.2f} of 1"
        + (
            f" against {runner_up.total:.2f} for {runner_up.pattern.label}, the runner-up."
            if runner_up is not None
            else "; every other pattern is ruled out."
        )
    ]
    for c in strengths[:4]:
        reasons.append(f"{_cap(LABELS[c])} fits: {explain(c, req, best.pattern, m)}.")
    weak = [c for c in CRITERIA if best.by_criterion[c] < 0.5]
    for c in weak[:2]:
        reasons.append(f"Trade-off on {LABELS[c]}: {explain(c, req, best.pattern, m)}.")
    if costs is not None and best.pattern in costs:
        reasons.append(
            f"Estimated at ${costs[best.pattern]:,.0f}/month against a budget of "
            f"${req.monthly_budget_usd:,.0f}/month."
        )
    return reasons


def _gaps(a: Score, b: Score, m: Matrix) -> list[str]:
    """Criteria where `a` trails `b`, the largest weighted gap first."""
    gaps = [
        (m.weight(c) * (b.by_criterion[c] - a.by_criterion[c]), c)
        for c in CRITERIA
        if b.by_criterion[c] - a.by_criterion[c] > 1e-9
    ]
    return [c for _, c in sorted(gaps, key=lambda g: (-g[0], CRITERIA.index(g[1])))]


def _why_not(req: Requirements, s: Score, best: Score, m: Matrix) -> str:
    title = s.pattern.label
    if not s.feasible:
        return f"{title} is ruled out: {'; '.join(s.ruled_out_by)}."
    gaps = _gaps(s, best, m)
    if not gaps:
        return f"{title} ties with {best.pattern.label} at {s.total:.2f}; the simpler one wins."
    detail = "; ".join(explain(c, req, s.pattern, m) for c in gaps[:2])
    return (
        f"{title} scores {s.total:.2f} against {best.total:.2f}; it falls behind on "
        f"{', '.join(LABELS[c] for c in gaps[:2])} ({detail})."
    )


def _override_warning(req: Requirements, picked: Score, best: Score, m: Matrix) -> str:
    gaps = _gaps(picked, best, m)
    lost = "; ".join(explain(c, req, picked.pattern, m) for c in gaps[:3])
    names = ", ".join(LABELS[c] for c in gaps[:3])
    gives_up = f" It gives up fit on {names}: {lost}." if gaps else ""
    return (
        f"You chose {picked.pattern.label} over the recommended {best.pattern.label} "
        f"({picked.total:.2f} against {best.total:.2f}).{gives_up}"
    )


def _budget(req: Requirements, constraints: Constraints | None) -> float:
    budget = req.monthly_budget_usd
    if constraints is not None and constraints.max_budget_usd is not None:
        budget = min(budget, constraints.max_budget_usd)
    return budget


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ms(ms: int | float) -> str:
    """A duration in the unit a person would say it in."""
    if ms < 1000:
        return f"{ms:g} ms"
    if ms < 60_000:
        return f"{ms / 1000:g} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:g} min"
    hours = ms / 3_600_000
    if hours < 48 or not math.isclose(hours % 24, 0):
        return f"{hours:g} h"
    return f"{hours / 24:g} days"
