"""EventBridge Scheduler schedules, created in moto's Scheduler.

Emulated: the schedule in its group with its expression and time zone,
flexible window, state, action after completion (a one-time `at(...)` schedule's
NONE or DELETE) and target (ARN, role, input, retry policy, dead-letter queue,
and an ECS RunTask target's task definition, launch type, count and network).
moto never fires a schedule. Not emulated: start and end dates, the KMS key,
other target kinds' parameters.
"""

from __future__ import annotations

from .._base import Backend, EmulatorError, Handler, R
from ._util import _int

ECS_APPLIED = frozenset({"taskDefinitionArn", "launchType", "taskCount", "networkConfiguration"})
"""The ECS target's inputs sent to moto; any other one is an error (not emulated)."""


def _ecs_parameters(ecs: R) -> R:
    """An ECS RunTask target (`ecsParameters`) in Scheduler's wire shape."""
    unknown = sorted(set(ecs) - ECS_APPLIED)
    if unknown:
        raise EmulatorError(f"scheduler.Schedule target.ecsParameters: not emulated: {unknown}")
    out: R = {"TaskDefinitionArn": ecs["taskDefinitionArn"]}
    if ecs.get("launchType"):
        out["LaunchType"] = ecs["launchType"]
    if ecs.get("taskCount") is not None:
        out["TaskCount"] = _int(ecs["taskCount"])
    network = ecs.get("networkConfiguration") or {}
    if network:
        vpc: R = {"Subnets": list(network.get("subnets") or [])}
        if network.get("securityGroups"):
            vpc["SecurityGroups"] = list(network["securityGroups"])
        if network.get("assignPublicIp") is not None:
            vpc["AssignPublicIp"] = "ENABLED" if network["assignPublicIp"] else "DISABLED"
        out["NetworkConfiguration"] = {"awsvpcConfiguration": vpc}
    return out


def _schedule(m: Backend, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    group = i.get("groupName", "default")
    target = i["target"]
    tkw: R = {"Arn": target["arn"], "RoleArn": target["roleArn"]}
    if target.get("input"):
        tkw["Input"] = target["input"]
    retry = target.get("retryPolicy") or {}
    if retry:
        tkw["RetryPolicy"] = {
            k: _int(v)
            for k, v in {
                "MaximumEventAgeInSeconds": retry.get("maximumEventAgeInSeconds"),
                "MaximumRetryAttempts": retry.get("maximumRetryAttempts"),
            }.items()
            if v is not None
        }
    ecs = target.get("ecsParameters") or {}
    if ecs:
        tkw["EcsParameters"] = _ecs_parameters(ecs)
    if (target.get("deadLetterConfig") or {}).get("arn"):
        tkw["DeadLetterConfig"] = {"Arn": target["deadLetterConfig"]["arn"]}
    window = i.get("flexibleTimeWindow") or {"mode": "OFF"}
    wkw: R = {"Mode": window.get("mode", "OFF")}
    if window.get("maximumWindowInMinutes"):
        wkw["MaximumWindowInMinutes"] = _int(window["maximumWindowInMinutes"])
    kw: R = {
        "Name": sname,
        "GroupName": group,
        "ScheduleExpression": i["scheduleExpression"],
        "FlexibleTimeWindow": wkw,
        "Target": tkw,
        "State": i.get("state", "ENABLED"),
    }
    if i.get("actionAfterCompletion"):
        kw["ActionAfterCompletion"] = i["actionAfterCompletion"]
    if i.get("scheduleExpressionTimezone"):
        kw["ScheduleExpressionTimezone"] = i["scheduleExpressionTimezone"]
    arn = m.client("scheduler").create_schedule(**kw)["ScheduleArn"]
    return f"{group}/{sname}", {"name": sname, "groupName": group, "arn": arn}


HANDLERS: dict[str, Handler] = {
    "scheduler.Schedule": _schedule,
}

APPLIED: dict[str, frozenset[str]] = {
    "scheduler.Schedule": frozenset(
        {
            "actionAfterCompletion",
            "flexibleTimeWindow.maximumWindowInMinutes",
            "flexibleTimeWindow.mode",
            "target.arn",
            "target.deadLetterConfig",
            "target.ecsParameters",
            "target.ecsParameters.launchType",
            "target.ecsParameters.networkConfiguration",
            "target.ecsParameters.networkConfiguration.assignPublicIp",
            "target.ecsParameters.networkConfiguration.securityGroups",
            "target.ecsParameters.networkConfiguration.subnets",
            "target.ecsParameters.taskCount",
            "target.ecsParameters.taskDefinitionArn",
            "target.deadLetterConfig.arn",
            "target.input",
            "target.retryPolicy",
            "target.retryPolicy.maximumEventAgeInSeconds",
            "target.retryPolicy.maximumRetryAttempts",
            "target.roleArn",
            "flexibleTimeWindow",
            "groupName",
            "name",
            "namePrefix",
            "scheduleExpression",
            "scheduleExpressionTimezone",
            "state",
            "target",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {"scheduler.Schedule": {}}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
