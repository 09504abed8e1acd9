"""The decision engine: the seed's example and key takeaways, hard constraints, override, packs."""

from __future__ import annotations

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgen.api import make_plan
from archgen.criteria import burden
from archgen.decision import budget_of, decide, hard_constraints, load_matrix
from archgen.errors import DecisionError
from archgen.explanations import STRONG, STRONG_AT, WEAK
from archgen.matrix import LABELS
from archgen.patterns import DataArrival, Level, ModelUpdate, Pattern
from archgen.plan import Constraints, Decision, Plan
from archgen.record import ProjectRecord
from archgen.requirements import Requirements, Urgency

ROOT = Path(__file__).resolve().parents[2]


def credit() -> Requirements:
    """The seed's real-world example: urgent credit decisions, 10,000/day, <100 ms, to 1M/day."""
    return Requirements(
        project_name="credit-decisions",
        urgency=Urgency.WAITING,
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
        urgency=Urgency.NEXT_DAY,
        daily_volume=5_000_000,
        latency_p99_ms=24 * 3_600_000,
        data_arrival=DataArrival.FILES,
        model_update=ModelUpdate.WEEKLY,
        complexity_tolerance=Level.LOW,
    )
    assert decide(req).recommended is Pattern.BATCH


def test_realtime_for_urgent_lower_volume() -> None:
    req = Requirements(
        urgency=Urgency.WAITING,
        daily_volume=2_000,
        scale_to_daily_volume=20_000,
        latency_p99_ms=200,
        data_arrival=DataArrival.REQUESTS,
        model_update=ModelUpdate.MONTHLY,
    )
    assert decide(req).recommended is Pattern.REALTIME


def test_streaming_for_continuous_data() -> None:
    req = Requirements(
        urgency=Urgency.MINUTES,
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
        urgency=Urgency.WAITING,
        daily_volume=200_000,
        latency_p99_ms=150,
        data_arrival=DataArrival.REQUESTS,
        model_update=ModelUpdate.DAILY,
        complexity_tolerance=Level.HIGH,
    )
    assert decide(req).recommended is Pattern.HYBRID


def test_latency_below_an_hour_rules_batch_out() -> None:
    limit = load_matrix().limits.batch_min_latency_ms
    req = Requirements(urgency=Urgency.NEXT_DAY, latency_p99_ms=limit - 1)
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
URGENCIES = [Urgency.NEXT_DAY, Urgency.MINUTES, Urgency.SECONDS, Urgency.WAITING]
"""Least urgent first."""
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
        urgency=draw(st.sampled_from(URGENCIES)),
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


def plan_of(req: Requirements, constraints: Constraints | None = None) -> Plan | None:
    """The plan, or None when no pattern meets the answers."""
    try:
        return make_plan(ProjectRecord(answers=req), constraints=constraints)
    except DecisionError as err:
        assert "no pattern meets these answers" in str(err)
        return None


def chosen(req: Requirements, constraints: Constraints | None = None) -> Pattern | None:
    plan = plan_of(req, constraints)
    return None if plan is None else plan.decision.chosen


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(requirements())
def test_same_answers_same_plan(req: Requirements) -> None:
    assert plan_of(req) == plan_of(req)


@FAST
@given(requirements())
def test_recommendation_is_the_best_feasible_score(req: Requirements) -> None:
    plan = plan_of(req)
    if plan is None:
        return
    decision = plan.decision
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
    for level in URGENCIES[URGENCIES.index(req.urgency) + 1 :]:
        assert chosen(req.model_copy(update={"urgency": level})) is not Pattern.BATCH


@FAST
@given(requirements())
def test_continuous_stream_never_yields_batch_or_realtime(req: Requirements) -> None:
    streamed = req.model_copy(update={"data_arrival": DataArrival.STREAM})
    assert chosen(streamed) in (Pattern.STREAMING, Pattern.HYBRID, None)


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
    before, after = plan_of(req), plan_of(richer)
    if before is None or after is None:
        return
    for a, b in zip(before.decision.scores, after.decision.scores, strict=True):
        assert b.by_criterion["budget"] >= a.by_criterion["budget"]
        assert b.by_criterion["cost"] >= a.by_criterion["cost"]


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


# -- urgency levels people answer with -------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [("high", Urgency.WAITING), ("medium", Urgency.MINUTES), ("low", Urgency.NEXT_DAY)],
)
def test_old_urgency_values_still_load(old: str, new: Urgency) -> None:
    assert Requirements.model_validate({"urgency": old}).urgency is new
    assert Requirements.model_validate({"urgency": old.upper()}).urgency is new


