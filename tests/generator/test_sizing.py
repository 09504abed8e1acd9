"""Sizing: task counts, shards, consumer batching and batch runs, each with its basis."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archgen.api import make_plan
from archgen.errors import UsageError
from archgen.patterns import DataArrival, Level, ModelUpdate, Pattern
from archgen.record import ProjectRecord
from archgen.requirements import Requirements
from archgen.sizing import (
    API_TARGET_UTILISATION,
    API_TASK_RPS,
    CADENCES,
    DAILY,
    EVERY_6H,
    EVERY_12H,
    HOURLY,
    WEEKLY,
    Cadence,
    batch_cadence,
    size,
)
from archgen.stack_settings import StackSettings

CREDIT = Requirements(
    project_name="credit-decisions",
    urgency=Level.HIGH,
    daily_volume=10_000,
    scale_to_daily_volume=1_000_000,
    latency_p99_ms=100,
    data_arrival=DataArrival.REQUESTS,
    model_update=ModelUpdate.DAILY,
)


def figure(sizing_figures: list, key: str) -> object:  # type: ignore[type-arg]
    return next(f.value for f in sizing_figures if f.key == key)


def test_credit_example_headroom_reaches_one_million_a_day() -> None:
    plan = make_plan(ProjectRecord(answers=CREDIT))
    cfg = plan.sizing.stack_config
    assert plan.sizing.pattern is Pattern.HYBRID
    assert "1,000,000" in plan.sizing.headroom
    assert "covering the growth target" in plan.sizing.headroom
    # At 1M/day with a peak factor of 3 the busiest second carries ~34.7 requests; the API's
    # ceiling of tasks, at the per-task throughput written in the basis, must carry it.
    growth_peak = 1_000_000 / 86_400 * 3
    per_task_basis = next(f.basis for f in plan.sizing.figures if f.key == "api_max_tasks")
    assert "34.7" in per_task_basis
    assert cfg["api_max_tasks"] >= 2
    assert cfg["api_max_tasks"] * API_TASK_RPS * API_TARGET_UTILISATION >= growth_peak
    assert cfg["latency_target_ms"] == 100
    assert cfg["name_prefix"] == "credit-decisions"


def test_high_availability_runs_two_tasks_over_two_zones() -> None:
    high = size(CREDIT, Pattern.REALTIME).stack_config
    low = size(CREDIT.model_copy(update={"availability_pct": 99.0}), Pattern.REALTIME).stack_config
    assert high["api_min_tasks"] >= 2
    assert low["api_min_tasks"] == 1


def test_tasks_grow_with_the_peak() -> None:
    busy = CREDIT.model_copy(update={"daily_volume": 50_000_000, "scale_to_daily_volume": None})
    cfg = size(busy, Pattern.REALTIME).stack_config
    peak = 50_000_000 / 86_400 * 3  # ~1,736 req/s today
    assert cfg["api_desired_tasks"] > 2
    assert cfg["api_desired_tasks"] * API_TASK_RPS * API_TARGET_UTILISATION >= peak
    assert cfg["api_max_tasks"] >= cfg["api_desired_tasks"]


def test_shards_cover_records_and_bytes_per_second() -> None:
    req = Requirements(
        daily_volume=20_000_000,
        peak_factor=2,
        data_arrival=DataArrival.STREAM,
        latency_p99_ms=10_000,
        scale_to_daily_volume=40_000_000,
    )
    cfg = size(req, Pattern.STREAMING).stack_config
    growth_peak = 40_000_000 / 86_400 * 2  # ~926 records/s, ~0.9 MiB/s at 1 KiB each
    assert cfg["stream_mode"] == "PROVISIONED"
    assert cfg["stream_shards"] * 1000 >= growth_peak
    assert cfg["stream_shards"] * 1024 * 1024 >= growth_peak * 1024


def test_very_high_volume_goes_on_demand() -> None:
    req = Requirements(daily_volume=5_000_000_000, data_arrival=DataArrival.STREAM)
    cfg = size(req, Pattern.STREAMING).stack_config
    assert cfg["stream_mode"] == "ON_DEMAND"


def test_consumer_batching_follows_latency() -> None:
    tight = size(Requirements(latency_p99_ms=500), Pattern.STREAMING).stack_config
    loose = size(Requirements(latency_p99_ms=600_000), Pattern.STREAMING).stack_config
    assert tight["consumer_batch_window_s"] == 0
    assert loose["consumer_batch_window_s"] > 0
    assert loose["consumer_batch_window_s"] * 1000 <= 600_000


def test_batch_schedule_follows_model_updates_and_latency() -> None:
    weekly = Requirements(latency_p99_ms=7 * 86_400_000, model_update=ModelUpdate.WEEKLY)
    assert batch_cadence(weekly, Pattern.BATCH) is WEEKLY
    six_hours = weekly.model_copy(update={"latency_p99_ms": 6 * 3_600_000})
    assert batch_cadence(six_hours, Pattern.BATCH) is EVERY_6H
    twelve_hours = weekly.model_copy(update={"latency_p99_ms": 12 * 3_600_000})
    assert batch_cadence(twelve_hours, Pattern.BATCH) is EVERY_12H
    # A p99 of exactly 24 h is a daily run (a "day" is 24 h, not 730 / 30.4 h).
    one_day = weekly.model_copy(update={"latency_p99_ms": 24 * 3_600_000})
    assert batch_cadence(one_day, Pattern.BATCH) is DAILY
    assert size(one_day, Pattern.BATCH).stack_config["batch_schedule"] == "cron(0 2 * * ? *)"
    under_an_hour = weekly.model_copy(update={"latency_p99_ms": 1_800_000})
    assert batch_cadence(under_an_hour, Pattern.BATCH) is HOURLY
    # Hybrid answers online; its batch run only retrains, on the model's cadence.
    assert batch_cadence(six_hours, Pattern.HYBRID) is WEEKLY
    monthly = weekly.model_copy(update={"model_update": ModelUpdate.MONTHLY})
    # Results within a week cannot wait for a monthly run.
    assert batch_cadence(monthly, Pattern.BATCH) is WEEKLY
    schedules = {
        size(weekly.model_copy(update={"model_update": u}), Pattern.HYBRID).stack_config[
            "batch_schedule"
        ]
        for u in ModelUpdate
    }
    assert len(schedules) == 4  # continuous and hourly both retrain every hour


def test_batch_trains_at_the_model_cadence_and_scores_at_the_latency_cadence() -> None:
    from archgen import aws_limits
    from archgen.sizing import train_cadence

    # a weekly model whose results are due within an hour: scored hourly, trained weekly
    hourly_scores = Requirements(latency_p99_ms=3_600_000, model_update=ModelUpdate.WEEKLY)
    assert batch_cadence(hourly_scores, Pattern.BATCH) is HOURLY
    assert train_cadence(hourly_scores) is WEEKLY
    cfg = size(hourly_scores, Pattern.BATCH).stack_config
    assert cfg["batch_schedule"] == "cron(0 * * * ? *)"
    assert cfg["batch_train_schedule"] == "cron(0 1 ? * SUN *)"  # Sundays 01:00, before 02:00
    settings = StackSettings(**cfg)
    assert aws_limits.settings_violations(settings, "us-east-1") == []
    # when the cadences agree one run trains and scores: no schedule of its own for training
    same = Requirements(latency_p99_ms=24 * 3_600_000, model_update=ModelUpdate.DAILY)
    assert size(same, Pattern.BATCH).stack_config["batch_train_schedule"] == ""
    # hybrid's batch run only retrains, on the model's cadence
    assert size(hourly_scores, Pattern.HYBRID).stack_config["batch_train_schedule"] == ""


def test_a_bad_training_schedule_is_named() -> None:
    from archgen import aws_limits

    with pytest.raises(ValueError, match="batchTrainSchedule: 'weekly' is not a cron"):
        StackSettings.from_mapping({"pattern": "batch", "batchTrainSchedule": "weekly"})
    (problem,) = aws_limits.settings_violations(
        StackSettings(pattern="batch", batch_train_schedule="cron(0 1 * *)"), "us-east-1"
    )
    assert problem.startswith("batchTrainSchedule:")


def test_scoring_parallelism_grows_with_volume() -> None:
    small = size(Requirements(daily_volume=1_000, latency_p99_ms=86_400_000), Pattern.BATCH)
    big = size(Requirements(daily_volume=2_000_000_000, latency_p99_ms=86_400_000), Pattern.BATCH)
    assert small.stack_config["score_parallelism"] == 1
    assert big.stack_config["score_parallelism"] > 1


@st.composite
def any_requirements(draw: st.DrawFn) -> Requirements:
    daily = draw(st.integers(1, 5_000_000_000))
    return Requirements(
        daily_volume=daily,
        peak_factor=draw(st.floats(1, 100)),
        scale_to_daily_volume=draw(
            st.one_of(st.none(), st.integers(daily, min(daily * 100, 100_000_000_000)))
        ),
        latency_p99_ms=draw(st.integers(1, 7 * 86_400_000)),
        availability_pct=draw(st.floats(90, 99.999)),
        model_update=draw(st.sampled_from(list(ModelUpdate))),
    )


@settings(max_examples=80, deadline=None)
@given(any_requirements(), st.sampled_from(list(Pattern)))
def test_every_sizing_is_a_valid_stack_config_with_a_basis(
    req: Requirements, pattern: Pattern
) -> None:
    sizing = size(req, pattern)
    settings_ = StackSettings(**sizing.stack_config)
    settings_.validate()
    assert settings_.pattern == pattern.value
    assert all(f.basis for f in sizing.figures)
    assert sizing.headroom
    if pattern in (Pattern.REALTIME, Pattern.HYBRID) and req.peak_per_second <= 5_000:
        # Up to the peak where a task fleet stays sensible, today's peak always fits.
        assert settings_.api_max_tasks >= math.ceil(req.peak_per_second / API_TASK_RPS - 1e-9)


def test_settings_overrides_merge_over_the_sized_values() -> None:
    overrides = {"tags": {"Team": "risk"}, "name_prefix": "nw", "api_max_tasks": 40}
    plan = make_plan(ProjectRecord(answers=CREDIT), settings_overrides=overrides)
    cfg = plan.sizing.stack_config
    assert cfg["tags"] == {"Team": "risk"}
    assert cfg["name_prefix"] == "nw"
    assert cfg["api_max_tasks"] == 40
    assert cfg["api_min_tasks"] == size(CREDIT, Pattern.HYBRID).stack_config["api_min_tasks"]
    StackSettings(**cfg).validate()


def test_bad_settings_overrides_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="no_such_key"):
        make_plan(ProjectRecord(answers=CREDIT), settings_overrides={"no_such_key": 1})
    with pytest.raises(UsageError, match="apiMinTasks"):
        make_plan(ProjectRecord(answers=CREDIT), settings_overrides={"api_max_tasks": 1})


@pytest.mark.parametrize("cadence", CADENCES, ids=lambda c: c.name)
def test_every_cadence_is_a_schedule_aws_accepts(cadence: Cadence) -> None:
    from archgen import aws_limits
    from archgen.stack_settings import StackSettings

    settings = StackSettings.from_mapping({"pattern": "batch", "batchSchedule": cadence.expression})
    assert aws_limits.settings_violations(settings, "us-east-1") == []


def test_the_api_capacity_file_is_a_dated_measurement_with_its_method() -> None:
    import datetime
    import statistics

    from archgen.sizing import api_capacity

    doc = api_capacity()
    datetime.date.fromisoformat(doc["date"])
    assert doc["machine"] and "pinned" in doc["method"] and doc["safety_reason"]
    runs = doc["runs_rps"]
    assert len(runs) >= 3 and all(r > 0 for r in runs)
    assert doc["rps_per_vcpu"] == pytest.approx(statistics.median(runs), abs=1)
    assert 0 < doc["safety_factor"] <= 1


@pytest.mark.parametrize(("share", "tasks"), [(9.9, 10), (10.1, 11)])
def test_api_tasks_follow_the_measured_capacity(share: float, tasks: int) -> None:
    from archgen.sizing import api_capacity

    doc = api_capacity()
    per_task = doc["rps_per_vcpu"] * doc["safety_factor"] * 0.5 * API_TARGET_UTILISATION
    req = Requirements(
        daily_volume=int(share * per_task * 86_400),
        scale_to_daily_volume=int(share * per_task * 86_400),
        peak_factor=1.0,
        latency_p99_ms=100,
    )
    cfg = size(req, Pattern.REALTIME)
    assert cfg.stack_config["api_desired_tasks"] == tasks
    basis = next(f.basis for f in cfg.figures if f.key == "api_task_size")
    assert f"measured {doc['date']}" in basis


@pytest.mark.parametrize(
    ("update", "expression", "lookback_days"),
    [
        (ModelUpdate.CONTINUOUS, "cron(0 * * * ? *)", 7),
        (ModelUpdate.DAILY, "cron(0 2 * * ? *)", 7),
        (ModelUpdate.WEEKLY, "cron(0 2 ? * SUN *)", 7),
        (ModelUpdate.MONTHLY, "cron(0 2 1 * ? *)", 31),
    ],
)
def test_the_api_s_retrain_check_runs_at_the_model_update_cadence(
    update: ModelUpdate, expression: str, lookback_days: int
) -> None:
    """A monthly model is checked monthly, and that check reads the whole month of feedback."""
    for pattern in (Pattern.REALTIME, Pattern.HYBRID):
        cfg = size(CREDIT.model_copy(update={"model_update": update}), pattern).stack_config
        assert cfg["retrain_schedule"] == expression
        assert cfg["retrain_lookback_days"] == lookback_days
        # the stack program's own reading of the config: AWS's schedule syntax and ranges
        StackSettings(**cfg).validate("us-east-1")  # type: ignore[arg-type]
    assert "retrain_schedule" not in size(CREDIT, Pattern.BATCH).stack_config
