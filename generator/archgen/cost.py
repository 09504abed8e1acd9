"""Cost: a monthly estimate per pattern from the versioned pricing table.

Each estimate is a list of lines (item, quantity, unit, unit price, monthly
total) computed from the sized figures and today's volume, so a reviewer can
check every number. Other regions apply the table's region multiplier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from archgen import catalogue
from archgen.catalogue import Part
from archgen.patterns import Pattern
from archgen.plan import CostEstimate, CostLine, CostReport, PricingInfo, Sizing
from archgen.requirements import Requirements
from archgen.sizing import (
    SCORE_RECORDS_PER_TASK_HOUR,
    batch_cadence,
    size,
)

HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = 30.4
RECORD_KB = 1.0
LOG_KB_PER_PREDICTION = 0.5
TRAIN_HOURS_PER_RUN = 1.0
"""Assumed duration of one training run."""
RAW_MONTHS_KEPT = 12
"""The data lake keeps a year of raw records (raw_expiration_days = 365)."""
ALARMS = 10
CONSUMER_RECORDS_PER_S = 500.0
PRICING_FILE = "data/pricing-us-east-1.yaml"


@dataclass(frozen=True)
class PriceTable:
    """Prices of one region (us-east-1 list prices times the region multiplier)."""

    info: PricingInfo
    prices: dict[str, float]


@cache
def _raw_table() -> dict[str, object]:
    text = resources.files("archgen").joinpath(PRICING_FILE).read_text(encoding="utf-8")
    data: dict[str, object] = yaml.safe_load(text)
    return data


def price_table(region: str) -> PriceTable:
    """The prices for `region`; a region without a multiplier is priced as us-east-1."""
    raw = _raw_table()
    multipliers = dict(raw["region_multipliers"])  # type: ignore[call-overload]
    factor = float(multipliers.get(region, 1.0))
    base_region = str(raw["region"])
    if region == base_region:
        label = region
    elif region in multipliers:
        label = f"{region} ({base_region} x {factor:g})"
    else:
        label = f"{region} (priced as {base_region}: no multiplier in the table)"
    prices = {k: float(v) * factor for k, v in dict(raw["prices"]).items()}  # type: ignore[call-overload]
    info = PricingInfo(
        version=str(raw["version"]), region=label, date=str(raw["date"]), source=str(raw["source"])
    )
    return PriceTable(info=info, prices=prices)


class _Lines:
    def __init__(self, prices: dict[str, float]) -> None:
        self.prices = prices
        self.lines: list[CostLine] = []

    def add(self, item: str, quantity: float, unit: str, price_key: str, per: float = 1.0) -> None:
        unit_price = self.prices[price_key] / per
        self.lines.append(
            CostLine(
                item=item,
                quantity=round(quantity, 3),
                unit=unit,
                unit_price_usd=round(unit_price, 12),
                monthly_usd=round(quantity * unit_price, 2),
            )
        )


def estimate(req: Requirements, sizing: Sizing, table: PriceTable | None = None) -> CostEstimate:
    """Itemised monthly estimate of the pattern `sizing` was made for."""
    table = table or price_table(req.region)
    pattern = sizing.pattern
    cfg = sizing.stack_config
    out = _Lines(table.prices)
    records = req.daily_volume * DAYS_PER_MONTH
    if catalogue.uses(pattern, Part.NETWORK):
        out.add("NAT gateways (2 AZs)", 2 * HOURS_PER_MONTH, "gateway-hours", "nat_gateway_hour")
        out.add("NAT data processed", records * 2 * RECORD_KB / 1e6, "GB", "nat_gateway_gb")
    if catalogue.uses(pattern, Part.API):
        tasks = int(cfg["api_desired_tasks"])
        vcpu = int(cfg["api_cpu"]) / 1024
        gb = int(cfg["api_memory_mb"]) / 1024
        out.add(
            f"Fargate API vCPU ({tasks} tasks)",
            tasks * vcpu * HOURS_PER_MONTH,
            "vCPU-hours",
            "fargate_vcpu_hour",
        )
        out.add("Fargate API memory", tasks * gb * HOURS_PER_MONTH, "GB-hours", "fargate_gb_hour")
        out.add("Load balancer", HOURS_PER_MONTH, "hours", "alb_hour")
        lcu = max(1.0, req.daily_volume / 86_400 / 25)
        out.add("Load balancer capacity units", lcu * HOURS_PER_MONTH, "LCU-hours", "alb_lcu_hour")
    if catalogue.uses(pattern, Part.BATCH):
        runs = batch_cadence(req, pattern).runs_per_month
        train_vcpu = int(cfg["train_cpu"]) / 1024
        train_gb = int(cfg["train_memory_mb"]) / 1024
        train_hours = runs * TRAIN_HOURS_PER_RUN
        out.add(
            f"Fargate training vCPU ({runs:g} runs x {TRAIN_HOURS_PER_RUN:g} h)",
            train_hours * train_vcpu,
            "vCPU-hours",
            "fargate_vcpu_hour",
        )
        out.add("Fargate training memory", train_hours * train_gb, "GB-hours", "fargate_gb_hour")
        parallel = int(cfg["score_parallelism"])
        transitions = runs * (8 + 2 * parallel)
        if pattern is Pattern.BATCH:
            score_hours = max(1.0, records / SCORE_RECORDS_PER_TASK_HOUR)
            out.add("Fargate scoring vCPU", score_hours, "vCPU-hours", "fargate_vcpu_hour")
            out.add("Fargate scoring memory", score_hours * 2, "GB-hours", "fargate_gb_hour")
        out.add(
            "Step Functions state transitions",
            transitions,
            "transitions",
            "step_functions_transitions_thousand",
            per=1000,
        )
    if catalogue.uses(pattern, Part.STREAM):
        if cfg["stream_mode"] == "ON_DEMAND":
            out.add(
                "Kinesis on-demand stream",
                HOURS_PER_MONTH,
                "stream-hours",
                "kinesis_on_demand_stream_hour",
            )
            gb = records * RECORD_KB / 1e6
            out.add("Kinesis on-demand ingest", gb, "GB", "kinesis_on_demand_ingest_gb")
            out.add("Kinesis on-demand retrieval", gb, "GB", "kinesis_on_demand_retrieval_gb")
        else:
            shards = int(cfg["stream_shards"])
            out.add(
                f"Kinesis shards ({shards})",
                shards * HOURS_PER_MONTH,
                "shard-hours",
                "kinesis_shard_hour",
            )
            out.add(
                "Kinesis PUT payload units", records, "units", "kinesis_put_units_million", per=1e6
            )
        batch = int(cfg["consumer_batch_size"])
        invocations = math.ceil(records / batch)
        seconds = records / CONSUMER_RECORDS_PER_S + invocations * 0.05
        out.add(
            "Lambda consumer requests", invocations, "requests", "lambda_requests_million", per=1e6
        )
        out.add("Lambda consumer compute (512 MB)", seconds * 0.5, "GB-seconds", "lambda_gb_second")
        out.add(
            "DynamoDB prediction writes",
            records,
            "write units",
            "dynamodb_write_units_million",
            per=1e6,
        )
        out.add("Firehose archive ingest", records * RECORD_KB / 1e6, "GB", "firehose_ingest_gb")
    stored = records * RECORD_KB / 1e6 * RAW_MONTHS_KEPT
    out.add("S3 data lake storage (a year of records)", stored, "GB-months", "s3_storage_gb_month")
    logs = records * LOG_KB_PER_PREDICTION / 1e6
    out.add("CloudWatch Logs ingestion", logs, "GB", "cloudwatch_logs_ingest_gb")
    out.add("CloudWatch alarms", ALARMS, "alarms", "cloudwatch_alarm_month")
    out.add("KMS key", 1, "keys", "kms_key_month")
    if catalogue.uses(pattern, Part.IMAGES):
        out.add("ECR image storage", 1, "GB-months", "ecr_storage_gb_month")
    lines = [line for line in out.lines if line.monthly_usd > 0 or line.quantity > 0]
    total = round(sum(line.monthly_usd for line in lines), 2)
    return CostEstimate(pattern=pattern, lines=lines, total_usd=total)


def estimate_all(req: Requirements) -> dict[Pattern, CostEstimate]:
    """An estimate for every pattern, each sized on its own."""
    table = price_table(req.region)
    return {p: estimate(req, size(req, p), table) for p in Pattern}


def drivers(est: CostEstimate, count: int = 3) -> list[str]:
    """The largest lines of an estimate, as sentences."""
    top = sorted(est.lines, key=lambda line: line.monthly_usd, reverse=True)[:count]
    total = est.total_usd or 1.0
    return [
        f"{line.item}: ${line.monthly_usd:,.2f}/month ({line.monthly_usd / total:.0%} of the total)"
        for line in top
    ]


def report(
    req: Requirements,
    chosen: CostEstimate,
    per_pattern: dict[Pattern, float],
    *,
    budget_usd: float | None = None,
) -> CostReport:
    """Compare the chosen estimate with the budget; over budget names what drives the cost."""
    budget = req.monthly_budget_usd if budget_usd is None else budget_usd
    over = chosen.total_usd > budget
    return CostReport(
        chosen=chosen,
        per_pattern=per_pattern,
        budget_usd=budget,
        over_budget=over,
        drivers=drivers(chosen) if over else [],
        pricing=price_table(req.region).info,
    )
