"""The decision engine: the seed's example and key takeaways, hard constraints, override, packs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgen.api import make_plan
from archgen.decision import decide, hard_constraints, load_matrix
from archgen.errors import DecisionError
from archgen.patterns import DataArrival, Level, ModelUpdate, Pattern
from archgen.plan import Constraints
from archgen.record import ProjectRecord
from archgen.requirements import Requirements


def credit() -> Requirements:
    """The seed's real-world example: urgent credit decisions, 10,000/day, <100 ms, to 1M/day."""
    return Requirements(
        project_name="credit-decisions",
        urgency=Level.HIGH,
        daily_volume=10_000,
        scale_to_daily_volume=1_000_000,
        latency_p99_ms=100,
        data_arrival=DataArrival.REQUESTS,
        model_update=ModelUpdate.DAILY,
    )


def test_credit_example_recommends_hybrid() -> None:
    decision = decide(credit())
    assert decision.recommended is Pattern.HYBRID
    assert decision.chosen is Pattern.HYBRID
    assert set(decision.why_not) == {Pattern.BATCH, Pattern.REALTIME, Pattern.STREAMING}
    assert "ruled out" in decision.why_not[Pattern.BATCH]


def test_batch_for_non_urgent_high_volume() -> None:
    req = Requirements(
        urgency=Level.LOW,
        daily_volume=5_000_000,
        latency_p99_ms=24 * 3_600_000,
        data_arrival=DataArrival.FILES,
        model_update=ModelUpdate.WEEKLY,
        complexity_tolerance=Level.LOW,
    )
    assert decide(req).recommended is Pattern.BATCH


def test_realtime_for_urgent_lower_volume() -> None:
    req = Requirements(
        urgency=Level.HIGH,
        daily_volume=2_000,
        scale_to_daily_volume=20_000,
        latency_p99_ms=200,
        data_arrival=DataArrival.REQUESTS,
        model_update=ModelUpdate.MONTHLY,
    )
    assert decide(req).recommended is Pattern.REALTIME


def test_streaming_for_continuous_data() -> None:
    req = Requirements(
        urgency=Level.MEDIUM,
        daily_volume=50_000_000,
        latency_p99_ms=5_000,
        data_arrival=DataArrival.STREAM,
        model_update=ModelUpdate.CONTINUOUS,
        complexity_tolerance=Level.HIGH,
        monthly_budget_usd=20_000,
    )
    assert decide(req).recommended is Pattern.STREAMING


def test_hybrid_for_flexibility() -> None:
    req = Requirements(
        urgency=Level.HIGH,
        daily_volume=200_000,
        latency_p99_ms=150,
        data_arrival=DataArrival.REQUESTS,
        model_update=ModelUpdate.DAILY,
        complexity_tolerance=Level.HIGH,
    )
    assert decide(req).recommended is Pattern.HYBRID


def test_latency_below_an_hour_rules_batch_out() -> None:
    limit = load_matrix().limits.batch_min_latency_ms
    req = Requirements(urgency=Level.LOW, latency_p99_ms=limit - 1)
    assert hard_constraints(req)[Pattern.BATCH]
    assert not hard_constraints(req.model_copy(update={"latency_p99_ms": limit}))[Pattern.BATCH]


def test_continuous_stream_rules_out_batch_and_realtime() -> None:
    ruled = hard_constraints(Requirements(data_arrival=DataArrival.STREAM))
    assert ruled[Pattern.BATCH] and ruled[Pattern.REALTIME]
    assert not ruled[Pattern.STREAMING] and not ruled[Pattern.HYBRID]


def test_override_warns_what_it_gives_up() -> None:
    decision = decide(credit(), override=Pattern.REALTIME)
    assert decision.recommended is Pattern.HYBRID
    assert decision.chosen is Pattern.REALTIME
    assert any("Real-Time" in w and "Hybrid" in w for w in decision.warnings)


def test_override_to_a_ruled_out_pattern_is_an_error() -> None:
    with pytest.raises(DecisionError, match="batch"):
        decide(credit(), override=Pattern.BATCH)


def test_team_pack_forbid_makes_pattern_infeasible_and_says_so() -> None:
    constraints = Constraints(forbid=[Pattern.HYBRID], source="team pack acme 1.0")
    decision = decide(credit(), constraints=constraints)
    assert decision.recommended is Pattern.REALTIME
    hybrid = next(s for s in decision.scores if s.pattern is Pattern.HYBRID)
    assert not hybrid.feasible
    assert "team pack acme 1.0" in decision.why_not[Pattern.HYBRID]
    assert any("Hybrid would have been recommended" in w for w in decision.warnings)


def test_budget_ceiling_rules_out_expensive_patterns() -> None:
    costs = {
        Pattern.BATCH: 50.0,
        Pattern.REALTIME: 400.0,
        Pattern.STREAMING: 90.0,
        Pattern.HYBRID: 600.0,
    }
    constraints = Constraints(max_budget_usd=500.0, source="team pack acme 1.0")
    decision = decide(credit(), costs=costs, constraints=constraints)
    assert decision.recommended is Pattern.REALTIME
    assert "500" in decision.why_not[Pattern.HYBRID]


def test_nothing_feasible_is_a_decision_error() -> None:
    constraints = Constraints(forbid=[Pattern.REALTIME, Pattern.HYBRID])
    with pytest.raises(DecisionError, match="no pattern"):
        decide(credit(), constraints=constraints)


