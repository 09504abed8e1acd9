"""The batch pipeline deployed into moto: the state machine, run on the configured schedule."""

from __future__ import annotations

from archgen_stacks.testing.pytest_plugin import DeployedStack

PROJECT = "churn-nightly"


def test_state_machine_is_deployed(archgen_deployed: DeployedStack) -> None:
    session, result = archgen_deployed
    arn = result.outputs["stateMachineArn"]
    machine = session.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert machine["status"] == "ACTIVE"


def test_schedule_uses_the_configured_expression(
    archgen_deployed: DeployedStack, archgen_stack_config: dict[str, str]
) -> None:
    session, result = archgen_deployed
    (name,) = [
        s.outputs["name"]
        for s in result.of_kind("scheduler.Schedule")
        if s.name.endswith("-batch-schedule")
    ]
    schedule = session.client("scheduler").get_schedule(Name=name)
    assert schedule["ScheduleExpression"] == archgen_stack_config[f"{PROJECT}:batchSchedule"]
    assert schedule["Target"]["Arn"] == result.outputs["stateMachineArn"]
