"""Step Functions state machines, created in moto's Step Functions.

Emulated: a machine with its definition, role, type, tags, X-Ray tracing and
logging configuration (level, execution data, log group, which must exist
once the deploy is done: logging to a missing group records nothing).
Running one is
`stepfunctions.run_state_machine`'s job.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _json_text, _tags


def _log_group_exists(m: Backend, arn: str) -> None:
    """A logging destination must name a log group the deploy created."""
    name = arn.split(":log-group:", 1)[-1].removesuffix(":*")
    groups = m.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    if name not in [g["logGroupName"] for g in groups]:
        raise ValueError(f"logging destination {arn} names a log group that does not exist")


def _state_machine(m: Backend, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    kw: R = {
        "name": sname,
        "definition": _json_text(i["definition"]),
        "roleArn": i["roleArn"],
        "type": i.get("type", "STANDARD"),
    }
    if i.get("tags"):
        kw["tags"] = [{"key": t["Key"], "value": t["Value"]} for t in _tags(i)]
    tracing = i.get("tracingConfiguration") or {}
    if "enabled" in tracing:
        kw["tracingConfiguration"] = {"enabled": bool(tracing["enabled"])}
    logging = i.get("loggingConfiguration") or {}
    if logging:
        conf: R = {
            "level": logging.get("level", "OFF"),
            "includeExecutionData": bool(logging.get("includeExecutionData", False)),
        }
        if logging.get("logDestination"):
            m.after_deploy(lambda: _log_group_exists(m, str(logging["logDestination"])))
            conf["destinations"] = [
                {"cloudWatchLogsLogGroup": {"logGroupArn": logging["logDestination"]}}
            ]
        kw["loggingConfiguration"] = conf
    out = m.client("stepfunctions").create_state_machine(**kw)
    arn = out["stateMachineArn"]
    return arn, {
        "name": sname,
        "arn": arn,
        "status": "ACTIVE",
        "creationDate": str(out["creationDate"]),
    }


HANDLERS: dict[str, Handler] = {
    "sfn.StateMachine": _state_machine,
}

APPLIED: dict[str, frozenset[str]] = {
    "sfn.StateMachine": frozenset(
        {
            "loggingConfiguration",
            "loggingConfiguration.includeExecutionData",
            "loggingConfiguration.level",
            "loggingConfiguration.logDestination",
            "tags.*",
            "tracingConfiguration.enabled",
            "definition",
            "name",
            "namePrefix",
            "roleArn",
            "tracingConfiguration",
            "type",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {"sfn.StateMachine": {}}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
