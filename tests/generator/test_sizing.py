"""Sizing: every figure covers the load it is sized for and becomes valid stack settings."""

from __future__ import annotations

import math

from archgen.patterns import DataArrival, Level, ModelUpdate, Pattern
from archgen.requirements import Requirements
from archgen.sizing import (
    API_TARGET_UTILISATION,
    API_TASK_RPS,
    MAX_API_TASKS,
    ON_DEMAND_SHARDS,
    SCHEDULES,
    SCORE_RECORDS_PER_TASK_HOUR,
    growth_peak_rps,
    size,
)
from archgen.stacks.settings import StackSettings
from hypothesis import given, settings
from hypothesis import strategies as st

requirements = st.builds(
    Requirements,
    urgency=st.sampled_from([Level.LOW, Level.MEDIUM, Level.HIGH]),
    daily_volume=st.integers(1, 2_000_000_000),
    peak_factor=st.floats(1.0, 100.0),
    latency_p99_ms=st.integers(1, 7 * 24 * 3_600_000),
    data_arrival=st.sampled_from(list(DataArrival)),
    model_update=st.sampled_from(list(ModelUpdate)),
    availability_pct=st.floats(90.0, 99.999),
)


def credit() -> Requirements:
    return Requirements(
        project_name="credit-decisions",
        urgency=Level.HIGH,
        daily_volume=10_000,
        scale_to_daily_volume=1_000_000,
        latency_p99_ms=100,
        data_arrival=DataArrival.REQUESTS,
        model_update=ModelUpdate.DAILY,
    )


@settings(max_examples=150, deadline=None)
@given(req=requirements, pattern=st.sampled_from(list(Pattern)))
def test_stack_config_is_always_valid_settings(req: Requirements, pattern: Pattern) -> None:
    sizing = size(req, pattern)
    settings_ = StackSettings(**sizing.stack_config)
    settings_.validate()
    assert settings_.pattern == pattern.value
    assert settings_.name_prefix == req.project_name
    assert all(f.basis for f in sizing.figures), "every figure says where it comes from"
    assert sizing.headroom


@settings(max_examples=150, deadline=None)
@given(req=requirements)
def test_api_tasks_cover_today_and_the_growth_peak(req: Requirements) -> None:
    cfg = size(req, Pattern.REALTIME).stack_config
    assert 1 <= cfg["api_min_tasks"] <= cfg["api_desired_tasks"] <= cfg["api_max_tasks"]
    per_task = API_TASK_RPS * API_TARGET_UTILISATION
    if cfg["api_max_tasks"] < MAX_API_TASKS:
        assert cfg["api_max_tasks"] * per_task >= growth_peak_rps(req) - 1e-6
        assert cfg["api_desired_tasks"] * per_task >= req.peak_per_second - 1e-6
    if req.availability_pct >= 99.9:
        assert cfg["api_min_tasks"] >= 2


@settings(max_examples=150, deadline=None)
@given(req=requirements)
def test_provisioned_shards_carry_the_growth_peak(req: Requirements) -> None:
    cfg = size(req, Pattern.STREAMING).stack_config
    peak = growth_peak_rps(req)
    if cfg["stream_mode"] == "PROVISIONED":
        assert cfg["stream_shards"] * 1000 >= peak
        assert cfg["stream_shards"] * 1024 * 1024 >= peak * 1024
        assert cfg["stream_shards"] <= ON_DEMAND_SHARDS
    else:
        assert peak / 1000 > ON_DEMAND_SHARDS / 1.25


@settings(max_examples=100, deadline=None)
@given(req=requirements)
def test_batch_parallelism_finishes_a_growth_run_in_its_window(req: Requirements) -> None:
    sizing = size(req, Pattern.BATCH)
    cfg = sizing.stack_config
    _, runs = SCHEDULES[req.model_update]
    records_per_run = req.growth_target * 30.4 / runs
    window_h = cfg["batch_timeout_minutes"] / 60
    if cfg["score_parallelism"] < 1000:
        capacity = cfg["score_parallelism"] * SCORE_RECORDS_PER_TASK_HOUR * window_h
        assert capacity >= records_per_run * (1 - 1e-9)
    assert cfg["batch_schedule"] == SCHEDULES[req.model_update][0]


def test_more_volume_never_shrinks_capacity() -> None:
    small = size(Requirements(daily_volume=10_000), Pattern.HYBRID).stack_config
    big = size(Requirements(daily_volume=50_000_000), Pattern.HYBRID).stack_config
    for key in ("api_desired_tasks", "api_max_tasks", "stream_shards", "train_cpu"):
        assert big[key] >= small[key], key
    assert big["api_max_tasks"] > small["api_max_tasks"]


def test_low_availability_allows_a_single_task() -> None:
    cfg = size(Requirements(daily_volume=1_000, availability_pct=99.0), Pattern.REALTIME)
    assert cfg.stack_config["api_min_tasks"] == 1


def test_tight_latency_disables_consumer_batching_window() -> None:
    tight = size(Requirements(latency_p99_ms=200), Pattern.STREAMING).stack_config
    loose = size(Requirements(latency_p99_ms=600_000), Pattern.STREAMING).stack_config
    assert tight["consumer_batch_window_s"] == 0
    assert loose["consumer_batch_window_s"] > 0


def test_very_high_volume_switches_the_stream_to_on_demand() -> None:
    req = Requirements(daily_volume=2_000_000_000, peak_factor=5)
    cfg = size(req, Pattern.STREAMING).stack_config
    assert cfg["stream_mode"] == "ON_DEMAND"


def test_credit_example_shows_headroom_to_one_million_a_day() -> None:
    sizing = size(credit(), Pattern.HYBRID)
    assert "1,000,000/day" in sizing.headroom
    cfg = sizing.stack_config
    # The maximum task count serves the 1M/day peak (3x the mean) at the target utilisation.
    peak_at_1m = 1_000_000 / 86_400 * 3
    needed = math.ceil(peak_at_1m / (API_TASK_RPS * API_TARGET_UTILISATION))
    assert cfg["api_max_tasks"] >= needed
    assert cfg["api_min_tasks"] == 2
    assert cfg["latency_target_ms"] == 100
    keys = {f.key for f in sizing.figures}
    assert {"api_min_tasks", "api_max_tasks", "stream_shards", "batch_schedule"} <= keys
