"""CloudWatch Logs log groups, log streams and metric filters, created in moto's CloudWatch Logs.

Emulated: the group (given or auto-named) with its KMS key, tags and
retention; a stream by group and name; a metric filter with its pattern and
metric (name, namespace, value, unit, default). Not emulated: log classes, data
protection, subscription filters, metric filters on transformed logs.
"""

from __future__ import annotations

from .._base import Backend, EmulatorError, Handler, R
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


METRIC_FIELDS = {
    "name": "metricName",
    "namespace": "metricNamespace",
    "value": "metricValue",
    "unit": "unit",
    "defaultValue": "defaultValue",
}
"""Pulumi's metric transformation fields -> CloudWatch Logs' (dimensions are not emulated)."""


def _metric_filter(m: Backend, name: str, i: R) -> tuple[str, R]:
    fname = m.physical_name(i, name)
    given = dict(i["metricTransformation"])
    unknown = set(given) - set(METRIC_FIELDS)
    if unknown:
        raise EmulatorError(f"{name}: metric transformation fields not emulated: {sorted(unknown)}")
    transformation: R = {
        METRIC_FIELDS[key]: (float(value) if key == "defaultValue" else str(value))
        for key, value in given.items()
    }
    m.client("logs").put_metric_filter(
        logGroupName=str(i["logGroupName"]),
        filterName=fname,
        filterPattern=str(i["pattern"]),
        metricTransformations=[transformation],
    )
    return fname, {"name": fname}


HANDLERS: dict[str, Handler] = {
    "cloudwatch.LogGroup": _log_group,
    "cloudwatch.LogStream": _log_stream,
    "cloudwatch.LogMetricFilter": _metric_filter,
}

APPLIED: dict[str, frozenset[str]] = {
    "cloudwatch.LogGroup": frozenset(
        {"tags.*", "kmsKeyId", "name", "namePrefix", "retentionInDays"}
    ),
    "cloudwatch.LogStream": frozenset({"logGroupName", "name"}),
    "cloudwatch.LogMetricFilter": frozenset(
        {"logGroupName", "metricTransformation", "name", "pattern"}
        | {f"metricTransformation.{field}" for field in METRIC_FIELDS}
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "cloudwatch.LogGroup": {},
    "cloudwatch.LogStream": {},
    "cloudwatch.LogMetricFilter": {
        "applyOnTransformedLogs": "moto's put_metric_filter has no such parameter",
    },
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
