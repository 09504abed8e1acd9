"""Hard constraints: what rules a pattern out before any scoring, in plain sentences.

A capacity limit belongs to a part, not to a pattern: every pattern that
deploys the real-time API answers each prediction through the same task fleet,
so the fleet's limit applies to real-time and hybrid alike.
"""

from __future__ import annotations

from collections.abc import Mapping

from archgen import catalogue
from archgen.catalogue import Part
from archgen.criteria import growth_peak_rps
from archgen.matrix import Matrix, load_matrix
from archgen.patterns import DataArrival, Pattern
from archgen.plan import Constraints
from archgen.requirements import Requirements
from archgen.units import ms_text


def forbidden_parts(constraints: Constraints | None) -> dict[Pattern, list[str]]:
    """For each pattern, why the forbidden components and services rule it out."""
    out: dict[Pattern, list[str]] = {p: [] for p in Pattern}
    if constraints is None:
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
            f"a p99 latency of {ms_text(req.latency_p99_ms)} is below what a scheduled run can "
            f"deliver (at least {ms_text(lim.batch_min_latency_ms)})"
        )
    if req.urgency.urgent:
        out[Pattern.BATCH].append(
            f"predictions are needed {req.urgency.phrase}, so they cannot wait for a run"
        )
    if req.data_arrival is DataArrival.STREAM:
        for p in (Pattern.BATCH, Pattern.REALTIME):
            out[p].append("a continuous event stream needs a stream consumer (streaming or hybrid)")
    if (
        req.data_arrival is DataArrival.REQUESTS
        and req.latency_p99_ms < lim.streaming_min_sync_latency_ms
    ):
        out[Pattern.STREAMING].append(
            f"a caller waits for each answer within {ms_text(req.latency_p99_ms)}; a stream "
            f"answers asynchronously, in about {ms_text(lim.streaming_min_sync_latency_ms)} or more"
        )
    peak = growth_peak_rps(req)
    if peak > lim.api_max_peak_rps:
        for p in Pattern:
            if catalogue.uses(p, Part.API):
                out[p].append(
                    f"at the growth target the peak is {peak:,.0f} requests/s, above the "
                    f"{lim.api_max_peak_rps:,.0f}/s its real-time API (one call per prediction "
                    "to a task fleet) is built for; the events belong on a stream"
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
