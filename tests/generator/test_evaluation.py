"""The evaluation set: labelled scenarios from real industry cases, each recommended as labelled.

Every label follows from the source document's key takeaways ("Choose pattern
based on requirements. Batch for non-urgent, high-volume. Real-time for urgent,
lower-volume. Streaming for continuous data. Hybrid for flexibility.") and its
credit-decision example (hybrid: batch training, real-time serving, streaming
monitoring); the one-line justification says which takeaway decides it. The
answers are what the team would give archgen's questions; anything left out is
at its default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from archgen.api import make_plan
from archgen.patterns import Pattern
from archgen.record import ProjectRecord
from archgen.requirements import Requirements

B, R, S, H = Pattern.BATCH, Pattern.REALTIME, Pattern.STREAMING, Pattern.HYBRID
HOUR = 3_600_000


@dataclass(frozen=True)
class Scenario:
    name: str
    label: Pattern
    why: str
    answers: dict[str, Any] = field(default_factory=dict)


SCENARIOS: tuple[Scenario, ...] = (
    # -- batch: nobody waits, any volume ------------------------------------------------------
    Scenario(
        "telecom-churn-nightly",
        B,
        "non-urgent, high-volume: scores feed next week's retention calls",
        dict(
            urgency="next_day",
            daily_volume=2_000_000,
            latency_p99_ms=12 * HOUR,
            data_arrival="files",
            model_update="weekly",
            complexity_tolerance="low",
            monthly_budget_usd=500,
        ),
    ),
    Scenario(
        "retail-demand-forecast",
        B,
        "non-urgent, high-volume: store orders are placed from the overnight forecast",
        dict(
            urgency="next_day",
            daily_volume=5_000_000,
            latency_p99_ms=24 * HOUR,
            data_arrival="files",
            model_update="weekly",
        ),
    ),
    Scenario(
        "claims-backlog-triage",
        B,
        "non-urgent: the claims queue is re-ranked every night",
        dict(
            urgency="next_day",
            daily_volume=50_000,
            latency_p99_ms=24 * HOUR,
            data_arrival="files",
            model_update="monthly",
        ),
    ),
    Scenario(
        "email-propensity",
        B,
        "non-urgent, high-volume: tomorrow's campaign audience is scored tonight",
        dict(
            urgency="next_day",
            daily_volume=10_000_000,
            latency_p99_ms=24 * HOUR,
            data_arrival="files",
            model_update="weekly",
        ),
    ),
    Scenario(
        "aml-daily-review",
        B,
        "non-urgent, high-volume: analysts review yesterday's alerts each morning",
        dict(
            urgency="next_day",
            daily_volume=20_000_000,
            latency_p99_ms=24 * HOUR,
            data_arrival="files",
            model_update="monthly",
            monthly_budget_usd=5_000,
        ),
    ),
    Scenario(
        "credit-limit-review",
        B,
        "non-urgent: portfolio limits are reviewed in a monthly run",
        dict(
            urgency="next_day",
            daily_volume=1_000_000,
            latency_p99_ms=48 * HOUR,
            data_arrival="files",
            model_update="monthly",
        ),
    ),
    Scenario(
        "readmission-risk-list",
        B,
        "non-urgent: the discharge team reads the risk list the next morning",
        dict(
            urgency="next_day",
            daily_volume=20_000,
            latency_p99_ms=24 * HOUR,
            data_arrival="files",
            model_update="monthly",
            complexity_tolerance="low",
        ),
    ),
    Scenario(
        "precomputed-recommendations",
        B,
        "non-urgent, high-volume: recommendations are precomputed nightly and looked up",
        dict(
            urgency="next_day",
            daily_volume=50_000_000,
            latency_p99_ms=24 * HOUR,
            data_arrival="files",
            model_update="daily",
            monthly_budget_usd=10_000,
        ),
    ),
    Scenario(
        "smart-meter-billing-anomaly",
        B,
        "non-urgent, high-volume: bills are checked before the daily billing run",
        dict(
            urgency="next_day",
            daily_volume=30_000_000,
            latency_p99_ms=24 * HOUR,
            data_arrival="files",
            model_update="daily",
            monthly_budget_usd=5_000,
        ),
    ),
    Scenario(
        "hr-attrition-risk",
        B,
        "non-urgent: a small team refreshes the attrition report monthly",
        dict(
            urgency="next_day",
            daily_volume=5_000,
            latency_p99_ms=72 * HOUR,
            data_arrival="files",
            model_update="monthly",
            complexity_tolerance="low",
            monthly_budget_usd=300,
        ),
    ),
    Scenario(
        "crm-lead-scoring",
        B,
        "non-urgent: leads arriving during the day are scored at night for the morning call list",
        dict(
            urgency="next_day",
            daily_volume=30_000,
            latency_p99_ms=24 * HOUR,
            data_arrival="requests",
            model_update="weekly",
        ),
    ),
    Scenario(
        "mortgage-document-classification",
        B,
        "non-urgent (hours): documents are classified in a run every few hours",
        dict(
            urgency="minutes",
            daily_volume=200_000,
            latency_p99_ms=4 * HOUR,
            data_arrival="files",
            model_update="weekly",
        ),
    ),
    # -- real-time: urgent, lower volume, model updated rarely or continuously -------------------
    Scenario(
        "card-fraud-api",
        R,
        "urgent, lower-volume: the payment waits; the model changes monthly",
        dict(
            urgency="waiting",
            daily_volume=200_000,
            scale_to_daily_volume=500_000,
            latency_p99_ms=50,
            peak_factor=4,
            data_arrival="requests",
            model_update="monthly",
            monthly_budget_usd=1_500,
            availability_pct=99.95,
        ),
    ),
    Scenario(
        "chatbot-intent",
        R,
        "urgent, lower-volume: the user waits for the reply; intents retrained monthly",
        dict(
            urgency="waiting",
            daily_volume=50_000,
            latency_p99_ms=300,
            data_arrival="requests",
            model_update="monthly",
        ),
    ),
    Scenario(
        "insurance-quote-pricing",
        R,
        "urgent, lower-volume: the quote page waits; the rating model changes weekly",
        dict(
            urgency="waiting",
            daily_volume=20_000,
            latency_p99_ms=500,
            data_arrival="requests",
            model_update="weekly",
        ),
    ),
    Scenario(
        "kyc-onboarding-check",
        R,
        "urgent, lower-volume: the applicant waits at sign-up",
        dict(
            urgency="waiting",
            daily_volume=5_000,
            latency_p99_ms=800,
            data_arrival="requests",
            model_update="monthly",
        ),
    ),
    Scenario(
        "search-ranking-bandit",
        R,
        "urgent, lower-volume, models updated continuously from click feedback",
        dict(
            urgency="waiting",
            daily_volume=300_000,
            latency_p99_ms=100,
            data_arrival="requests",
            model_update="continuous",
        ),
    ),
    Scenario(
        "branch-loan-preapproval",
        R,
        "urgent, lower-volume: the customer waits at the branch; a small team",
        dict(
            urgency="waiting",
            daily_volume=2_000,
            latency_p99_ms=1_000,
            data_arrival="requests",
            model_update="monthly",
            complexity_tolerance="low",
        ),
    ),
    Scenario(
        "symptom-checker",
        R,
        "urgent, lower-volume: the patient waits for the triage answer",
        dict(
            urgency="waiting",
            daily_volume=10_000,
            latency_p99_ms=500,
            data_arrival="requests",
            model_update="monthly",
        ),
    ),
    Scenario(
        "next-best-action",
        R,
        "urgent, lower-volume: the call-centre agent waits mid-call",
        dict(
            urgency="waiting",
            daily_volume=30_000,
            latency_p99_ms=200,
            data_arrival="requests",
            model_update="weekly",
        ),
    ),
    Scenario(
        "fintech-credit-small-team",
        R,
        "urgent, lower-volume, low complexity tolerance: real-time, giving up scheduled retraining",
        dict(
            urgency="waiting",
            daily_volume=10_000,
            scale_to_daily_volume=1_000_000,
            latency_p99_ms=100,
            data_arrival="requests",
            model_update="daily",
            complexity_tolerance="low",
        ),
    ),
    Scenario(
        "news-personalisation-bandit",
        R,
        "urgent (seconds), lower-volume, models updated continuously from feedback",
        dict(
            urgency="seconds",
            daily_volume=100_000,
            latency_p99_ms=500,
            data_arrival="requests",
            model_update="continuous",
        ),
    ),
    Scenario(
        "reference-data-lookup-model",
        R,
        "urgent, lower-volume: data lands as files but the model rarely changes",
        dict(
            urgency="waiting",
            daily_volume=20_000,
            latency_p99_ms=200,
            data_arrival="files",
            model_update="monthly",
        ),
    ),
    # -- hybrid: online serving of a model retrained on a schedule, or beyond real-time's volume ---
    Scenario(
        "credit-decisions",
        H,
        "the document's own example: batch training daily, real-time serving, streaming monitoring",
        dict(
            urgency="waiting",
            daily_volume=10_000,
            scale_to_daily_volume=1_000_000,
            latency_p99_ms=100,
            data_arrival="requests",
            model_update="daily",
        ),
    ),
    Scenario(
        "fraud-daily-retrain",
        H,
        "urgent serving of a model retrained daily on yesterday's fraud labels",
        dict(
            urgency="waiting",
            daily_volume=2_000_000,
            latency_p99_ms=100,
            data_arrival="requests",
            model_update="daily",
            monthly_budget_usd=5_000,
        ),
    ),
    Scenario(
        "ecommerce-recs-online",
        H,
        "online serving of a model retrained nightly: train overnight, serve by day",
        dict(
            urgency="waiting",
            daily_volume=1_000_000,
            latency_p99_ms=150,
            data_arrival="requests",
            model_update="daily",
            complexity_tolerance="high",
        ),
    ),
    Scenario(
        "ride-eta-hourly",
        H,
        "online serving of a model retrained hourly on fresh trips",
        dict(
            urgency="waiting",
            daily_volume=3_000_000,
            latency_p99_ms=100,
            data_arrival="requests",
            model_update="hourly",
            monthly_budget_usd=5_000,
        ),
    ),
    Scenario(
        "fnol-claims-fraud",
        H,
        "urgent scoring at first notice of loss with daily retraining",
        dict(
            urgency="waiting",
            daily_volume=20_000,
            latency_p99_ms=500,
            data_arrival="requests",
            model_update="daily",
        ),
    ),
    Scenario(
        "payments-risk-at-scale",
        H,
        "urgent but beyond real-time's volume: 10M a day growing to 100M",
        dict(
            urgency="waiting",
            daily_volume=10_000_000,
            latency_p99_ms=100,
            data_arrival="requests",
            model_update="weekly",
            monthly_budget_usd=5_000,
        ),
    ),
    Scenario(
        "hotel-price-hourly",
        H,
        "online price predictions from a model retrained every hour",
        dict(
            urgency="waiting",
            daily_volume=300_000,
            latency_p99_ms=200,
            data_arrival="requests",
            model_update="hourly",
        ),
    ),
    Scenario(
        "bank-assistant-daily",
        H,
        "the assistant answers online from a model retrained each night",
        dict(
            urgency="waiting",
            daily_volume=100_000,
            latency_p99_ms=300,
            data_arrival="requests",
            model_update="daily",
        ),
    ),
    Scenario(
        "underwriting-files-online",
        H,
        "requirements span patterns: data lands as files, decisions served online, retrained daily",
        dict(
            urgency="waiting",
            daily_volume=50_000,
            latency_p99_ms=200,
            data_arrival="files",
            model_update="daily",
        ),
    ),
    Scenario(
        "marketplace-search-daily",
        H,
        "urgent (seconds) serving with nightly retraining on the day's searches",
        dict(
            urgency="seconds",
            daily_volume=500_000,
            latency_p99_ms=300,
            data_arrival="requests",
            model_update="daily",
        ),
    ),
    # -- streaming: continuous data ------------------------------------------------------------
    Scenario(
        "iot-sensor-monitoring",
        S,
        "continuous data: IoT monitoring is the document's own streaming case",
        dict(
            urgency="minutes",
            daily_volume=20_000_000,
            latency_p99_ms=5_000,
            peak_factor=2,
            data_arrival="stream",
            model_update="continuous",
            complexity_tolerance="high",
            monthly_budget_usd=5_000,
        ),
    ),
    Scenario(
        "factory-predictive-maintenance",
        S,
        "continuous data: machine sensors stream readings all day",
        dict(
            urgency="seconds",
            daily_volume=100_000_000,
            latency_p99_ms=2_000,
            data_arrival="stream",
            model_update="daily",
            monthly_budget_usd=20_000,
        ),
    ),
    Scenario(
        "clickstream-live-dashboard",
        S,
        "continuous data: live dashboards are the document's streaming example",
        dict(
            urgency="seconds",
            daily_volume=50_000_000,
            latency_p99_ms=5_000,
            data_arrival="stream",
            model_update="hourly",
            monthly_budget_usd=10_000,
        ),
    ),
    Scenario(
        "network-intrusion-detection",
        S,
        "continuous data: flow logs stream from every router",
        dict(
            urgency="seconds",
            daily_volume=500_000_000,
            latency_p99_ms=2_000,
            data_arrival="stream",
            model_update="weekly",
            complexity_tolerance="high",
            monthly_budget_usd=50_000,
        ),
    ),
    Scenario(
        "connected-car-telemetry",
        S,
        "continuous data: vehicles stream telemetry continuously",
        dict(
            urgency="minutes",
            daily_volume=200_000_000,
            latency_p99_ms=60_000,
            data_arrival="stream",
            model_update="daily",
            monthly_budget_usd=30_000,
        ),
    ),
    Scenario(
        "trade-surveillance",
        S,
        "continuous data: market events stream and models update continuously",
        dict(
            urgency="seconds",
            daily_volume=1_000_000_000,
            latency_p99_ms=1_000,
            data_arrival="stream",
            model_update="continuous",
            complexity_tolerance="high",
            monthly_budget_usd=100_000,
        ),
    ),
    Scenario(
        "grid-load-monitoring",
        S,
        "continuous data: substations report load every few seconds",
        dict(
            urgency="minutes",
            daily_volume=5_000_000,
            latency_p99_ms=30_000,
            data_arrival="stream",
            model_update="hourly",
        ),
    ),
    Scenario(
        "live-betting-odds",
        S,
        "continuous data: match events stream in and odds update continuously",
        dict(
            urgency="seconds",
            daily_volume=10_000_000,
            latency_p99_ms=1_000,
            data_arrival="stream",
            model_update="continuous",
            complexity_tolerance="high",
            monthly_budget_usd=5_000,
        ),
    ),
    Scenario(
        "content-moderation-stream",
        S,
        "continuous data: posts arrive as an event stream",
        dict(
            urgency="seconds",
            daily_volume=30_000_000,
            latency_p99_ms=10_000,
            data_arrival="stream",
            model_update="daily",
            monthly_budget_usd=10_000,
        ),
    ),
    Scenario(
        "card-transaction-alerts",
        S,
        "continuous data: the transaction stream is scored for asynchronous alerts",
        dict(
            urgency="seconds",
            daily_volume=5_000_000,
            latency_p99_ms=2_000,
            data_arrival="stream",
            model_update="daily",
        ),
    ),
    Scenario(
        "fleet-gps-tracking",
        S,
        "continuous data: trucks stream positions for live ETAs",
        dict(
            urgency="seconds",
            daily_volume=20_000_000,
            latency_p99_ms=5_000,
            data_arrival="stream",
            model_update="hourly",
            monthly_budget_usd=5_000,
        ),
    ),
    Scenario(
        "ad-impression-scoring",
        S,
        "streaming scales well: 500M events a day with no caller waiting",
        dict(
            urgency="minutes",
            daily_volume=500_000_000,
            latency_p99_ms=60_000,
            data_arrival="requests",
            model_update="daily",
            monthly_budget_usd=50_000,
        ),
    ),
)


def test_the_set_is_large_and_covers_every_pattern() -> None:
    assert len(SCENARIOS) >= 40
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)
    for p in Pattern:
        assert sum(1 for s in SCENARIOS if s.label is p) >= 8, p


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_is_recommended_as_labelled(scenario: Scenario) -> None:
    req = Requirements.model_validate({"project_name": scenario.name, **scenario.answers})
    decision = make_plan(ProjectRecord(answers=req)).decision
    assert decision.recommended is scenario.label, (scenario.why, decision.reasons)
