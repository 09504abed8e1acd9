"""CloudWatch metric alarms and dashboards, created in moto's CloudWatch.

Emulated: an alarm on a metric (namespace, name, statistic, dimensions,
threshold, periods, actions) or on metric queries, and a dashboard body.
moto stores alarms but does not evaluate them against metrics. Alarms keep
their tags.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int, _json_text, _tags

_ALARM_KEYS = {
    "comparisonOperator": "ComparisonOperator",
    "metricName": "MetricName",
    "namespace": "Namespace",
    "statistic": "Statistic",
    "extendedStatistic": "ExtendedStatistic",
    "treatMissingData": "TreatMissingData",
    "alarmDescription": "AlarmDescription",
    "unit": "Unit",
    "evaluateLowSampleCountPercentiles": "EvaluateLowSampleCountPercentile",
    "thresholdMetricId": "ThresholdMetricId",
}


def _alarm(m: Backend, name: str, i: R) -> tuple[str, R]:
    aname = m.physical_name(i, name)
    kw: R = {
        "AlarmName": aname,
        "EvaluationPeriods": _int(i.get("evaluationPeriods", 1)),
        "ActionsEnabled": bool(i.get("actionsEnabled", True)),
    }
    for src, dst in _ALARM_KEYS.items():
        if i.get(src) is not None:
            kw[dst] = i[src]
    for src, dst in (("period", "Period"), ("datapointsToAlarm", "DatapointsToAlarm")):
        if i.get(src) is not None:
            kw[dst] = _int(i[src])
    if i.get("threshold") is not None:
        kw["Threshold"] = float(i["threshold"])
    for src, dst in (
        ("alarmActions", "AlarmActions"),
        ("okActions", "OKActions"),
        ("insufficientDataActions", "InsufficientDataActions"),
    ):
        if i.get(src):
            kw[dst] = list(i[src])
    if i.get("dimensions"):
        kw["Dimensions"] = [{"Name": k, "Value": str(v)} for k, v in i["dimensions"].items()]
    if i.get("metricQueries"):
        kw["Metrics"] = [_metric_query(q) for q in i["metricQueries"]]
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    m.client("cloudwatch").put_metric_alarm(**kw)
    arn = f"arn:aws:cloudwatch:{m.region}:{m.account_id}:alarm:{aname}"
    return aname, {"name": aname, "arn": arn}


def _metric_query(q: R) -> R:
    out: R = {"Id": q["id"], "ReturnData": bool(q.get("returnData", False))}
    if q.get("expression"):
        out["Expression"] = q["expression"]
    if q.get("label"):
        out["Label"] = q["label"]
    metric = q.get("metric")
    if metric:
        out["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": [
                    {"Name": k, "Value": str(v)}
                    for k, v in (metric.get("dimensions") or {}).items()
                ],
            },
            "Period": _int(metric["period"]),
            "Stat": metric["stat"],
        }
    return out


def _dashboard(m: Backend, name: str, i: R) -> tuple[str, R]:
    dname = m.physical_name(i, name, "dashboardName")
    m.client("cloudwatch").put_dashboard(
        DashboardName=dname, DashboardBody=_json_text(i["dashboardBody"])
    )
    arn = f"arn:aws:cloudwatch::{m.account_id}:dashboard/{dname}"
    return dname, {"dashboardName": dname, "dashboardArn": arn}


HANDLERS: dict[str, Handler] = {
    "cloudwatch.MetricAlarm": _alarm,
    "cloudwatch.Dashboard": _dashboard,
}

APPLIED: dict[str, frozenset[str]] = {
    "cloudwatch.MetricAlarm": frozenset(
        {
            "dimensions.*",
            "metricQueries.expression",
            "metricQueries.id",
            "metricQueries.label",
            "metricQueries.metric",
            "metricQueries.metric.dimensions.*",
            "metricQueries.metric.metricName",
            "metricQueries.metric.namespace",
            "metricQueries.metric.period",
            "metricQueries.metric.stat",
            "metricQueries.returnData",
            "tags.*",
            "actionsEnabled",
            "alarmActions",
            "alarmDescription",
            "comparisonOperator",
            "datapointsToAlarm",
            "dimensions",
            "evaluateLowSampleCountPercentiles",
            "evaluationPeriods",
            "extendedStatistic",
            "insufficientDataActions",
            "metricName",
            "metricQueries",
            "name",
            "namespace",
            "okActions",
            "period",
            "statistic",
            "threshold",
            "thresholdMetricId",
            "treatMissingData",
            "unit",
        }
    ),
    "cloudwatch.Dashboard": frozenset({"dashboardBody", "dashboardName"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {"cloudwatch.MetricAlarm": {}, "cloudwatch.Dashboard": {}}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
