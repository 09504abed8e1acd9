"""Batch wiring in moto: the definition's ARNs exist, the schedule starts it, its paths run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from emulator_programs import batch_program
from emulator_support import moto_backend

from archgen_stacks.testing.emulator import (
    DeployResult,
    MotoMocks,
    deploy,
    run_state_machine,
    stub_task_states,
)


@pytest.fixture(scope="module")
def batch() -> Iterator[tuple[MotoMocks, DeployResult]]:
    with moto_backend() as session:
        mocks = MotoMocks(session)
        yield mocks, deploy(batch_program, mocks=mocks)


def _definition(mocks: MotoMocks, result: DeployResult) -> tuple[dict[str, Any], str]:
    desc = mocks.client("stepfunctions").describe_state_machine(
        stateMachineArn=result.outputs["stateMachineArn"]
    )
    return json.loads(desc["definition"]), desc["roleArn"]


def test_definition_references_arns_that_exist(batch: Any) -> None:
    mocks, result = batch
    definition, role = _definition(mocks, result)
    train = definition["States"]["Train"]["Parameters"]
    ecs = mocks.client("ecs")
    (cluster,) = ecs.describe_clusters(clusters=[train["Cluster"]])["clusters"]
    assert cluster["status"] == "ACTIVE"
    task = ecs.describe_task_definition(taskDefinition=train["TaskDefinition"])
    assert task["taskDefinition"]["family"] == "train"
    topic = definition["States"]["NotifyFailure"]["Parameters"]["TopicArn"]
    assert topic == result.outputs["topicArn"]
    mocks.client("sns").get_topic_attributes(TopicArn=topic)
    mocks.client("iam").get_role(RoleName=role.rsplit("/", 1)[-1])


def test_schedule_targets_the_state_machine(batch: Any) -> None:
    mocks, result = batch
    schedule = mocks.client("scheduler").get_schedule(
        Name=result.one("scheduler.Schedule").outputs["name"]
    )
    assert schedule["Target"]["Arn"] == result.outputs["stateMachineArn"]
    assert schedule["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert schedule["Target"]["RoleArn"] == result.named("iam.Role", "sched-role").outputs["arn"]


def test_a_good_model_passes_the_gate_and_is_scored(batch: Any) -> None:
    mocks, result = batch
    definition, role = _definition(mocks, result)
    stubbed = stub_task_states(definition, {"Train": {"metric": 0.9}, "Score": {"rows": 10}})
    run = run_state_machine(mocks, stubbed, role_arn=role, input={"run": "test"})
    assert run.status == "SUCCEEDED", run
    assert run.states == ["Train", "Gate", "Score"]
    assert run.output == {"rows": 10}


def test_a_weak_model_stops_at_the_gate(batch: Any) -> None:
    mocks, result = batch
    definition, role = _definition(mocks, result)
    run = run_state_machine(
        mocks, stub_task_states(definition, {"Train": {"metric": 0.5}}), role_arn=role
    )
    assert (run.status, run.error) == ("FAILED", "ModelRejected")
    assert "Score" not in run.states


def test_a_failed_training_task_notifies_and_fails(batch: Any) -> None:
    mocks, result = batch
    definition, role = _definition(mocks, result)
    run = run_state_machine(mocks, stub_task_states(definition, fail={"Train"}), role_arn=role)
    assert (run.status, run.error) == ("FAILED", "BatchFailed")
    assert run.states == ["Train", "NotifyFailure", "Failed"]


def test_stub_reaches_tasks_inside_map_and_parallel() -> None:
    ecs = {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": True}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "A", "States": {"A": dict(ecs)}},
                    {
                        "StartAt": "M",
                        "States": {
                            "M": {
                                "Type": "Map",
                                "End": True,
                                "ItemProcessor": {"StartAt": "B", "States": {"B": dict(ecs)}},
                            }
                        },
                    },
                ],
            }
        },
    }
    out = json.loads(stub_task_states(definition, {"A": 1, "B": 2}))
    branches = out["States"]["P"]["Branches"]
    assert branches[0]["States"]["A"] == {"Type": "Pass", "Result": 1, "End": True}
    inner = branches[1]["States"]["M"]["ItemProcessor"]["States"]["B"]
    assert inner == {"Type": "Pass", "Result": 2, "End": True}
