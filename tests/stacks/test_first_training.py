"""The deploy schedules the first training run: a one-time Scheduler schedule per pattern."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pulumi_aws as aws
import pytest

from archgen.stack_settings import PATTERNS, StackSettings
from archgen_stacks.program import AppArtifacts, build

APP = AppArtifacts(package="credit", image_build=False)
NOW = datetime(2026, 3, 4, 23, 55, 30, 123456, tzinfo=UTC)
SCHEDULE = "aws:scheduler/schedule:Schedule"
FIRST = {
    "batch": "credit-batch-first-schedule",
    "hybrid": "credit-hybrid-batch-first-schedule",
    "realtime": "credit-api-retrain-first-schedule",
}
"""The one-time schedule of each pattern that trains a model."""


def settings(pattern: str, **values: Any) -> StackSettings:
    return StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit", **values})


def first_training(run: Any) -> list[Any]:
    return [r for r in run.of(SCHEDULE) if r.name.endswith("-first-schedule")]


def test_the_action_after_completion_is_a_documented_value() -> None:
    doc = inspect.getsource(aws.scheduler.Schedule)
    assert "Valid values are `NONE` and `DELETE`" in doc


@pytest.mark.parametrize("pattern", sorted(FIRST))
def test_one_time_schedule_runs_the_training_target_delay_minutes_after_now(
    mocked, pattern: str
) -> None:
    run = mocked(lambda: build(settings(pattern), APP, now=NOW))
    [first] = first_training(run)
    assert first.name == FIRST[pattern]
    # 23:55:30 + 10 minutes, in AWS's at(yyyy-mm-ddThh:mm:ss) (no zone, no fraction)
    assert first.inputs["scheduleExpression"] == "at(2026-03-05T00:05:30)"
    assert first.inputs["scheduleExpressionTimezone"] == "UTC"
    assert first.inputs["actionAfterCompletion"] == "NONE"
    assert first.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    assert run.ignore_changes[first.name] == ["schedule_expression"]
    target = first.inputs["target"]
    # the same target and role as the recurring schedule that trains the pattern's model
    recurring = run.named(first.name.replace("-first-schedule", "-schedule")).inputs["target"]
    assert target["roleArn"] == recurring["roleArn"]
    assert target["arn"] == recurring["arn"]
    if pattern == "realtime":
        task = run.named("credit-api-retrain-task")
        assert target["arn"] == run.named("credit-api-cluster").outputs["arn"]
        assert target["ecsParameters"] == recurring["ecsParameters"]
        assert target["ecsParameters"]["taskDefinitionArn"] == task.outputs["arn"]
        assert run.by_id(target["roleArn"]).name == "credit-api-retrain-run-role"
    else:
        machine = run.of("aws:sfn/stateMachine:StateMachine")
        assert [target["arn"]] == [m.outputs["arn"] for m in machine]
        assert run.by_id(target["roleArn"]).name.endswith("batch-scheduler-role")
        # training is not separate: the first run is a full (train and score) run
        assert json.loads(target["input"]) == {"trigger": "schedule"}


def test_the_hybrid_trains_its_first_model_once_with_the_batch_pipeline(mocked) -> None:
    run = mocked(lambda: build(settings("hybrid"), APP, now=NOW))
    assert [r.name for r in first_training(run)] == [FIRST["hybrid"]]


def test_a_separate_training_schedule_makes_the_first_run_a_training_run(mocked) -> None:
    s = settings("batch", batchSchedule="rate(1 hour)", batchTrainSchedule="rate(7 days)")
    run = mocked(lambda: build(s, APP, now=NOW))
    [first] = first_training(run)
    assert json.loads(first.inputs["target"]["input"]) == {"trigger": "schedule", "steps": "train"}


def test_the_time_is_the_configured_delay_after_now_in_utc(mocked) -> None:
    local = datetime(2026, 7, 1, 9, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    run = mocked(lambda: build(settings("batch", firstTrainingDelayMinutes="1440"), APP, now=local))
    [first] = first_training(run)
    assert first.inputs["scheduleExpression"] == "at(2026-07-02T07:00:00)"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_delay_zero_schedules_no_first_training(mocked, pattern: str) -> None:
    run = mocked(lambda: build(settings(pattern, firstTrainingDelayMinutes="0"), APP, now=NOW))
    assert first_training(run) == []
    if pattern != "streaming":
        assert run.of(SCHEDULE)  # the recurring schedules stay


def test_without_a_clock_build_schedules_no_first_training(mocked) -> None:
    assert first_training(mocked(lambda: build(settings("batch"), APP))) == []


def test_streaming_has_nothing_that_trains(mocked) -> None:
    assert first_training(mocked(lambda: build(settings("streaming"), APP, now=NOW))) == []


def test_realtime_without_retraining_has_no_first_training(mocked) -> None:
    run = mocked(lambda: build(settings("realtime", retrain="false"), APP, now=NOW))
    assert run.of(SCHEDULE) == []


@pytest.mark.parametrize("value", ["-1", "1441", "soon"])
def test_a_bad_delay_is_refused_in_one_line_naming_the_key(value: str) -> None:
    with pytest.raises(ValueError, match="firstTrainingDelayMinutes") as err:
        settings("batch", firstTrainingDelayMinutes=value)
    assert "\n" not in str(err.value)


def test_the_default_delay_is_ten_minutes() -> None:
    assert StackSettings().first_training_delay_minutes == 10
