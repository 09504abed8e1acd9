"""Hand-built plans for rendering tests: one per pattern, independent of the decision engine."""

from __future__ import annotations

from archgen import __version__
from archgen.patterns import DataArrival, Pattern
from archgen.plan import (
    CostEstimate,
    CostLine,
    CostReport,
    Decision,
    Figure,
    Plan,
    PricingInfo,
    Score,
    Sizing,
)
from archgen.record import ProjectRecord
from archgen.requirements import Requirements


def make_plan(
    pattern: Pattern = Pattern.HYBRID,
    name: str = "loan-desk",
    region: str = "us-east-2",
    **stack_config: object,
) -> Plan:
    """A complete, plausible plan for `pattern` with a small sized stack config."""
    answers = Requirements(
        project_name=name,
        region=region,
        data_arrival=DataArrival.REQUESTS,
        daily_volume=1_000_000,
    )
    others = [p for p in Pattern if p is not pattern]
    scores = [
        Score(
            pattern=p,
            feasible=p is not Pattern.BATCH or pattern is Pattern.BATCH,
            ruled_out_by=[]
            if p is not Pattern.BATCH or pattern is Pattern.BATCH
            else ["answers within 50 ms are needed, batch answers tomorrow"],
            by_criterion={"latency": 0.9 if p is pattern else 0.4, "cost": 0.6},
            total=0.8 if p is pattern else 0.5,
        )
        for p in Pattern
    ]
    return Plan(
        record=ProjectRecord(archgen_version=__version__, answers=answers, pattern=pattern),
        decision=Decision(
            recommended=pattern,
            chosen=pattern,
            scores=scores,
            reasons=[f"{pattern.label} fits answers within 50 ms at 1M decisions a day."],
            why_not={p: f"{p.label} trades away what these answers need." for p in others},
        ),
        sizing=Sizing(
            pattern=pattern,
            figures=[
                Figure(
                    key="peak_rps",
                    label="Peak requests per second",
                    value=34.7,
                    unit="req/s",
                    basis="1M a day x 3 peak factor / 86,400 s",
                ),
                Figure(key="api_tasks", label="API tasks", value=2, unit="tasks"),
            ],
            stack_config={"pattern": pattern.value, "name_prefix": name, **stack_config},
            headroom="Scales to 10M decisions a day by raising apiMaxTasks.",
        ),
        cost=CostReport(
            chosen=CostEstimate(
                pattern=pattern,
                lines=[
                    CostLine(
                        item="Fargate vCPU-hours",
                        quantity=1460,
                        unit="vCPU-h",
                        unit_price_usd=0.04048,
                        monthly_usd=59.1,
                    ),
                    CostLine(
                        item="S3 storage",
                        quantity=50,
                        unit="GB-month",
                        unit_price_usd=0.023,
                        monthly_usd=1.15,
                    ),
                ],
                total_usd=60.25,
            ),
            per_pattern={p: 60.25 if p is pattern else 120.0 for p in Pattern},
            budget_usd=2000.0,
            over_budget=False,
            pricing=PricingInfo(
                version="2026-01", region=region, date="2026-01-01", source="AWS public price list"
            ),
        ),
    )
