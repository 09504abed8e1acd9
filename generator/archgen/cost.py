"""Cost: a monthly estimate per pattern from the price table, as the pattern's stack deploys it.

Each estimate is a list of lines (item, quantity, unit, unit price, monthly
total) computed from the sized figures, today's volume and the usage
assumptions (`data/usage-defaults.yaml`), so a reviewer can check every number.
It models the resources each pattern's stack registers (per AZ, per cluster,
per consumer); `archgen cost` inside a project prices the registered resources
themselves (`archgen_stacks.pricing`), and a test keeps the two close.
Prices: `data/prices.yaml`, per region, with the page and date of each price.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from archgen import catalogue
from archgen import prices as price_data
from archgen.catalogue import Part
from archgen.patterns import Pattern
from archgen.plan import CostEstimate, CostLine, CostReport, PricingInfo, Sizing
from archgen.prices import Usage
from archgen.requirements import Requirements
from archgen.sizing import CADENCES, DAILY, batch_cadence, separate_training, size, train_cadence
from archgen.stack_settings import StackSettings

HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = 30.4
GB = 1024**3
AZS = 2
"""Availability zones of the sized stack (`availabilityZones` defaults to 2)."""
TABLE_TTL_DAYS = 30
ALARMS = {Part.API: 8, Part.BATCH: 1, Part.STREAM: 4}
"""CloudWatch alarms each part's component creates (target tracking adds its own two)."""
LOG_GROUPS = {Part.API: 1, Part.BATCH: 3, Part.STREAM: 2}
TASK_FAMILIES = {Part.API: 1, Part.BATCH: 2}


@dataclass(frozen=True)
class PriceTable:
    """Prices of one region (its own figures, else us-east-1 times its multiplier)."""

    info: PricingInfo
    prices: dict[str, float]


def price_table(region: str) -> PriceTable:
    """The prices for `region`; a region without figures is priced as us-east-1."""
    table = price_data.PriceTable(region)
    base = table.base_region
    if region == base:
        label = region
    elif table.known_region:
        own = len(table.own_keys)
        label = f"{region} ({own} prices of its own, the rest {base} x {table.multiplier:g})"
    else:
        label = f"{region} (priced as {base}: no figures in the table)"
    dates = table.dates
    info = PricingInfo(
        version=table.version,
        region=label,
        date=dates[-1] if dates else "",
        source="AWS public price pages, each price's page and date in archgen/data/prices.yaml",
    )
    return PriceTable(info=info, prices={k: table[k].usd for k in table.keys()})


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


def _parts(pattern: Pattern) -> list[Part]:
    return [p for p in (Part.API, Part.BATCH, Part.STREAM) if catalogue.uses(pattern, p)]


