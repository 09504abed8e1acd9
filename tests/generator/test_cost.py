"""Cost: the versioned price table, itemised lines, totals per pattern, budget and drivers."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from archgen.api import make_plan
from archgen.cost import estimate, price_table
from archgen.patterns import DataArrival, Level, ModelUpdate, Pattern
from archgen.record import ProjectRecord
from archgen.requirements import Requirements
from archgen.sizing import size

CREDIT = Requirements(
    project_name="credit-decisions",
    urgency=Level.HIGH,
    daily_volume=10_000,
    scale_to_daily_volume=1_000_000,
    latency_p99_ms=100,
    data_arrival=DataArrival.REQUESTS,
    model_update=ModelUpdate.DAILY,
)


def test_price_table_records_page_date_and_version_of_every_price() -> None:
    text = resources.files("archgen").joinpath("data/prices.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    assert raw["base_region"] == "us-east-1"
    for key, price in raw["prices"].items():
        assert price["page"] in raw["pages"], key
        assert price["date"] and price["unit"], key
        for region, entry in raw["regions"].items():
            own = (entry.get("prices") or {}).get(key)
            assert own is None or (own["page"] in raw["pages"] and own["date"]), (region, key)
    info = price_table("us-east-1").info
    assert info.version == str(raw["version"])
    assert info.date == max(str(p["date"]) for p in raw["prices"].values())


def test_streaming_pays_what_its_stack_deploys_and_nothing_it_does_not() -> None:
    req = CREDIT.model_copy(update={"daily_volume": 20_000_000})
    items = [line.item for line in estimate(req, size(req, Pattern.STREAMING)).lines]
    assert not [i for i in items if "training" in i or "raw records" in i or "NAT" in i]
    for item in ("DynamoDB storage", "DynamoDB point-in-time", "Firehose archive ingest (5 KB"):
        assert any(i.startswith(item) for i in items), item
    # the consumer Lambda runs the project's image, kept in the stack's ECR repository
    assert "ECR image storage" in items
    realtime = [line.item for line in estimate(req, size(req, Pattern.REALTIME)).lines]
    # the real-time API keeps its served predictions for retraining (config `retrain`)
    assert [i for i in realtime if i.startswith("S3")] == [
        "S3 served records for retraining (kept a year)"
    ]
    assert any(i.startswith("Public IPv4") for i in realtime)


def test_lines_add_up_and_price_quantities() -> None:
    for pattern in Pattern:
        est = estimate(CREDIT, size(CREDIT, pattern))
        for line in est.lines:
            assert line.monthly_usd == pytest.approx(line.quantity * line.unit_price_usd, abs=0.01)
        assert est.total_usd == pytest.approx(sum(line.monthly_usd for line in est.lines), abs=0.01)


def test_hybrid_is_itemised_across_its_services() -> None:
    plan = make_plan(ProjectRecord(answers=CREDIT))
    items = " | ".join(line.item for line in plan.cost.chosen.lines)
    for service in (
        "Fargate",
        "Load balancer",
        "NAT",
        "Kinesis",
        "Lambda",
        "DynamoDB",
        "S3",
        "Step Functions",
        "CloudWatch",
    ):
        assert service in items
    assert set(plan.cost.per_pattern) == set(Pattern)
    assert plan.cost.per_pattern[Pattern.HYBRID] == plan.cost.chosen.total_usd
    assert not plan.cost.over_budget


def test_over_budget_is_flagged_with_its_drivers() -> None:
    plan = make_plan(ProjectRecord(answers=CREDIT.model_copy(update={"monthly_budget_usd": 20})))
    cost = plan.cost
    assert cost.over_budget
    biggest = max(cost.chosen.lines, key=lambda line: line.monthly_usd)
    assert cost.drivers and cost.drivers[0].startswith(biggest.item)


def test_other_regions_use_the_multiplier_and_unknown_ones_say_so() -> None:
    base = make_plan(ProjectRecord(answers=CREDIT)).cost
    frankfurt_answers = CREDIT.model_copy(update={"region": "eu-central-1"})
    frankfurt = make_plan(ProjectRecord(answers=frankfurt_answers))
    assert frankfurt.cost.chosen.total_usd > base.chosen.total_usd
    unknown = make_plan(ProjectRecord(answers=CREDIT.model_copy(update={"region": "me-south-1"})))
    assert unknown.cost.chosen.total_usd == base.chosen.total_usd
    assert any("me-south-1" in w for w in unknown.decision.warnings)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 1_000_000_000), st.integers(2, 50), st.sampled_from(list(Pattern)))
def test_cost_never_falls_as_volume_rises(daily: int, factor: int, pattern: Pattern) -> None:
    low = Requirements(daily_volume=daily, latency_p99_ms=86_400_000)
    high = low.model_copy(update={"daily_volume": daily * factor})
    more = estimate(high, size(high, pattern)).total_usd
    assert more >= estimate(low, size(low, pattern)).total_usd


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 1_000_000_000), st.sampled_from(list(ModelUpdate)))
def test_hybrid_costs_at_least_its_realtime_part(daily: int, update: ModelUpdate) -> None:
    req = Requirements(daily_volume=daily, model_update=update)
    hybrid = estimate(req, size(req, Pattern.HYBRID)).total_usd
    realtime = estimate(req, size(req, Pattern.REALTIME)).total_usd
    assert hybrid >= realtime
