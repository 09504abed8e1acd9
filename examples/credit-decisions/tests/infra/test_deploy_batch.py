"""The batch pipeline deployed into moto: the state machine, run on the configured schedule."""

from __future__ import annotations

from typing import Any

from components.emulator import DeployResult

PROJECT = "credit-decisions"


def test_state_machine_is_deployed(deployed: tuple[Any, DeployResult]) -> None:
    session, result = deployed
    arn = result.outputs["stateMachineArn"]
    machine = session.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert machine["status"] == "ACTIVE"


def test_schedule_uses_the_configured_expression(
    deployed: tuple[Any, DeployResult], dev_config: dict[str, str]
) -> None:
    session, result = deployed
    name = result.one("scheduler.Schedule").outputs["name"]
    schedule = session.client("scheduler").get_schedule(Name=name)
    assert schedule["ScheduleExpression"] == dev_config[f"{PROJECT}:batchSchedule"]
    assert schedule["Target"]["Arn"] == result.outputs["stateMachineArn"]