def estimate(req: Requirements, sizing: Sizing, table: PriceTable | None = None) -> CostEstimate:
    """Itemised monthly estimate of the stack `sizing` configures, as it is deployed."""
    table = table or price_table(req.region)
    pattern = sizing.pattern
    cfg = sizing.stack_config
    u = price_data.usage({"daily_volume": req.daily_volume, "peak_factor": req.peak_factor})
    out = _Lines(table.prices)
    records = req.daily_volume * DAYS_PER_MONTH
    record_gb = records * u.record_bytes / GB
    parts = _parts(pattern)
    batch = Part.BATCH in parts
    retrain = _retrain_config(pattern, cfg)
    runs = batch_cadence(req, pattern).runs_per_month if batch else 0.0
    split = batch and separate_training(req, pattern)
    train_runs = train_cadence(req).runs_per_month if split else runs
    parallel = int(str(cfg.get("score_parallelism", 1))) if batch else 0
    api_tasks = int(str(cfg.get("api_desired_tasks", 0))) if Part.API in parts else 0
    starts = api_tasks * u.api_deploys_per_month + train_runs + runs * parallel
    # an internal load balancer (no certificate, no publicHttp) has no public address and
    # sends nothing to the internet
    public_api = Part.API in parts and bool(
        cfg.get("certificate_arn") or str(cfg.get("public_http", "")).lower() == "true"
    )
    if catalogue.uses(pattern, Part.NETWORK):
        nat_gb = starts * (u.image_gb + u.model_mb / 1024) + (2 * record_gb if runs else 0.0)
        nat_gb += _retrain_nat_gb(retrain, u, record_gb)
        if Part.API in parts and Part.STREAM in parts:
            nat_gb += record_gb  # the API's prediction log goes to Kinesis through the NAT
        out.add(
            f"NAT gateways ({AZS} AZs)", AZS * HOURS_PER_MONTH, "gateway-hours", "nat_gateway_hour"
        )
        out.add("NAT data processed", nat_gb, "GB", "nat_gateway_gb")
        out.add(
            f"Public IPv4 addresses (NAT {AZS}"
            + (f", load balancer {AZS})" if public_api else ")"),
            (AZS * (2 if public_api else 1)) * HOURS_PER_MONTH,
            "address-hours",
            "public_ipv4_hour",
        )
    if Part.API in parts:
        vcpu = int(str(cfg["api_cpu"])) / 1024
        mem = int(str(cfg["api_memory_mb"])) / 1024
        hours = api_tasks * HOURS_PER_MONTH
        out.add(
            f"Fargate API vCPU ({api_tasks} tasks)", hours * vcpu, "vCPU-hours", "fargate_vcpu_hour"
        )
        out.add("Fargate API memory", hours * mem, "GB-hours", "fargate_gb_hour")
        out.add("Load balancer", HOURS_PER_MONTH, "hours", "alb_hour")
        gb_per_hour = req.daily_volume / 24 * (u.record_bytes + u.response_bytes) / GB
        lcu = max(1.0, req.daily_volume / 86_400 / 25, gb_per_hour)
        out.add(
            "Load balancer capacity units (at least 1)",
            lcu * HOURS_PER_MONTH,
            "LCU-hours",
            "alb_lcu_hour",
        )
        if public_api:
            out.add(
                "API responses to the internet",
                records * u.response_bytes / GB,
                "GB",
                "data_transfer_out_gb",
            )
    if retrain is not None:
        _retrain(out, cfg, u, record_gb, retrain[0], raw=Part.BATCH not in parts)
    if Part.BATCH in parts:
        train_vcpu = int(str(cfg["train_cpu"])) / 1024
        train_gb = int(str(cfg["train_memory_mb"])) / 1024
        train_hours = train_runs * u.train_hours_per_run
        out.add(
            f"Fargate training vCPU ({train_runs:g} runs x {u.train_hours_per_run:g} h)",
            train_hours * train_vcpu,
            "vCPU-hours",
            "fargate_vcpu_hour",
        )
        out.add("Fargate training memory", train_hours * train_gb, "GB-hours", "fargate_gb_hour")
        # every run scores what arrived since the last one (1 minute minimum per task)
        score_hours = max(runs * parallel / 60, records / u.score_records_per_task_hour)
        out.add("Fargate scoring vCPU", score_hours, "vCPU-hours", "fargate_vcpu_hour")
        out.add("Fargate scoring memory", score_hours * 2, "GB-hours", "fargate_gb_hour")
        # a training-only run enters 8 states; a scoring-only run 3 + its shards
        transitions = (
            train_runs * 8 + runs * (3 + 2 * parallel) if split else runs * (8 + 2 * parallel)
        )
        out.add(
            "Step Functions state transitions",
            transitions,
            "transitions",
            "step_functions_transitions_thousand",
            per=1000,
        )
        out.add("S3 raw records (kept a year)", record_gb * 12, "GB-months", "s3_storage_gb_month")
        out.add("S3 predictions (at month 12)", record_gb * 12, "GB-months", "s3_storage_gb_month")
    if Part.STREAM in parts:
        _stream(out, req, cfg, u, records, record_gb)
    families = sum(TASK_FAMILIES.get(p, 0) for p in parts) + (1 if retrain else 0)
    clusters = sum(1 for p in parts if p in TASK_FAMILIES)
    if clusters:
        metrics = clusters * u.container_insights_metrics_per_cluster
        metrics += families * u.container_insights_metrics_per_task_family
        out.add(
            f"Container Insights metrics ({clusters} cluster{'s' if clusters > 1 else ''})",
            metrics,
            "metrics",
            "cloudwatch_metric_month",
        )
    groups = sum(LOG_GROUPS.get(p, 0) for p in parts) + (1 if retrain else 0)
    if Part.NETWORK in parts and str(cfg.get("vpc_flow_logs", True)).lower() != "false":
        groups += 1  # the VPC's flow logs
    out.add(
        f"CloudWatch Logs ({groups} log groups)",
        groups * u.log_gb_per_group_month,
        "GB",
        "cloudwatch_logs_ingest_gb",
    )
    alarms = sum(ALARMS.get(p, 0) for p in parts) + (4 if Part.API in parts else 0)
    out.add("CloudWatch alarms", alarms, "alarms", "cloudwatch_alarm_month")
    out.add("CloudWatch dashboard", 1, "dashboards", "cloudwatch_dashboard_month")
    out.add("KMS key", 1, "keys", "kms_key_month")
    if catalogue.uses(pattern, Part.IMAGES):
        out.add(
            "ECR image storage", u.images_kept * u.image_gb, "GB-months", "ecr_storage_gb_month"
        )
    lines = [line for line in out.lines if line.monthly_usd > 0 or line.quantity > 0]
    total = round(sum(line.monthly_usd for line in lines), 2)
    return CostEstimate(pattern=pattern, lines=lines, total_usd=total)


_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_RATE_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


def schedule_runs(expression: str) -> float:
    """Runs a month of a `rate(...)` expression or one of the sizing's cron cadences (else
    daily)."""
    rate = _RATE.fullmatch(expression.strip())
    if rate:
        period_h = int(rate.group(1)) * _RATE_HOURS[rate.group(2).rstrip("s")]
        return HOURS_PER_MONTH / period_h if period_h else 0.0
    known = {cadence.expression: cadence.runs_per_month for cadence in CADENCES}
    return known.get(expression.strip(), DAILY.runs_per_month)


