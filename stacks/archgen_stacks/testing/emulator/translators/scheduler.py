"""EventBridge Scheduler schedules, created in moto's Scheduler.

Emulated: the schedule in its group with its expression and time zone,
flexible window, state and target (ARN, role, input, retry policy, dead-letter
queue). moto never fires a schedule. Not emulated: start and end dates, the
KMS key, the action after completion, target kinds beyond the universal one.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int


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
            "flexibleTimeWindow.maximumWindowInMinutes",
            "flexibleTimeWindow.mode",
            "target.arn",
            "target.deadLetterConfig",
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
