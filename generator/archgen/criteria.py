"""Scoring one pattern: per criterion the figures behind it, its fit in [0, 1], a phrase.

The fit and the phrase of a criterion come out of the same function from the
same numbers (the matrix cell, the catalogue parts, the priced estimate, the
budget), so a sentence built from the phrases cannot contradict the table.
Cost and complexity are computed from the candidate itself: its estimate
against the cheapest pattern that meets the hard constraints, and the summed
burden of the catalogue parts it deploys against the complexity tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from archgen import catalogue
from archgen.matrix import CRITERIA, Matrix
from archgen.patterns import DataArrival, Level, Pattern
from archgen.requirements import Requirements
from archgen.units import ms_text


@dataclass(frozen=True)
class Assessed:
    """One criterion of one pattern: its fit and the phrase giving the figures behind it."""

    fit: float
    says: str


@dataclass(frozen=True)
class Context:
    """What every pattern is measured against: the estimates, the budget, what is feasible."""

    costs: Mapping[Pattern, float] | None
    budget_usd: float
    feasible: frozenset[Pattern]

    def cheapest(self) -> Pattern | None:
        """The cheapest pattern that meets the hard constraints (of all, if none does)."""
        costs = self.costs
        if not costs:
            return None
        pool = [p for p in Pattern if p in costs and p in self.feasible]
        pool = pool or [p for p in Pattern if p in costs]
        return min(pool, key=lambda p: (costs[p], list(Pattern).index(p))) if pool else None


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


def burden(pattern: Pattern, m: Matrix) -> float:
    """The complexity burden of `pattern`: the summed burden of the catalogue parts it deploys."""
    return sum(m.complexity.burden.get(part, 0.0) for part in catalogue.parts(pattern))


# -- one criterion at a time --------------------------------------------------------


def _level(level: Level) -> str:
    return level.value.replace("_", " ")


def _latency(req: Requirements, p: Pattern, m: Matrix, ctx: Context) -> Assessed:
    need, cell = latency_need(req, m), m.matrix[p]["latency"]
    fit = 1 - max(0, cell.rank - need.rank) / 3
    return Assessed(
        fit,
        f"a p99 of {ms_text(req.latency_p99_ms)} needs {_level(need)} latency and "
        f"{p.label} has {_level(cell)} latency in the decision matrix",
    )


def _volume(req: Requirements, p: Pattern, m: Matrix, ctx: Context) -> Assessed:
    need, cell = volume_need(req, m), m.matrix[p]["volume"]
    short = max(0, need.rank - cell.rank)
    over = max(0, cell.rank - need.rank)
    lost = m.volume_shortfall[min(short, len(m.volume_shortfall) - 1)]
    fit = 1 - lost - m.volume_overbuild * over
    gap = f", {short} level{'s' if short > 1 else ''} short" if short else ""
    return Assessed(
        fit,
        f"growing to {req.growth_target:,} predictions/day is {_level(need)} volume and "
        f"{p.label} handles {_level(cell)} volume in the decision matrix{gap}",
    )


def _complexity(req: Requirements, p: Pattern, m: Matrix, ctx: Context) -> Assessed:
    cx = m.complexity
    load = burden(p, m)
    tolerated = cx.tolerated[req.complexity_tolerance]
    fit = 1 - max(0.0, load - tolerated) / cx.span
    blocks = [c.title for c in catalogue.components(p) if cx.burden.get(c.part, 0.0) >= 1]
    over = "within" if load <= tolerated else "above"
    return Assessed(
        fit,
        f"{p.label} deploys {', '.join(blocks)} for a burden of {load:g}, {over} the "
        f"{tolerated:g} a {req.complexity_tolerance.value} complexity tolerance accepts",
    )


def _cost(req: Requirements, p: Pattern, m: Matrix, ctx: Context) -> Assessed:
    cheapest = ctx.cheapest()
    if ctx.costs is None or cheapest is None or p not in ctx.costs:
        cell = m.matrix[p]["cost"]
        return Assessed(
            1 - cell.rank / 3, f"{p.label} is {_level(cell)} cost in the decision matrix"
        )
    mine, low = ctx.costs[p], ctx.costs[cheapest]
    extra = mine - low
    fit = 1 - max(0.0, extra) / ctx.budget_usd
    where = "the cheapest pattern that meets the constraints"
    if cheapest not in ctx.feasible:
        where = "the cheapest pattern"
    if p is cheapest:
        return Assessed(fit, f"{p.label} is estimated at ${mine:,.0f}/month, {where}")
    if extra < 0:
        return Assessed(
            fit,
            f"{p.label} is estimated at ${mine:,.0f}/month, ${-extra:,.0f} less than "
            f"{cheapest.label} (${low:,.0f}/month), {where}",
        )
    return Assessed(
        fit,
        f"{p.label} is estimated at ${mine:,.0f}/month, ${extra:,.0f} more than "
        f"{cheapest.label} (${low:,.0f}/month, {where}), {extra / ctx.budget_usd:.0%} "
        "of the budget",
    )


def _trait(p: Pattern, criterion: str, m: Matrix) -> str:
    trait = m.traits.get(p, {}).get(criterion, "")
    return f"; {p.label} {trait}" if trait else ""


def _urgency(req: Requirements, p: Pattern, m: Matrix, ctx: Context) -> Assessed:
    kind = "urgent" if req.urgency.urgent else "non_urgent"
    fit = m.fit["urgency"][kind][p]
    return Assessed(
        fit,
        f"predictions are needed {req.urgency.phrase}, which the source document calls "
        f"{kind.replace('_', '-')}{_trait(p, 'urgency', m)}",
    )


ARRIVALS: dict[DataArrival, str] = {
    DataArrival.FILES: "the data lands as files at intervals",
    DataArrival.REQUESTS: "the data arrives request by request",
    DataArrival.STREAM: "the data arrives as a continuous event stream",
}


def _arrival(req: Requirements, p: Pattern, m: Matrix, ctx: Context) -> Assessed:
    fit = m.fit["data_arrival"][req.data_arrival.value][p]
    return Assessed(fit, ARRIVALS[req.data_arrival] + _trait(p, "data_arrival", m))


def _update(req: Requirements, p: Pattern, m: Matrix, ctx: Context) -> Assessed:
    fit = m.fit["model_update"][req.model_update.value][p]
    return Assessed(
        fit, f"the model is updated {req.model_update.value}{_trait(p, 'model_update', m)}"
    )


def _budget(req: Requirements, p: Pattern, m: Matrix, ctx: Context) -> Assessed:
    budget = ctx.budget_usd
    if ctx.costs is None or p not in ctx.costs or ctx.costs[p] <= 0:
        return Assessed(1.0, f"the budget is ${budget:,.0f}/month, with no estimate to compare")
    mine = ctx.costs[p]
    if mine <= budget:
        return Assessed(
            1.0, f"the budget of ${budget:,.0f}/month covers {p.label}'s ${mine:,.0f}/month"
        )
    over = mine - budget
    return Assessed(
        1 - over / budget,
        f"{p.label}'s ${mine:,.0f}/month is ${over:,.0f} over the budget of "
        f"${budget:,.0f}/month ({over / budget:.0%} over)",
    )


ASSESSORS = {
    "latency": _latency,
    "volume": _volume,
    "complexity": _complexity,
    "cost": _cost,
    "urgency": _urgency,
    "data_arrival": _arrival,
    "model_update": _update,
    "budget": _budget,
}


def assess(req: Requirements, pattern: Pattern, m: Matrix, ctx: Context) -> dict[str, Assessed]:
    """Every criterion of `pattern`: fit in [0, 1] (rounded as the table shows it) and phrase."""
    out: dict[str, Assessed] = {}
    for c in CRITERIA:
        raw = ASSESSORS[c](req, pattern, m, ctx)
        out[c] = Assessed(round(min(1.0, max(0.0, raw.fit)), 4), raw.says)
    return out
