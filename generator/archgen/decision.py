"""The decision engine: hard constraints first, then a weighted score per pattern and criterion.

Everything here is a pure function over typed data. The model (the seed's
decision matrix, the fit of each pattern to the answers it does not cover, the
burden of each deployed part, the weights and the limits) lives in
`data/matrix.yaml` (`matrix.py` reads it). The seams: `constraints.py` rules
patterns out, `criteria.py` scores one pattern per criterion from the
candidate's own parts and estimate, `explanations.py` writes the sentences
from those scores; this module puts them together into a `Decision`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from archgen.constraints import forbidden_parts, hard_constraints
from archgen.criteria import Context, assess, burden, latency_need, volume_need
from archgen.errors import DecisionError
from archgen.explanations import estimate_line, override_warning, reasons, why_not
from archgen.matrix import CRITERIA, LABELS, SIMPLICITY, Matrix, load_matrix
from archgen.patterns import Pattern
from archgen.plan import Constraints, Decision, Score
from archgen.requirements import Requirements

__all__ = [
    "CRITERIA",
    "LABELS",
    "Matrix",
    "budget_of",
    "decide",
    "hard_constraints",
    "latency_need",
    "load_matrix",
    "score_patterns",
    "volume_need",
]


def budget_of(req: Requirements, constraints: Constraints | None) -> float:
    """The budget the decision works to: the stated one, or a lower team-pack ceiling."""
    budget = req.monthly_budget_usd
    if constraints is not None and constraints.max_budget_usd is not None:
        budget = min(budget, constraints.max_budget_usd)
    return budget


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
    ctx = Context(
        costs=costs,
        budget_usd=budget_of(req, constraints),
        feasible=frozenset(p for p in Pattern if not ruled[p]),
    )
    total_weight = sum(m.weight(c) for c in CRITERIA) or 1.0
    scores = []
    for p in Pattern:
        assessed = assess(req, p, m, ctx)
        fits = {c: a.fit for c, a in assessed.items()}
        total = sum(fits[c] * m.weight(c) for c in CRITERIA) / total_weight
        scores.append(
            Score(
                pattern=p,
                feasible=not ruled[p],
                ruled_out_by=ruled[p],
                by_criterion=fits,
                basis={c: a.says for c, a in assessed.items()},
                total=round(total, 4),
            )
        )
    return scores


def _rank_key(m: Matrix) -> Callable[[Score], tuple[float, float, int]]:
    def key(score: Score) -> tuple[float, float, int]:
        return (-score.total, burden(score.pattern, m), SIMPLICITY.index(score.pattern))

    return key


def decide(
    req: Requirements,
    *,
    costs: Mapping[Pattern, float] | None = None,
    constraints: Constraints | None = None,
    override: Pattern | None = None,
    matrix: Matrix | None = None,
) -> Decision:
    """Recommend a pattern for the answers; `override` is the user's own choice, if any.

    The highest-scoring feasible pattern wins (on a tie, the smaller complexity
    burden). Raises DecisionError when no pattern is feasible or the override
    is ruled out.
    """
    m = matrix or load_matrix()
    scores = score_patterns(req, costs=costs, constraints=constraints, matrix=m)
    by_pattern = {s.pattern: s for s in scores}
    rank = _rank_key(m)
    feasible = sorted((s for s in scores if s.feasible), key=rank)
    if not feasible:
        details = "; ".join(f"{s.pattern.label}: {', '.join(s.ruled_out_by)}" for s in scores)
        raise DecisionError(f"no pattern meets these answers ({details})")
    best = feasible[0]
    runner_up = feasible[1] if len(feasible) > 1 else None
    said = reasons(best, runner_up, feasible, m)
    if costs is not None and best.pattern in costs:
        said.append(estimate_line(best, costs[best.pattern], budget_of(req, constraints)))
    burdens = {p: burden(p, m) for p in Pattern}
    others = {s.pattern: why_not(s, best, m, burdens) for s in scores if s is not best}
    warnings = _constraint_warnings(req, costs, constraints, m)
    chosen = best.pattern
    if override is not None and override is not best.pattern:
        picked = by_pattern[override]
        if not picked.feasible:
            raise DecisionError(
                f"pattern {override.value} cannot be used: {'; '.join(picked.ruled_out_by)}"
            )
        chosen = override
        warnings.append(override_warning(picked, best, m))
    return Decision(
        recommended=best.pattern,
        chosen=chosen,
        scores=scores,
        reasons=said,
        why_not=others,
        warnings=warnings,
    )


def _constraint_warnings(
    req: Requirements,
    costs: Mapping[Pattern, float] | None,
    constraints: Constraints | None,
    m: Matrix,
) -> list[str]:
    """What a team pack's forbidden patterns, parts and services took out of the decision."""
    by_parts = [p for p, why in forbidden_parts(constraints).items() if why]
    if constraints is None or not (constraints.forbid or by_parts):
        return []
    who = constraints.source or "the team pack"
    excluded = list(dict.fromkeys([*constraints.forbid, *by_parts]))
    names = ", ".join(p.label for p in excluded)
    warnings = [f"{who} forbids {names}; it was not considered."]
    free = score_patterns(req, costs=costs, matrix=m)
    rank = _rank_key(m)
    overall = sorted(free, key=lambda s: (not s.feasible, *rank(s)))[0]
    if overall.pattern in excluded:
        warnings.append(
            f"Without the constraints of {who}, {overall.pattern.label} would have been "
            "recommended."
        )
    return warnings
