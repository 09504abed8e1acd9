"""The sentences of a decision: why the recommendation, why not the others, what an override
or a low tolerance gives up.

Every sentence is assembled from the totals and the per-criterion phrases of
the scores (`Score.basis`), which carry the same figures as the fits in the
table, so the text cannot contradict the numbers.
"""

from __future__ import annotations

from archgen.matrix import CRITERIA, LABELS, Matrix
from archgen.patterns import Pattern
from archgen.plan import Score

TRADE_CRITERIA: tuple[str, ...] = ("complexity", "cost", "budget")
"""What the user's tolerance and budget say, as opposed to what the problem needs."""
STRONG = 0.75
WEAK = 0.5
STRONG_AT: dict[str, float] = {"complexity": 1.0, "budget": 1.0}
"""Fit a criterion needs to be called a strength: within the tolerance and the budget, not near."""


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def totals(a: Score, b: Score) -> str:
    """`0.81 against 0.74`, with a third decimal when two decimals would look equal."""
    if f"{a.total:.2f}" == f"{b.total:.2f}":
        return f"{a.total:.3f} against {b.total:.3f}"
    return f"{a.total:.2f} against {b.total:.2f}"


def gaps(a: Score, b: Score, m: Matrix, among: tuple[str, ...] = CRITERIA) -> list[str]:
    """Criteria where `a` trails `b`, the largest weighted gap first."""
    found = [
        (m.weight(c) * (b.by_criterion[c] - a.by_criterion[c]), c)
        for c in among
        if b.by_criterion[c] - a.by_criterion[c] > 1e-9
    ]
    return [c for _, c in sorted(found, key=lambda g: (-g[0], CRITERIA.index(g[1])))]


def problem_fit(s: Score, m: Matrix) -> float:
    """The weighted fit to the problem alone: every criterion but complexity, cost and budget."""
    keep = [c for c in CRITERIA if c not in TRADE_CRITERIA]
    weight = sum(m.weight(c) for c in keep) or 1.0
    return round(sum(s.by_criterion[c] * m.weight(c) for c in keep) / weight, 4)


def reasons(best: Score, runner_up: Score | None, feasible: list[Score], m: Matrix) -> list[str]:
    """Why `best`: its score, its strong and weak criteria, what it gives up, its estimate."""
    title = best.pattern.label
    out = [
        f"{title} is the best feasible fit, scoring "
        + (
            f"{totals(best, runner_up)} for {runner_up.pattern.label}, the runner-up."
            if runner_up is not None
            else f"{best.total:.2f} of 1; every other pattern is ruled out."
        )
    ]
    strengths = sorted(
        (c for c in CRITERIA if best.by_criterion[c] >= STRONG_AT.get(c, STRONG)),
        key=lambda c: (-m.weight(c) * best.by_criterion[c], CRITERIA.index(c)),
    )
    for c in strengths[:4]:
        out.append(f"{_cap(LABELS[c])} fit {best.by_criterion[c]:.2f}: {best.basis[c]}.")
    for c in [c for c in CRITERIA if best.by_criterion[c] < WEAK][:2]:
        out.append(f"Trade-off on {LABELS[c]} (fit {best.by_criterion[c]:.2f}): {best.basis[c]}.")
    out.extend(given_up(best, feasible, m))
    return out


def given_up(best: Score, feasible: list[Score], m: Matrix) -> list[str]:
    """When complexity, cost or budget beat a better fit to the problem: what that costs."""
    fits = {s.pattern: problem_fit(s, m) for s in feasible}
    ideal = max(feasible, key=lambda s: (fits[s.pattern], -list(Pattern).index(s.pattern)))
    if ideal.pattern is best.pattern or fits[ideal.pattern] <= fits[best.pattern]:
        return []
    won_on = gaps(ideal, best, m, TRADE_CRITERIA)
    lost = gaps(best, ideal, m, tuple(c for c in CRITERIA if c not in TRADE_CRITERIA))
    if not won_on or not lost:
        return []
    return [
        f"{ideal.pattern.label} fits the problem better ({fits[ideal.pattern]:.2f} against "
        f"{fits[best.pattern]:.2f} before complexity, cost and budget) but loses on "
        f"{', '.join(LABELS[c] for c in won_on)}: {ideal.basis[won_on[0]]}.",
        f"{best.pattern.label} gives up fit on {', '.join(LABELS[c] for c in lost[:2])}: "
        + "; ".join(best.basis[c] for c in lost[:2])
        + ".",
    ]


def why_not(s: Score, best: Score, m: Matrix, burdens: dict[Pattern, float]) -> str:
    """One sentence on why `s` is not the recommendation."""
    title = s.pattern.label
    if not s.feasible:
        return f"{title} is ruled out: {'; '.join(s.ruled_out_by)}."
    behind = gaps(s, best, m)
    if not behind or s.total == best.total:
        if burdens[best.pattern] < burdens[s.pattern]:
            by = (
                f"with a complexity burden of {burdens[best.pattern]:g} against "
                f"{burdens[s.pattern]:g}"
            )
        else:
            by = "as the simpler pattern in the order Batch, Real-Time, Streaming, Hybrid"
        return f"{title} ties with {best.pattern.label} at {s.total:.2f}; it loses the tie {by}."
    detail = "; ".join(s.basis[c] for c in behind[:2])
    return (
        f"{title} scores {totals(s, best)}; it falls behind on "
        f"{', '.join(LABELS[c] for c in behind[:2])} ({detail})."
    )


def override_warning(picked: Score, best: Score, m: Matrix) -> str:
    """What choosing `picked` over the recommendation `best` gives up."""
    behind = gaps(picked, best, m)
    lost = "; ".join(picked.basis[c] for c in behind[:3])
    names = ", ".join(LABELS[c] for c in behind[:3])
    gives_up = f" It gives up fit on {names}: {lost}." if behind else ""
    return (
        f"You chose {picked.pattern.label} over the recommended {best.pattern.label} "
        f"({totals(picked, best)}).{gives_up}"
    )


def estimate_line(best: Score, cost: float, budget: float) -> str:
    """The recommendation's estimate against the budget."""
    return f"Estimated at ${cost:,.0f}/month against a budget of ${budget:,.0f}/month."
