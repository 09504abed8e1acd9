"""Cost: itemised estimates from the versioned pricing table, compared with the budget."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from archgen.cost import estimate, estimate_all, price_table, report
from archgen.patterns import Pattern
from archgen.requirements import Requirements
from archgen.sizing import size
from hypothesis import given, settings
from hypothesis import strategies as st


def test_pricing_table_records_region_date_and_source() -> None:
    raw = yaml.safe_load(
        resources.files("archgen").joinpath("data/pricing-us-east-1.yaml").read_text("utf-8")
    )
    assert raw["region"] == "us-east-1"
    assert raw["date"] and raw["source"] and raw["version"]
    info = price_table("us-east-1").info
    assert info.region == "us-east-1" and info.date == str(raw["date"])


def test_lines_add_up_and_each_line_is_quantity_times_price() -> None:
    req = Requirements(daily_volume=250_000)
    for pattern, est in estimate_all(req).items():
        assert est.pattern is pattern
        assert est.lines
        assert est.total_usd == pytest.approx(sum(line.monthly_usd for line in est.lines), abs=0.01)
        for line in est.lines:
            assert line.monthly_usd == pytest.approx(
                line.quantity * line.unit_price_usd, rel=1e-3, abs=0.02
            )


def test_each_pattern_is_priced_with_its_own_services() -> None:
    est = estimate_all(Requirements(daily_volume=100_000))
    items = {p: " ".join(line.item for line in e.lines) for p, e in est.items()}
    assert "Load balancer" in items[Pattern.REALTIME]
    assert "Load balancer" not in items[Pattern.BATCH]
    assert "Kinesis" in items[Pattern.STREAMING] and "Kinesis" not in items[Pattern.REALTIME]
    for word in ("Load balancer", "Kinesis", "Step Functions", "NAT", "Fargate"):
        assert word in items[Pattern.HYBRID], word
    assert est[Pattern.HYBRID].total_usd > est[Pattern.REALTIME].total_usd


def test_region_multiplier_scales_the_estimate() -> None:
    base = Requirements(daily_volume=100_000)
    eu = Requirements(daily_volume=100_000, region="eu-west-1")
    factor = yaml.safe_load(
        resources.files("archgen").joinpath("data/pricing-us-east-1.yaml").read_text("utf-8")
    )["region_multipliers"]["eu-west-1"]
    us_total = estimate(base, size(base, Pattern.REALTIME)).total_usd
    eu_total = estimate(eu, size(eu, Pattern.REALTIME)).total_usd
    assert eu_total == pytest.approx(us_total * factor, rel=0.01)
    assert "priced as" in price_table("xx-nowhere-1").info.region


@settings(max_examples=60, deadline=None)
@given(
    volume=st.integers(1, 500_000_000),
    more=st.integers(1, 20),
    pattern=st.sampled_from(list(Pattern)),
)
def test_more_volume_never_costs_less(volume: int, more: int, pattern: Pattern) -> None:
    low = Requirements(daily_volume=volume)
    high = Requirements(daily_volume=volume * more)
    assert (
        estimate(high, size(high, pattern)).total_usd
        >= estimate(low, size(low, pattern)).total_usd - 0.01
    )


def test_over_budget_names_the_drivers() -> None:
    req = Requirements(daily_volume=5_000_000, monthly_budget_usd=50)
    chosen = estimate(req, size(req, Pattern.HYBRID))
    per = {p: e.total_usd for p, e in estimate_all(req).items()}
    over = report(req, chosen, per)
    assert over.over_budget and over.budget_usd == 50
    biggest = max(chosen.lines, key=lambda line: line.monthly_usd)
    assert over.drivers and over.drivers[0].startswith(biggest.item)
    ample = report(req, chosen, per, budget_usd=chosen.total_usd * 2)
    assert not ample.over_budget and ample.drivers == []
