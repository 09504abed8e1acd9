"""CloudWatch Logs log groups and log streams, created in moto's CloudWatch Logs.

Emulated: the group (given or auto-named) with its KMS key, tags and
retention; a stream by group and name. Not emulated: log classes, data
protection, subscription filters.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int


def _log_group(m: Backend, name: str, i: R) -> tuple[str, R]:
    gname = m.physical_name(i, name)
    kw: R = {"logGroupName": gname}
    if i.get("kmsKeyId"):
        kw["kmsKeyId"] = i["kmsKeyId"]
    if i.get("tags"):
        kw["tags"] = {str(k): str(v) for k, v in i["tags"].items()}
    logs = m.client("logs")
    logs.create_log_group(**kw)
    if i.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=gname, retentionInDays=_int(i["retentionInDays"]))
    arn = f"arn:aws:logs:{m.region}:{m.account_id}:log-group:{gname}"
    return gname, {"name": gname, "arn": arn}


def _log_stream(m: Backend, name: str, i: R) -> tuple[str, R]:
    group, stream = str(i["logGroupName"]), str(i["name"])
    m.client("logs").create_log_stream(logGroupName=group, logStreamName=stream)
    arn = f"arn:aws:logs:{m.region}:{m.account_id}:log-group:{group}:log-stream:{stream}"
    return stream, {"name": stream, "arn": arn}


HANDLERS: dict[str, Handler] = {
    "cloudwatch.LogGroup": _log_group,
    "cloudwatch.LogStream": _log_stream,
}

APPLIED: dict[str, frozenset[str]] = {
    "cloudwatch.LogGroup": frozenset(
        {"tags.*", "kmsKeyId", "name", "namePrefix", "retentionInDays"}
    ),
    "cloudwatch.LogStream": frozenset({"logGroupName", "name"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {"cloudwatch.LogGroup": {}, "cloudwatch.LogStream": {}}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