def _retrain_config(pattern: Pattern, cfg: Mapping[str, object]) -> tuple[float, float] | None:
    """(runs a month, lookback days) of the API's retrain check, or None when it is off."""
    defaults = StackSettings()
    enabled = str(cfg.get("retrain", defaults.retrain)).lower() not in ("false", "0", "no")
    if not catalogue.uses(pattern, Part.API) or not enabled:
        return None
    runs = schedule_runs(str(cfg.get("retrain_schedule", defaults.retrain_schedule)))
    days = float(str(cfg.get("retrain_lookback_days", defaults.retrain_lookback_days)))
    return runs, days


def _retrain_nat_gb(found: tuple[float, float] | None, u: Usage, record_gb: float) -> float:
    """NAT traffic of continuous updates: image pulls of the runs, records written and read."""
    if found is None:
        return 0.0
    runs, days = found
    per_day_gb = record_gb / DAYS_PER_MONTH
    return runs * (u.image_gb + u.model_mb / 1024) + record_gb + runs * days * per_day_gb


def _retrain(
    out: _Lines, cfg: Mapping[str, object], u: Usage, record_gb: float, runs: float, raw: bool
) -> None:
    """The API's retrain checks on Fargate and, when no batch part stores raw records, the
    served records they read."""
    defaults = StackSettings()
    vcpu = int(str(cfg.get("retrain_cpu", defaults.retrain_cpu))) / 1024
    gb = int(str(cfg.get("retrain_memory_mb", defaults.retrain_memory_mb))) / 1024
    hours = runs * u.retrain_hours_per_run
    out.add(
        f"Fargate retrain checks vCPU ({runs:g} runs x {u.retrain_hours_per_run:g} h)",
        hours * vcpu,
        "vCPU-hours",
        "fargate_vcpu_hour",
    )
    out.add("Fargate retrain checks memory", hours * gb, "GB-hours", "fargate_gb_hour")
    if raw:
        out.add(
            "S3 served records for retraining (kept a year)",
            record_gb * 12,
            "GB-months",
            "s3_storage_gb_month",
        )


def _stream(
    out: _Lines,
    req: Requirements,
    cfg: dict[str, object],
    u: price_data.Usage,
    records: float,
    record_gb: float,
) -> None:
    if cfg["stream_mode"] == "ON_DEMAND":
        out.add(
            "Kinesis on-demand stream",
            HOURS_PER_MONTH,
            "stream-hours",
            "kinesis_on_demand_stream_hour",
        )
        out.add("Kinesis on-demand writes", record_gb, "GB", "kinesis_on_demand_ingest_gb")
        out.add(
            "Kinesis on-demand reads (2 consumers)",
            2 * record_gb,
            "GB",
            "kinesis_on_demand_retrieval_gb",
        )
    else:
        shards = int(str(cfg["stream_shards"]))
        out.add(
            f"Kinesis shards ({shards})",
            shards * HOURS_PER_MONTH,
            "shard-hours",
            "kinesis_shard_hour",
        )
        units = records * max(1, math.ceil(u.record_bytes / (25 * 1024)))
        out.add("Kinesis PUT payload units", units, "units", "kinesis_put_units_million", per=1e6)
    batch = int(str(cfg["consumer_batch_size"]))
    invocations = math.ceil(records / batch)
    seconds = (
        records * u.consumer_ms_per_record + invocations * u.consumer_ms_per_invocation
    ) / 1000
    out.add("Lambda consumer requests", invocations, "requests", "lambda_requests_million", per=1e6)
    out.add("Lambda consumer compute (512 MB)", seconds * 0.5, "GB-seconds", "lambda_gb_second")
    writes = records * max(1, math.ceil(u.item_bytes / 1024))
    out.add(
        "DynamoDB prediction writes", writes, "write units", "dynamodb_write_units_million", per=1e6
    )
    stored = req.daily_volume * TABLE_TTL_DAYS * u.item_bytes / GB
    out.add(
        f"DynamoDB storage ({TABLE_TTL_DAYS} days of predictions)",
        stored,
        "GB-months",
        "dynamodb_storage_gb_month",
    )
    out.add("DynamoDB point-in-time recovery", stored, "GB-months", "dynamodb_pitr_gb_month")
    billed_kb = 5 * max(1, math.ceil(u.record_bytes / (5 * 1024)))
    out.add(
        f"Firehose archive ingest ({billed_kb} KB billed a record)",
        records * billed_kb * 1024 / GB,
        "GB",
        "firehose_ingest_gb",
    )
    daily = req.daily_volume * u.record_bytes / GB / u.archive_compression_ratio
    hot = 30.0
    out.add("S3 archive, first 30 days (GZIP)", daily * hot, "GB-months", "s3_storage_gb_month")
    cold = daily * (u.priced_month * DAYS_PER_MONTH - hot)
    out.add(
        f"S3 archive in Glacier IR (at month {u.priced_month:g})",
        cold,
        "GB-months",
        "s3_glacier_ir_gb_month",
    )


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
