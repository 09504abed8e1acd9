"""Application Auto Scaling targets and policies, registered in moto.

Emulated: a scalable target (namespace, resource, dimension, capacity
bounds) and a target tracking or step scaling policy. moto never scales
anything. Not emulated: tags on targets (moto implements no Application Auto
Scaling tagging call); other inputs (predictive scaling, suspended states)
fail strict mode.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int


def _scalable_target(m: Backend, name: str, i: R) -> tuple[str, R]:
    out = m.client("application-autoscaling").register_scalable_target(
        ServiceNamespace=i["serviceNamespace"],
        ResourceId=i["resourceId"],
        ScalableDimension=i["scalableDimension"],
        MinCapacity=_int(i["minCapacity"]),
        MaxCapacity=_int(i["maxCapacity"]),
    )
    return str(i["resourceId"]), {"arn": out.get("ScalableTargetARN", "")}


def _target_tracking(c: R) -> R:
    out: R = {"TargetValue": float(c["targetValue"])}
    pre = c.get("predefinedMetricSpecification")
    if pre:
        spec: R = {"PredefinedMetricType": pre["predefinedMetricType"]}
        if pre.get("resourceLabel"):
            spec["ResourceLabel"] = pre["resourceLabel"]
        out["PredefinedMetricSpecification"] = spec
    custom = c.get("customizedMetricSpecification")
    if custom:
        out["CustomizedMetricSpecification"] = {
            "MetricName": custom["metricName"],
            "Namespace": custom["namespace"],
            "Statistic": custom["statistic"],
            "Dimensions": [
                {"Name": d["name"], "Value": d["value"]} for d in custom.get("dimensions") or []
            ],
        }
    for src, dst in (
        ("scaleInCooldown", "ScaleInCooldown"),
        ("scaleOutCooldown", "ScaleOutCooldown"),
    ):
        if c.get(src) is not None:
            out[dst] = _int(c[src])
    if c.get("disableScaleIn") is not None:
        out["DisableScaleIn"] = bool(c["disableScaleIn"])
    return out


def _scaling_policy(m: Backend, name: str, i: R) -> tuple[str, R]:
    pname = m.physical_name(i, name)
    kw: R = {
        "PolicyName": pname,
        "ServiceNamespace": i["serviceNamespace"],
        "ResourceId": i["resourceId"],
        "ScalableDimension": i["scalableDimension"],
        "PolicyType": i.get("policyType", "StepScaling"),
    }
    if i.get("targetTrackingScalingPolicyConfiguration"):
        kw["TargetTrackingScalingPolicyConfiguration"] = _target_tracking(
            i["targetTrackingScalingPolicyConfiguration"]
        )
    step = i.get("stepScalingPolicyConfiguration")
    if step:
        kw["StepScalingPolicyConfiguration"] = {
            "AdjustmentType": step.get("adjustmentType", "ChangeInCapacity"),
            "StepAdjustments": [
                {
                    k: (float(v) if "Bound" in k else _int(v))
                    for k, v in {
                        "MetricIntervalLowerBound": s.get("metricIntervalLowerBound"),
                        "MetricIntervalUpperBound": s.get("metricIntervalUpperBound"),
                        "ScalingAdjustment": s.get("scalingAdjustment"),
                    }.items()
                    if v not in (None, "")
                }
                for s in step.get("stepAdjustments") or []
            ],
        }
    out = m.client("application-autoscaling").put_scaling_policy(**kw)
    return pname, {
        "name": pname,
        "arn": out["PolicyARN"],
        "alarmArns": [a["AlarmARN"] for a in out.get("Alarms") or []],
    }


HANDLERS: dict[str, Handler] = {
    "appautoscaling.Target": _scalable_target,
    "appautoscaling.Policy": _scaling_policy,
}

APPLIED: dict[str, frozenset[str]] = {
    "appautoscaling.Target": frozenset(
        {"maxCapacity", "minCapacity", "resourceId", "scalableDimension", "serviceNamespace"}
    ),
    "appautoscaling.Policy": frozenset(
        {
            "stepScalingPolicyConfiguration.adjustmentType",
            "stepScalingPolicyConfiguration.stepAdjustments",
            "stepScalingPolicyConfiguration.stepAdjustments.metricIntervalLowerBound",
            "stepScalingPolicyConfiguration.stepAdjustments.metricIntervalUpperBound",
            "stepScalingPolicyConfiguration.stepAdjustments.scalingAdjustment",
            "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification",
            "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.dimensions",
            "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.dimensions.name",
            "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.dimensions.value",
            "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.metricName",
            "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.namespace",
            "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.statistic",
            "targetTrackingScalingPolicyConfiguration.disableScaleIn",
            "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification",
            "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType",
            "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel",
            "targetTrackingScalingPolicyConfiguration.scaleInCooldown",
            "targetTrackingScalingPolicyConfiguration.scaleOutCooldown",
            "targetTrackingScalingPolicyConfiguration.targetValue",
            "name",
            "policyType",
            "resourceId",
            "scalableDimension",
            "serviceNamespace",
            "stepScalingPolicyConfiguration",
            "targetTrackingScalingPolicyConfiguration",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "appautoscaling.Target": {"tags": "moto implements no Application Auto Scaling tagging call"},
    "appautoscaling.Policy": {},
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
