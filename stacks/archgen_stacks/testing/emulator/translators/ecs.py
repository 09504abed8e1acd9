"""ECS clusters, task definitions and services, registered in moto's ECS.

Emulated: a cluster with its settings; a task definition with its containers,
sizes, network mode, roles, compatibilities and runtime platform; a service
with its desired count, launch type, awsvpc network configuration and load
balancers and tag propagation; tags on all three. moto runs no task, so
nothing a task would do happens. Not emulated (moto's ECS accepts them but
keeps none, so `describe_services` cannot show them): the deployment circuit
breaker, minimum healthy and maximum percent, the health check grace period,
ECS managed tags; they are still checked against the ECS service model, and
a grace period on a service without a load balancer fails, as in AWS.
"""

from __future__ import annotations

import json
from typing import Any

from .. import validation
from .._base import Backend, Handler, R
from ._util import _int


def _ecs_tags(i: R) -> list[R]:
    return [{"key": str(k), "value": str(v)} for k, v in (i.get("tags") or {}).items()]


def _ecs_cluster(m: Backend, name: str, i: R) -> tuple[str, R]:
    cname = m.physical_name(i, name)
    kw: R = {"clusterName": cname}
    if i.get("settings"):
        kw["settings"] = [{"name": s["name"], "value": s["value"]} for s in i["settings"]]
    if i.get("tags"):
        kw["tags"] = _ecs_tags(i)
    cluster = m.client("ecs").create_cluster(**kw)["cluster"]
    return cluster["clusterArn"], {"name": cname, "arn": cluster["clusterArn"]}


def _container_defs(text: Any) -> list[R]:
    defs = json.loads(text) if isinstance(text, str) else list(text)
    return [dict(d) for d in defs]


def _ecs_taskdef(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "family": i["family"],
        "containerDefinitions": _container_defs(i["containerDefinitions"]),
    }
    for src, dst in (
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("networkMode", "networkMode"),
        ("executionRoleArn", "executionRoleArn"),
        ("taskRoleArn", "taskRoleArn"),
    ):
        if i.get(src) is not None:
            kw[dst] = str(i[src]) if src in ("cpu", "memory") else i[src]
    if i.get("requiresCompatibilities"):
        kw["requiresCompatibilities"] = list(i["requiresCompatibilities"])
    if i.get("volumes"):
        kw["volumes"] = [{"name": str(v["name"])} for v in i["volumes"]]
    plat = i.get("runtimePlatform") or {}
    if plat:
        kw["runtimePlatform"] = {
            k: plat[k] for k in ("cpuArchitecture", "operatingSystemFamily") if plat.get(k)
        }
    if i.get("tags"):
        kw["tags"] = _ecs_tags(i)
    td = m.client("ecs").register_task_definition(**kw)["taskDefinition"]
    arn = td["taskDefinitionArn"]
    return str(i["family"]), {
        "arn": arn,
        "arnWithoutRevision": arn.rsplit(":", 1)[0],
        "revision": td["revision"],
    }


def _check_unsent_settings(m: Backend, i: R) -> None:
    """The deployment settings moto drops, checked as AWS checks them."""
    unsent: R = {}
    deployment: R = {}
    if i.get("deploymentCircuitBreaker"):
        breaker = i["deploymentCircuitBreaker"]
        deployment["deploymentCircuitBreaker"] = {
            "enable": bool(breaker["enable"]),
            "rollback": bool(breaker["rollback"]),
        }
    for src, dst in (
        ("deploymentMaximumPercent", "maximumPercent"),
        ("deploymentMinimumHealthyPercent", "minimumHealthyPercent"),
    ):
        if i.get(src) is not None:
            deployment[dst] = _int(i[src])
    if deployment:
        unsent["deploymentConfiguration"] = deployment
    if i.get("healthCheckGracePeriodSeconds") is not None:
        if not i.get("loadBalancers"):
            raise ValueError(
                "healthCheckGracePeriodSeconds is only valid for a service with a load balancer"
            )
        unsent["healthCheckGracePeriodSeconds"] = _int(i["healthCheckGracePeriodSeconds"])
    validation.check_unsent(m.client("ecs"), "CreateService", unsent)


def _ecs_service(m: Backend, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    kw: R = {
        "serviceName": sname,
        "cluster": i["cluster"],
        "taskDefinition": i["taskDefinition"],
        "desiredCount": _int(i.get("desiredCount", 1)),
    }
    if i.get("launchType"):
        kw["launchType"] = i["launchType"]
    net = i.get("networkConfiguration") or {}
    if net:
        kw["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": list(net.get("subnets") or []),
                "securityGroups": list(net.get("securityGroups") or []),
                "assignPublicIp": "ENABLED" if net.get("assignPublicIp") else "DISABLED",
            }
        }
    if i.get("loadBalancers"):
        kw["loadBalancers"] = [
            {
                "targetGroupArn": lb["targetGroupArn"],
                "containerName": lb["containerName"],
                "containerPort": _int(lb["containerPort"]),
            }
            for lb in i["loadBalancers"]
        ]
    _check_unsent_settings(m, i)
    if i.get("propagateTags"):
        kw["propagateTags"] = i["propagateTags"]
    if i.get("tags"):
        kw["tags"] = _ecs_tags(i)
    svc = m.client("ecs").create_service(**kw)["service"]
    return svc["serviceArn"], {"name": sname, "arn": svc["serviceArn"], "cluster": i["cluster"]}


HANDLERS: dict[str, Handler] = {
    "ecs.Cluster": _ecs_cluster,
    "ecs.TaskDefinition": _ecs_taskdef,
    "ecs.Service": _ecs_service,
}

APPLIED: dict[str, frozenset[str]] = {
    "ecs.Cluster": frozenset({"name", "settings", "settings.name", "settings.value", "tags.*"}),
    "ecs.TaskDefinition": frozenset(
        {
            "containerDefinitions",
            "cpu",
            "executionRoleArn",
            "family",
            "memory",
            "networkMode",
            "requiresCompatibilities",
            "runtimePlatform",
            "runtimePlatform.cpuArchitecture",
            "runtimePlatform.operatingSystemFamily",
            "tags.*",
            "taskRoleArn",
            "volumes",
            "volumes.name",
        }
    ),
    "ecs.Service": frozenset(
        {
            "cluster",
            "desiredCount",
            "launchType",
            "loadBalancers",
            "loadBalancers.containerName",
            "loadBalancers.containerPort",
            "loadBalancers.targetGroupArn",
            "name",
            "networkConfiguration",
            "networkConfiguration.assignPublicIp",
            "networkConfiguration.securityGroups",
            "networkConfiguration.subnets",
            "propagateTags",
            "tags.*",
            "taskDefinition",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

_ECS_KEEPS_NONE = "moto's ECS accepts it on create_service but keeps none of it"

NOT_EMULATED: dict[str, dict[str, str]] = {
    "ecs.Cluster": {},
    "ecs.TaskDefinition": {},
    "ecs.Service": {
        "deploymentCircuitBreaker": _ECS_KEEPS_NONE,
        "deploymentMaximumPercent": _ECS_KEEPS_NONE,
        "deploymentMinimumHealthyPercent": _ECS_KEEPS_NONE,
        "enableEcsManagedTags": _ECS_KEEPS_NONE,
        "healthCheckGracePeriodSeconds": _ECS_KEEPS_NONE,
    },
}
"""Per kind, the inputs knowingly left out of moto (kept in the outputs as given)."""