def test_urgent_is_waiting_or_seconds_and_rules_batch_out() -> None:
    assert [u.urgent for u in URGENCIES] == [False, False, True, True]
    for u in URGENCIES:
        ruled = hard_constraints(Requirements(urgency=u, latency_p99_ms=86_400_000))
        assert bool(ruled[Pattern.BATCH]) is u.urgent


# -- capacity belongs to the part --------------------------------------------------------


def test_the_api_limit_rules_out_every_pattern_with_the_api() -> None:
    limit = load_matrix().limits.api_max_peak_rps
    daily = int(limit * 2 / 3 * 86_400 / 10)  # the peak at 10x growth is twice the limit
    ruled = hard_constraints(Requirements(daily_volume=daily, peak_factor=3.0))
    assert ruled[Pattern.REALTIME] and ruled[Pattern.HYBRID]
    assert ruled[Pattern.REALTIME] == ruled[Pattern.HYBRID]
    assert not ruled[Pattern.STREAMING]


def test_a_waiting_caller_above_the_api_limit_has_no_pattern() -> None:
    req = Requirements(urgency=Urgency.WAITING, daily_volume=100_000_000, latency_p99_ms=100)
    with pytest.raises(DecisionError, match="no pattern meets"):
        decide(req)


# -- tolerance and budget move the choice, and say what it costs --------------------------


def test_low_complexity_tolerance_moves_credit_to_realtime_and_says_what_is_given_up() -> None:
    low = credit().model_copy(update={"complexity_tolerance": Level.LOW})
    plan = make_plan(ProjectRecord(answers=low))
    assert plan.decision.recommended is Pattern.REALTIME
    text = " ".join(plan.decision.reasons)
    assert "Hybrid fits the problem better" in text
    assert "Real-Time gives up fit on model updates" in text


def test_a_tight_budget_moves_the_choice_to_the_cheaper_pattern() -> None:
    req = Requirements(
        urgency=Urgency.MINUTES,
        daily_volume=10_000_000,
        latency_p99_ms=60_000,
        data_arrival=DataArrival.REQUESTS,
        model_update=ModelUpdate.MONTHLY,
        monthly_budget_usd=100_000,
    )
    roomy = make_plan(ProjectRecord(answers=req))
    costs = roomy.cost.per_pattern
    tight = req.model_copy(update={"monthly_budget_usd": min(costs.values()) * 1.05})
    plan = make_plan(ProjectRecord(answers=tight))
    assert costs[plan.decision.recommended] < costs[roomy.decision.recommended]
    assert any("fits the problem better" in r for r in plan.decision.reasons)


# -- the grid: every pattern wins where the document says it should ---------------------


