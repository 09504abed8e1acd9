"""The batch pipeline deployed into moto: the state machine, run on the configured schedule."""

from __future__ import annotations

from archgen_stacks.testing.pytest_plugin import DeployedStack

PROJECT = "credit-decisions"


def test_state_machine_is_deployed(archgen_deployed: DeployedStack) -> None:
    session, result = archgen_deployed
    arn = result.outputs["stateMachineArn"]
    machine = session.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert machine["status"] == "ACTIVE"


def test_schedules_use_the_configured_expressions(
    archgen_deployed: DeployedStack, archgen_stack_config: dict[str, str]
) -> None:
    session, result = archgen_deployed
    scheduler = session.client("scheduler")
    schedules = [
        scheduler.get_schedule(Name=res.outputs["name"])
        for res in result.of_kind("scheduler.Schedule")
        # the API's retrain check starts its own task; the first training run is once
        if "-retrain-" not in res.name and not res.name.endswith("-first-schedule")
    ]
    configured = {
        archgen_stack_config[f"{PROJECT}:batchSchedule"],
        archgen_stack_config.get(f"{PROJECT}:batchTrainSchedule") or "",
    } - {""}
    assert {s["ScheduleExpression"] for s in schedules} == configured
    assert {s["Target"]["Arn"] for s in schedules} == {result.outputs["stateMachineArn"]}


def test_the_deploy_schedules_one_first_training_run_of_the_state_machine(
    archgen_deployed: DeployedStack,
) -> None:
    session, result = archgen_deployed
    (first,) = [
        res
        for res in result.of_kind("scheduler.Schedule")
        if res.name.endswith("-batch-first-schedule")
    ]
    schedule = session.client("scheduler").get_schedule(Name=first.outputs["name"])
    assert schedule["ScheduleExpression"].startswith("at(")
    assert schedule["Target"]["Arn"] == result.outputs["stateMachineArn"]
