"""Sizing: from volume, peak factor, latency and growth to the capacity of a pattern.

Every figure carries the formula or assumption it comes from (Figure.basis),
and the figures become the StackSettings values the stack is deployed with.
Pure functions; the assumptions are the module constants below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from archgen import aws_limits, catalogue
from archgen.catalogue import Part
from archgen.patterns import ModelUpdate, Pattern
from archgen.plan import Figure, Sizing
from archgen.requirements import Requirements

SECONDS_PER_DAY = 86_400
CAPACITY_FILE = "data/api-capacity.yaml"
"""The generated API's measured requests/s per vCPU (benchmarks/bench_api.py --capacity)."""
API_TASK_VCPU = 0.5
"""The API task's size (apiCpu 512)."""


def api_capacity() -> dict[str, Any]:
    """The measurement in `archgen/data/api-capacity.yaml`: rate, safety factor, date, machine."""
    text = resources.files("archgen").joinpath(CAPACITY_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


_CAPACITY = api_capacity()
API_RPS_PER_VCPU = float(_CAPACITY["rps_per_vcpu"])
"""Requests/s of the generated API per vCPU, the median of the benchmark's runs."""
API_SAFETY_FACTOR = float(_CAPACITY["safety_factor"])
"""The share of the measured rate sizing plans on (the file says why)."""
API_TASK_RPS = round(API_RPS_PER_VCPU * API_SAFETY_FACTOR * API_TASK_VCPU)
"""Requests/s one 0.5 vCPU / 1 GB API task is planned to serve: measured rate x safety x 0.5."""
API_TARGET_UTILISATION = 0.6
"""Tasks are sized to run at 60 % of their throughput, leaving room for a burst."""
RECORD_BYTES = 1024
"""Assumed size of one event or monitoring record."""
SHARD_RECORDS_PER_S = 1000
SHARD_BYTES_PER_S = 1024 * 1024
SHARD_HEADROOM = 1.25
ON_DEMAND_SHARDS = 50
"""Above this many shards at the growth target the stream runs in ON_DEMAND mode."""
CONSUMER_RECORDS_PER_S = 500.0
"""Records/s one consumer batch (one Lambda invocation at a time) processes."""
SCORE_RECORDS_PER_TASK_HOUR = 2_000_000
"""Records one 1 vCPU / 2 GB scoring task scores per hour."""
MAX_API_TASKS = 1000
MAX_SCORE_PARALLELISM = aws_limits.max_score_parallelism()
"""Most scoring tasks per run: 1,000 shard indices from States.ArrayRange, scored in a
Distributed Map above the Inline Map's 40 (Step Functions; archgen.aws_limits)."""
INLINE_MAP_MAX = aws_limits.inline_map_max_concurrency()
"""At or below this many shards the run scores in an Inline Map (no child executions)."""


@dataclass(frozen=True)
class Cadence:
    """A schedule a batch run can have: its name, EventBridge Scheduler expression and period."""

    name: str
    expression: str
    period_h: float
    runs_per_month: float
    train_expression: str = ""
    """The same cadence an hour earlier: a training run of its own, done before the 02:00
    scoring run (used when scoring runs more often than the model is updated)."""


HOURLY = Cadence("hourly", "cron(0 * * * ? *)", 1.0, 730.0)
EVERY_6H = Cadence("every 6 h", "cron(0 0/6 * * ? *)", 6.0, 121.6)
EVERY_12H = Cadence("every 12 h", "cron(0 2/12 * * ? *)", 12.0, 60.8)
DAILY = Cadence("daily", "cron(0 2 * * ? *)", 24.0, 30.4, "cron(0 1 * * ? *)")
WEEKLY = Cadence("weekly", "cron(0 2 ? * SUN *)", 168.0, 4.35, "cron(0 1 ? * SUN *)")
MONTHLY = Cadence("monthly", "cron(0 2 1 * ? *)", 730.0, 1.0, "cron(0 1 1 * ? *)")
CADENCES = (MONTHLY, WEEKLY, DAILY, EVERY_12H, EVERY_6H, HOURLY)
"""Longest period first. A day is 24 h here, not 730 / 30.4 h, so a 24 h p99 runs daily."""

UPDATE_CADENCE: dict[ModelUpdate, Cadence] = {
    ModelUpdate.CONTINUOUS: HOURLY,
    ModelUpdate.HOURLY: HOURLY,
    ModelUpdate.DAILY: DAILY,
    ModelUpdate.WEEKLY: WEEKLY,
    ModelUpdate.MONTHLY: MONTHLY,
}
SCHEDULES: dict[ModelUpdate, tuple[str, float]] = {
    # cadence -> (EventBridge Scheduler expression, runs per month)
    update: (c.expression, c.runs_per_month)
    for update, c in UPDATE_CADENCE.items()
}


def train_cadence(req: Requirements) -> Cadence:
    """How often the model is retrained: its update cadence, whatever the scoring cadence."""
    return UPDATE_CADENCE[req.model_update]


def separate_training(req: Requirements, pattern: Pattern) -> bool:
    """Whether scoring runs more often than training, so training has a schedule of its own."""
    return batch_cadence(req, pattern) != train_cadence(req)


def batch_cadence(req: Requirements, pattern: Pattern) -> Cadence:
    """How often the batch run scores: the model-update cadence, or more often for batch results.

    A batch-only system answers from its last run, so its run period must also
    fit the latency requirement: results within 6 h need a run every 6 h, within
    24 h a daily run. Training keeps the model-update cadence (`train_cadence`): a
    weekly model scored every 12 h trains weekly, on a schedule of its own.
    """
    model = UPDATE_CADENCE[req.model_update]
    if pattern is not Pattern.BATCH:
        return model
    latency_h = req.latency_p99_ms / 3_600_000
    for candidate in CADENCES:
        if candidate.period_h <= latency_h + 1e-9 and candidate.period_h <= model.period_h:
            return candidate
    return HOURLY


def _ceil(value: float) -> int:
    return max(1, math.ceil(value - 1e-9))


def growth_peak_rps(req: Requirements) -> float:
    """Peak rate at the growth target: growth daily volume / 86,400 x peak factor."""
    return req.growth_target / SECONDS_PER_DAY * req.peak_factor


def api_figures(req: Requirements) -> tuple[list[Figure], dict[str, int | float | str]]:
    """API task counts and size: tasks = ceil(peak rps / (per-task rps x utilisation))."""
    per_task = API_TASK_RPS * API_TARGET_UTILISATION
    floor = 2 if req.availability_pct >= 99.9 else 1
    desired = max(floor, _ceil(req.peak_per_second / per_task))
    maximum = min(MAX_API_TASKS, max(desired, _ceil(growth_peak_rps(req) / per_task), floor + 1))
    desired = min(desired, maximum)
    basis = (
        f"ceil(peak rps / ({API_TASK_RPS:g} rps per 0.5 vCPU task x "
        f"{API_TARGET_UTILISATION:.0%} target))"
    )
    measured = (
        f"{API_RPS_PER_VCPU:,.0f} req/s per vCPU measured {_CAPACITY['date']} "
        f"(benchmarks/bench_api.py) x {API_SAFETY_FACTOR:g} safety x {API_TASK_VCPU:g} vCPU"
    )
    figures = [
        Figure(
            key="api_peak_rps",
            label="API peak request rate today",
            value=round(req.peak_per_second, 2),
            unit="req/s",
            basis=f"{req.daily_volume:,}/day / 86,400 s x peak factor {req.peak_factor:g}",
        ),
        Figure(
            key="api_min_tasks",
            label="API tasks (min)",
            value=floor,
            unit="tasks",
            basis=(
                "2 tasks over 2 AZs for availability >= 99.9 %"
                if floor == 2
                else "1 task: availability objective below 99.9 %"
            ),
        ),
        Figure(
            key="api_desired_tasks",
            label="API tasks (desired)",
            value=desired,
            unit="tasks",
            basis=basis + " at today's peak, at least the minimum",
        ),
        Figure(
            key="api_max_tasks",
            label="API tasks (max)",
            value=maximum,
            unit="tasks",
            basis=basis + f" at the growth target's peak ({growth_peak_rps(req):,.1f} req/s)",
        ),
        Figure(
            key="api_task_size",
            label="API task size",
            value="0.5 vCPU / 1 GB",
            basis=f"one model replica per task; {API_TASK_RPS:g} req/s each: {measured}",
        ),
        Figure(
            key="retrain_schedule",
            label="Retrain check schedule",
            value=train_cadence(req).expression,
            basis=f"the model-update cadence ({req.model_update.value}): "
            f"{train_cadence(req).name}; a check with too few new labels stops without training",
        ),
    ]
    config: dict[str, int | float | str] = {
        "retrain_schedule": train_cadence(req).expression,
        # each check reads at least the period since the last one, so no feedback is skipped
        "retrain_lookback_days": max(7, math.ceil(train_cadence(req).period_h / 24)),
        "api_cpu": 512,
        "api_memory_mb": 1024,
        "api_min_tasks": floor,
        "api_desired_tasks": desired,
        "api_max_tasks": maximum,
        "api_requests_per_target": int(per_task * 60),
        "latency_target_ms": max(1, min(req.latency_p99_ms, 60_000)),
    }
    return figures, config


def stream_figures(req: Requirements) -> tuple[list[Figure], dict[str, int | str]]:
    """Kinesis shards (1 MB/s or 1,000 records/s each) and the consumer's batching."""
    today = req.peak_per_second
    growth = growth_peak_rps(req)

    def shards_for(rps: float) -> int:
        by_records = rps / SHARD_RECORDS_PER_S
        by_bytes = rps * RECORD_BYTES / SHARD_BYTES_PER_S
        return _ceil(max(by_records, by_bytes) * SHARD_HEADROOM)

    shards_today = shards_for(today)
    shards_growth = shards_for(growth)
    on_demand = shards_growth > ON_DEMAND_SHARDS
    mode = "ON_DEMAND" if on_demand else "PROVISIONED"
    # Provisioned streams are sized for the growth target so growth needs no resharding.
    shards = shards_growth if not on_demand else shards_today
    per_shard = growth / max(1, shards_growth)
    tight = req.latency_p99_ms < 5_000
    window = 0 if tight else min(300, req.latency_p99_ms // 4_000)
    batch_size = 100 if tight else min(10_000, max(100, math.ceil(per_shard * max(1, window))))
    parallel = min(10, _ceil(per_shard / CONSUMER_RECORDS_PER_S))
    figures = [
        Figure(
            key="stream_mode",
            label="Kinesis capacity mode",
            value=mode,
            basis=(
                f"ON_DEMAND above {ON_DEMAND_SHARDS} shards at the growth target"
                f" ({shards_growth} needed)"
            ),
        ),
        Figure(
            key="stream_shards",
            label="Kinesis shards",
            value=shards,
            unit="shards",
            basis=(
                f"ceil(max(rps / 1,000, rps x {RECORD_BYTES} B / 1 MiB) x {SHARD_HEADROOM:g}) "
                f"at the growth peak {growth:,.1f} records/s"
            ),
        ),
        Figure(
            key="consumer_batch_size",
            label="Consumer batch size",
            value=batch_size,
            unit="records",
            basis=(
                "100 records: a p99 under 5 s leaves no time to accumulate"
                if tight
                else "records one shard delivers in the batching window, 100 to 10,000"
            ),
        ),
        Figure(
            key="consumer_batch_window_s",
            label="Consumer batching window",
            value=window,
            unit="s",
            basis="0 s under a 5 s p99; otherwise a quarter of the latency budget, at most 300 s",
        ),
        Figure(
            key="consumer_parallelization",
            label="Consumer batches per shard",
            value=parallel,
            unit="concurrent",
            basis=(f"ceil(records/s per shard / {CONSUMER_RECORDS_PER_S:g} per batch), 1 to 10"),
        ),
    ]
    config: dict[str, int | str] = {
        "stream_mode": mode,
        "stream_shards": shards,
        "consumer_batch_size": batch_size,
        "consumer_batch_window_s": window,
        "consumer_parallelization": parallel,
        "iterator_age_alarm_ms": max(1_000, min(req.latency_p99_ms, 3_600_000)),
    }
    return figures, config


def batch_figures(req: Requirements, pattern: Pattern) -> tuple[list[Figure], dict[str, int | str]]:
    """Schedule from the model-update cadence, scoring parallelism from volume per run."""
    cadence = batch_cadence(req, pattern)
    training = train_cadence(req)
    split = separate_training(req, pattern)
    schedule, runs, period_h = cadence.expression, cadence.runs_per_month, cadence.period_h
    window_h = max(1.0, min(4.0, period_h / 2))
    records_per_run = req.growth_target * (30.4 / runs)
    scores = pattern is Pattern.BATCH
    parallel = (
        min(
            MAX_SCORE_PARALLELISM,
            _ceil(records_per_run / (SCORE_RECORDS_PER_TASK_HOUR * window_h)),
        )
        if scores
        else 1
    )
    big = req.growth_target >= 100_000_000
    medium = req.growth_target >= 1_000_000
    train_cpu, train_mem = (4096, 16384) if big else (2048, 8192) if medium else (1024, 4096)
    figures = [
        Figure(
            key="batch_schedule",
            label="Batch schedule",
            value=schedule,
            basis=(
                f"model updated {req.model_update.value}"
                if cadence == UPDATE_CADENCE[req.model_update]
                else f"results within {req.latency_p99_ms / 3_600_000:g} h need a run "
                f"{cadence.name} (the model is updated {req.model_update.value})"
            ),
        ),
        Figure(
            key="batch_train_schedule",
            label="Training schedule",
            value=training.train_expression if split else schedule,
            basis=(
                f"the model is updated {req.model_update.value}: a training run "
                f"{training.name}, an hour before that day's scoring run"
                if split
                else "every run trains, then scores"
            ),
        ),
        Figure(
            key="batch_window_h",
            label="Batch window",
            value=window_h,
            unit="h",
            basis="half the run period, between 1 h and 4 h",
        ),
        Figure(
            key="train_task_size",
            label="Training task size",
            value=f"{train_cpu / 1024:g} vCPU / {train_mem // 1024} GB",
            basis="1 vCPU below 1M/day, 2 vCPU below 100M/day, 4 vCPU above (growth target)",
        ),
    ]
    if scores:
        figures.append(
            Figure(
                key="score_parallelism",
                label="Scoring tasks per run",
                value=parallel,
                unit="tasks",
                basis=(
                    f"ceil({records_per_run:,.0f} records per run at the growth target / "
                    f"({SCORE_RECORDS_PER_TASK_HOUR:,} per task-hour x {window_h:g} h window)), "
                    f"at most {MAX_SCORE_PARALLELISM:,}; Distributed Map above "
                    f"{INLINE_MAP_MAX} (inline at or below)"
                ),
            )
        )
    config: dict[str, int | str] = {
        "batch_schedule": schedule,
        "batch_train_schedule": training.train_expression if split else "",
        "train_cpu": train_cpu,
        "train_memory_mb": train_mem,
        "score_cpu": 1024,
        "score_memory_mb": 2048,
        "score_parallelism": parallel,
        "batch_timeout_minutes": int(window_h * 60),
    }
    return figures, config


def headroom(req: Requirements, pattern: Pattern, config: dict[str, object]) -> str:
    """One sentence on how far the sized system scales before a redesign."""
    growth = req.growth_target
    ratio = growth / req.daily_volume
    if catalogue.uses(pattern, Part.API):
        max_tasks = int(str(config["api_max_tasks"]))
        per_second = max_tasks * API_TASK_RPS * API_TARGET_UTILISATION
        capacity = per_second * SECONDS_PER_DAY / req.peak_factor
        verdict = (
            f"covering the growth target of {growth:,}/day"
            if capacity >= growth
            else f"short of the growth target of {growth:,}/day: raise apiMaxTasks or "
            "put the traffic on a stream"
        )
        return (
            f"Autoscaling to {max_tasks} API tasks serves about {capacity:,.0f} predictions/day at "
            f"a peak factor of {req.peak_factor:g}, {verdict} "
            f"({ratio:,.0f}x today's {req.daily_volume:,}/day)."
        )
    if catalogue.uses(pattern, Part.STREAM):
        shards = int(str(config["stream_shards"]))
        if config["stream_mode"] == "ON_DEMAND":
            return (
                f"The ON_DEMAND stream scales itself; {growth:,}/day ({ratio:,.0f}x today) "
                "stays within its default 200 MB/s write limit per stream."
            )
        per_day = shards * SHARD_RECORDS_PER_S * SECONDS_PER_DAY / req.peak_factor
        return (
            f"{shards} shard(s) absorb about {per_day:,.0f} records/day at a peak factor of "
            f"{req.peak_factor:g}, covering the growth target of {growth:,}/day "
            f"({ratio:,.0f}x today)."
        )
    parallel = int(str(config["score_parallelism"]))
    return (
        f"{parallel} scoring task(s) per run finish the growth target of {growth:,}/day "
        f"({ratio:,.0f}x today) inside the batch window; add tasks to go further."
    )


def size(req: Requirements, pattern: Pattern) -> Sizing:
    """Capacity of `pattern` for `req`: figures with their basis, and the stack config."""
    figures: list[Figure] = []
    config: dict[str, object] = {
        "pattern": pattern.value,
        "name_prefix": req.project_name,
        "availability_target_pct": req.availability_pct,
    }
    if catalogue.uses(pattern, Part.API):
        api, api_config = api_figures(req)
        figures += api
        config.update(api_config)
    if catalogue.uses(pattern, Part.STREAM):
        stream, stream_config = stream_figures(req)
        figures += stream
        config.update(stream_config)
    if catalogue.uses(pattern, Part.BATCH):
        batch, batch_config = batch_figures(req, pattern)
        figures += batch
        config.update(batch_config)
    return Sizing(
        pattern=pattern,
        figures=figures,
        stack_config=config,
        headroom=headroom(req, pattern, config),
    )