# -- properties over the whole input space -------------------------------------------


LEVELS = [Level.LOW, Level.MEDIUM, Level.HIGH]
LATENCIES = st.one_of(
    st.integers(1, 5_000),
    st.integers(5_000, 7 * 24 * 3_600_000),
    st.sampled_from([99, 100, 999, 1000, 3_599_999, 3_600_000, 86_400_000]),
)


@st.composite
def requirements(draw: st.DrawFn) -> Requirements:
    daily = draw(st.integers(1, 2_000_000_000))
    growth = draw(st.one_of(st.none(), st.integers(1, 1000)))
    return Requirements(
        urgency=draw(st.sampled_from(LEVELS)),
        daily_volume=daily,
        peak_factor=draw(st.floats(1.0, 100.0, allow_nan=False)),
        scale_to_daily_volume=None if growth is None else min(daily * growth, 100_000_000_000),
        latency_p99_ms=draw(LATENCIES),
        monthly_budget_usd=draw(st.floats(1.0, 1_000_000.0, allow_nan=False)),
        complexity_tolerance=draw(st.sampled_from(LEVELS)),
        data_arrival=draw(st.sampled_from(list(DataArrival))),
        model_update=draw(st.sampled_from(list(ModelUpdate))),
        availability_pct=draw(st.floats(90.0, 99.999, allow_nan=False)),
    )


def chosen(req: Requirements, constraints: Constraints | None = None) -> Pattern:
    plan = make_plan(ProjectRecord(answers=req), constraints=constraints)
    return plan.decision.chosen


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(requirements())
def test_same_answers_same_plan(req: Requirements) -> None:
    record = ProjectRecord(answers=req)
    assert make_plan(record) == make_plan(record)


@FAST
@given(requirements())
def test_recommendation_is_the_best_feasible_score(req: Requirements) -> None:
    decision = make_plan(ProjectRecord(answers=req)).decision
    best = next(s for s in decision.scores if s.pattern is decision.recommended)
    assert best.feasible
    assert all(0.0 <= v <= 1.0 for s in decision.scores for v in s.by_criterion.values())
    assert all(s.total <= best.total for s in decision.scores if s.feasible)
    assert set(decision.why_not) == set(Pattern) - {decision.recommended}


@FAST
@given(requirements(), st.floats(0.0, 1.0))
def test_tightening_latency_never_moves_toward_batch(req: Requirements, shrink: float) -> None:
    tighter = req.model_copy(update={"latency_p99_ms": max(1, int(req.latency_p99_ms * shrink))})
    if chosen(req) is not Pattern.BATCH:
        assert chosen(tighter) is not Pattern.BATCH


@FAST
@given(requirements())
def test_raising_urgency_never_moves_toward_batch(req: Requirements) -> None:
    if chosen(req) is Pattern.BATCH:
        return
    for level in LEVELS[req.urgency.rank + 1 :]:
        assert chosen(req.model_copy(update={"urgency": level})) is not Pattern.BATCH


@FAST
@given(requirements())
def test_continuous_stream_never_yields_batch_or_realtime(req: Requirements) -> None:
    streamed = req.model_copy(update={"data_arrival": DataArrival.STREAM})
    assert chosen(streamed) in (Pattern.STREAMING, Pattern.HYBRID)


@FAST
@given(requirements(), st.floats(1.0, 100_000.0), st.floats(1.0, 100.0))
def test_more_budget_never_makes_a_pattern_infeasible(
    req: Requirements, ceiling: float, factor: float
) -> None:
    def feasible(cap: float) -> set[Pattern]:
        try:
            cap_only = Constraints(max_budget_usd=cap)
            plan = make_plan(ProjectRecord(answers=req), constraints=cap_only)
        except DecisionError:
            return set()
        return {s.pattern for s in plan.decision.scores if s.feasible}

    assert feasible(ceiling) <= feasible(ceiling * factor)


@FAST
@given(requirements(), st.floats(1.0, 100.0))
def test_more_budget_never_lowers_a_budget_fit(req: Requirements, factor: float) -> None:
    richer = req.model_copy(
        update={"monthly_budget_usd": min(10_000_000.0, req.monthly_budget_usd * factor)}
    )
    before = make_plan(ProjectRecord(answers=req)).decision.scores
    after = make_plan(ProjectRecord(answers=richer)).decision.scores
    for a, b in zip(before, after, strict=True):
        assert b.by_criterion["budget"] >= a.by_criterion["budget"]


def test_matrix_data_is_the_seed_decision_matrix() -> None:
    seed = {  # Pattern | Latency | Volume | Complexity | Cost, as the source document states it
        Pattern.BATCH: ("high", "high", "low", "low"),
        Pattern.REALTIME: ("low", "medium", "high", "high"),
        Pattern.STREAMING: ("low", "very_high", "very_high", "very_high"),
        Pattern.HYBRID: ("low", "high", "high", "medium"),
    }
    matrix = load_matrix().matrix
    for pattern, cells in seed.items():
        row = matrix[pattern]
        assert (row["latency"], row["volume"], row["complexity"], row["cost"]) == cells


def test_override_warning_names_what_is_given_up() -> None:
    warning = decide(credit(), override=Pattern.REALTIME).warnings[-1]
    assert "gives up" in warning
    assert "model updates" in warning