@cache
def decision_map() -> ModuleType:
    spec = importlib.util.spec_from_file_location("decision_map", ROOT / "scripts/decision_map.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("decision_map", module)
    spec.loader.exec_module(module)
    return module


@cache
def grid() -> dict[object, str]:
    won: dict[object, str] = decision_map().winners()
    return won


def test_no_pattern_wins_more_than_half_the_grid_and_each_wins_a_sixth() -> None:
    won = grid()
    assert len(won) == 270
    for p in Pattern:
        share = sum(1 for w in won.values() if w == p.value) / len(won)
        assert 0.15 <= share <= 0.5, (p, share)


def test_the_grid_follows_the_takeaways() -> None:
    dm = decision_map()
    for cell, won in grid().items():
        if cell.arrival is DataArrival.STREAM:
            assert won == "streaming", cell  # streaming for continuous data
        elif not cell.urgency.urgent and cell.latency_ms >= 3_600_000:
            assert won == "batch", cell  # batch for non-urgent work at any volume
        elif cell.volume <= 1_000_000 and cell.update in (ModelUpdate.HOURLY, ModelUpdate.DAILY):
            assert won == "hybrid", cell  # online serving of a model retrained on a schedule
        elif cell.volume <= 1_000_000:
            assert won == "realtime", cell  # lower volume, model updated continuously or rarely
    assert dm.NONE in grid().values()  # 100M/day behind a waiting caller: nothing serves it


def test_the_decision_map_is_current() -> None:
    assert decision_map().main(["--check"]) == 0, "run python scripts/decision_map.py"


# -- every sentence says what the numbers say ---------------------------------------------


MONEY = r"\$([\d,]+)/month"
PATTERNS = {p.label: p for p in Pattern}
LABEL = r"(Batch|Real-Time|Streaming|Hybrid)"


def dollars(text: str) -> float:
    return float(text.replace(",", ""))


def check_phrase(criterion: str, phrase: str, pattern: Pattern, plan: Plan) -> None:
    """A criterion's phrase against the figures: estimates, budget, burden, cheapest."""
    costs = plan.cost.per_pattern
    budget = plan.cost.budget_usd
    fit = next(s for s in plan.decision.scores if s.pattern is pattern).by_criterion[criterion]
    feasible = [s.pattern for s in plan.decision.scores if s.feasible]
    for label, amount in re.findall(LABEL + r"(?: is estimated at |'s )" + MONEY, phrase):
        assert dollars(amount) == round(costs[PATTERNS[label]]), phrase
    for amount in re.findall(r"budget of " + MONEY, phrase):
        assert dollars(amount) == round(budget), phrase
    if criterion == "cost":
        cheapest = min(feasible, key=lambda p: costs[p])
        found = re.search(r"\$([\d,]+) (more|less) than " + LABEL + r" \(" + MONEY, phrase)
        if found:
            gap, direction, label, low = found.groups()
            assert PATTERNS[label] is cheapest, phrase
            assert dollars(low) == round(costs[cheapest]), phrase
            assert abs(dollars(gap) - abs(costs[pattern] - costs[cheapest])) <= 1, phrase
            assert (direction == "more") is (costs[pattern] > costs[cheapest]), phrase
            want = max(0.0, 1 - max(0.0, costs[pattern] - costs[cheapest]) / budget)
            assert fit == pytest.approx(want, abs=1e-4), phrase
        else:
            assert "the cheapest pattern that meets" in phrase and pattern is cheapest, phrase
            assert fit == 1.0
    if criterion == "budget":
        assert ("over the budget" in phrase) is (costs[pattern] > budget), phrase
        assert (fit == 1.0) is (costs[pattern] <= budget), phrase
    if criterion == "complexity":
        load, verdict, tolerated = re.search(
            r"burden of ([\d.]+), (within|above) the ([\d.]+)", phrase
        ).groups()  # type: ignore[union-attr]
        assert float(load) == burden(pattern, load_matrix())
        assert (verdict == "within") is (float(load) <= float(tolerated))
        assert (fit == 1.0) is (verdict == "within"), phrase
    if criterion == "volume":
        need, cell = (
            Level(w.replace(" ", "_"))
            for w in re.search(
                r"is ([a-z ]+) volume and .+ handles ([a-z ]+) volume", phrase
            ).groups()  # type: ignore[union-attr]
        )
        assert cell is load_matrix().matrix[pattern]["volume"]
        short = need.rank - cell.rank
        assert (f", {short} level" in phrase) is (short > 0), phrase
        assert (fit == 1.0) is (need is cell), phrase


def check_decision(decision: Decision, plan: Plan) -> None:
    scores = {s.pattern: s for s in decision.scores}
    best = scores[decision.recommended]
    for s in decision.scores:
        for c, phrase in s.basis.items():
            check_phrase(c, phrase, s.pattern, plan)
    head = re.match(r"(.+?) is the best feasible fit, scoring ([\d.]+)", decision.reasons[0])
    assert head is not None and head.group(1) == best.pattern.label
    assert float(head.group(2)) == pytest.approx(best.total, abs=0.0051)
    for reason in decision.reasons[1:]:
        found = re.match(r"(?:Trade-off on )?([A-Za-z ]+?) \(?fit ([\d.]+)\)?: ", reason)
        if found:
            c = next(k for k, v in LABELS.items() if v == found.group(1).lower())
            assert float(found.group(2)) == pytest.approx(best.by_criterion[c], abs=0.0051)
            if reason.startswith("Trade-off"):
                assert best.by_criterion[c] < WEAK
            else:
                assert best.by_criterion[c] >= STRONG_AT.get(c, STRONG)
        for amount in re.findall(r"^Estimated at " + MONEY, reason):
            assert dollars(amount) == round(plan.cost.per_pattern[best.pattern])
    for p, text in decision.why_not.items():
        s = scores[p]
        if not s.feasible:
            assert "ruled out" in text
            continue
        assert "ruled out" not in text
        assert s.total <= best.total
        behind = re.search(r"falls behind on ([a-z ,]+?) \(", text)
        if behind:
            for name in behind.group(1).split(", "):
                c = next(k for k, v in LABELS.items() if v == name)
                assert s.by_criterion[c] < best.by_criterion[c], (text, c)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requirements())
def test_no_sentence_contradicts_the_figures(req: Requirements) -> None:
    plan = plan_of(req)
    if plan is None:
        return
    assert plan.cost.budget_usd == budget_of(req, None)
    check_decision(plan.decision, plan)
