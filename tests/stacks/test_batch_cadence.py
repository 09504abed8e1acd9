"""Training and scoring on their own cadences: the stack's real definition, executed in moto.

The definition and the schedules' inputs are the ones archgen's stack program
registers (read from the same resource graph the pricer prices); each run is
executed by moto's Step Functions interpreter with the ECS and AWS SDK task
states stubbed (`archgen_stacks.testing.emulator.stub_task_states`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from archgen.stack_settings import StackSettings
from archgen_stacks.pricing import registered
from archgen_stacks.pricing.context import as_dict
from archgen_stacks.program import AppArtifacts, build
from archgen_stacks.testing.emulator import (
    MOTO_CONFIG,
    Execution,
    MotoMocks,
    run_state_machine,
    stub_task_states,
)

HOURLY = "cron(0 * * * ? *)"
WEEKLY = "cron(0 1 ? * SUN *)"
ASSUME = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _graph(**values: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The registered state machine definition and each schedule's run input, by name."""
    settings = StackSettings.from_mapping({"pattern": "batch", "namePrefix": "churn", **values})
    graph = registered(
        lambda: build(settings, AppArtifacts(package="churn")),
        region="us-east-1",
    )
    (machine,) = [r for r in graph if r.typ == "aws:sfn/stateMachine:StateMachine"]
    schedules = {
        r.name: json.loads(as_dict(r.inputs["target"])["input"])
        for r in graph
        if r.typ == "aws:scheduler/schedule:Schedule"
    }
    return as_dict(machine.inputs["definition"]), schedules


@pytest.fixture(scope="module")
def moto() -> Iterator[tuple[MotoMocks, str]]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        with mock_aws(config=MOTO_CONFIG):
            session = boto3.Session(region_name="us-east-1")
            role = session.client("iam").create_role(
                RoleName="states", AssumeRolePolicyDocument=json.dumps(ASSUME)
            )["Role"]["Arn"]
            yield MotoMocks(session), role


def _run(
    moto: tuple[MotoMocks, str],
    definition: dict[str, Any],
    run_input: dict[str, Any],
    metric: float,
) -> Execution:
    mocks, role = moto
    stubbed = stub_task_states(
        definition,
        {
            "Validate": {"keys": 1},
            "Evaluate": {"model": {"metric": metric, "version": "v1"}},
            "Publish": {},
            "NotifyNotPromoted": {},
        },
    )
    return run_state_machine(mocks, stubbed, role_arn=role, input=run_input, name="v1")


def test_a_weekly_model_scored_hourly_trains_only_on_its_weekly_run(moto: Any) -> None:
    definition, schedules = _graph(
        batchSchedule=HOURLY, batchTrainSchedule=WEEKLY, scoreParallelism=3
    )
    assert set(schedules) == {"churn-batch-schedule", "churn-batch-train-schedule"}

    training = _run(moto, definition, schedules["churn-batch-train-schedule"], metric=0.9)
    assert training.status == "SUCCEEDED", training
    assert "Train" in training.states and "Publish" in training.states
    assert not {"Score", "ScoreShard"} & set(training.states)

    scoring = _run(moto, definition, schedules["churn-batch-schedule"], metric=0.9)
    assert scoring.status == "SUCCEEDED", scoring
    assert scoring.states.count("ScoreShard") == 3
    assert not {"Validate", "Train", "Evaluate", "Gate", "Publish"} & set(scoring.states)

    # a run started by hand (no `steps`) still trains, gates and scores
    manual = _run(moto, definition, {"trigger": "manual"}, metric=0.9)
    assert manual.status == "SUCCEEDED", manual
    assert {"Train", "Gate", "ScoreShard", "Publish"} <= set(manual.states)


def test_a_weak_weekly_model_is_not_promoted_and_scoring_is_left_alone(moto: Any) -> None:
    definition, schedules = _graph(batchSchedule=HOURLY, batchTrainSchedule=WEEKLY)
    run = _run(moto, definition, schedules["churn-batch-train-schedule"], metric=0.5)
    assert run.status == "SUCCEEDED", run
    assert run.states[-2:] == ["NotifyNotPromoted", "NotPromoted"]
    assert "Score" not in run.states and "Publish" not in run.states


def test_one_schedule_trains_and_scores_when_the_cadences_agree(moto: Any) -> None:
    definition, schedules = _graph(batchSchedule="cron(0 2 * * ? *)")
    assert schedules == {"churn-batch-schedule": {"trigger": "schedule"}}
    run = _run(moto, definition, schedules["churn-batch-schedule"], metric=0.9)
    assert run.status == "SUCCEEDED", run
    assert {"Train", "Gate", "Score", "Publish"} <= set(run.states)
    assert "Steps" not in definition["States"]
