"""Application and network load balancers, target groups and listeners, created
in moto's ELBv2.

Emulated: a load balancer (scheme, type, subnets, security groups, idle
timeout, dropping invalid headers, deletion protection, access logs), a target group (target type,
protocol, port, health check, deregistration delay) and a listener with its
default actions (forward, weighted forward, fixed response, redirect),
certificate and TLS policy; tags on all three. A health check that is not
enabled fails the target group (the stacks never disable one). Not emulated:
stickiness, slow start; nothing is ever registered as a target.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int, _tags


def _suffix(arn: str, marker: str) -> str:
    return arn.split(marker, 1)[1] if marker in arn else arn


def _alb(m: Backend, name: str, i: R) -> tuple[str, R]:
    lname = m.physical_name(i, name)[:32]
    kw: R = {
        "Name": lname,
        "Subnets": list(i.get("subnets") or []),
        "Scheme": "internal" if i.get("internal") else "internet-facing",
        "Type": i.get("loadBalancerType", "application"),
    }
    if i.get("securityGroups"):
        kw["SecurityGroups"] = list(i["securityGroups"])
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    lb = m.client("elbv2").create_load_balancer(**kw)["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    attrs = []
    if i.get("idleTimeout") is not None:
        attrs.append({"Key": "idle_timeout.timeout_seconds", "Value": str(_int(i["idleTimeout"]))})
    if i.get("dropInvalidHeaderFields") is not None:
        attrs.append(
            {
                "Key": "routing.http.drop_invalid_header_fields.enabled",
                "Value": str(bool(i["dropInvalidHeaderFields"])).lower(),
            }
        )
    if i.get("enableDeletionProtection") is not None:
        attrs.append(
            {
                "Key": "deletion_protection.enabled",
                "Value": str(bool(i["enableDeletionProtection"])).lower(),
            }
        )
    logs = i.get("accessLogs") or {}
    if logs.get("enabled"):
        attrs += [
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": logs["bucket"]},
            {"Key": "access_logs.s3.prefix", "Value": logs.get("prefix", "")},
        ]
    if attrs:
        m.client("elbv2").modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=attrs)
    return arn, {
        "name": lname,
        "arn": arn,
        "arnSuffix": _suffix(arn, ":loadbalancer/"),
        "dnsName": lb["DNSName"],
        "zoneId": lb["CanonicalHostedZoneId"],
        "vpcId": lb.get("VpcId", ""),
    }


def _target_group(m: Backend, name: str, i: R) -> tuple[str, R]:
    tname = m.physical_name(i, name)[:32]
    kw: R = {"Name": tname, "TargetType": i.get("targetType", "instance")}
    if kw["TargetType"] != "lambda":
        kw.update(
            {
                "Protocol": i.get("protocol", "HTTP"),
                "Port": _int(i.get("port", 80)),
                "VpcId": i["vpcId"],
            }
        )
    hc = i.get("healthCheck") or {}
    if hc.get("enabled") is False and kw["TargetType"] != "lambda":
        raise ValueError("a disabled health check is not emulated (moto keeps it enabled)")
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    for src, dst in (
        ("path", "HealthCheckPath"),
        ("protocol", "HealthCheckProtocol"),
        ("port", "HealthCheckPort"),
    ):
        if hc.get(src):
            kw[dst] = str(hc[src])
    for src, dst in (
        ("interval", "HealthCheckIntervalSeconds"),
        ("timeout", "HealthCheckTimeoutSeconds"),
        ("healthyThreshold", "HealthyThresholdCount"),
        ("unhealthyThreshold", "UnhealthyThresholdCount"),
    ):
        if hc.get(src) is not None:
            kw[dst] = _int(hc[src])
    if hc.get("matcher"):
        kw["Matcher"] = {"HttpCode": str(hc["matcher"])}
    tg = m.client("elbv2").create_target_group(**kw)["TargetGroups"][0]
    arn = tg["TargetGroupArn"]
    if i.get("deregistrationDelay") is not None:
        m.client("elbv2").modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[
                {
                    "Key": "deregistration_delay.timeout_seconds",
                    "Value": str(_int(i["deregistrationDelay"])),
                }
            ],
        )
    return arn, {
        "name": tname,
        "arn": arn,
        "arnSuffix": "targetgroup/" + _suffix(arn, ":targetgroup/"),
    }


def _action(a: R) -> R:
    out: R = {"Type": a["type"]}
    if a.get("targetGroupArn"):
        out["TargetGroupArn"] = a["targetGroupArn"]
    fixed = a.get("fixedResponse")
    if fixed:
        out["FixedResponseConfig"] = {
            "ContentType": fixed.get("contentType", "text/plain"),
            "StatusCode": str(fixed["statusCode"]),
            "MessageBody": fixed.get("messageBody", ""),
        }
    redirect = a.get("redirect")
    if redirect:
        out["RedirectConfig"] = {
            "StatusCode": redirect["statusCode"],
            **({"Port": str(redirect["port"])} if redirect.get("port") else {}),
            **({"Protocol": redirect["protocol"]} if redirect.get("protocol") else {}),
        }
    fwd = a.get("forward")
    if fwd:
        out["ForwardConfig"] = {
            "TargetGroups": [
                {"TargetGroupArn": t["arn"], "Weight": _int(t.get("weight", 1))}
                for t in fwd.get("targetGroups") or []
            ]
        }
    return out


def _listener(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "LoadBalancerArn": i["loadBalancerArn"],
        "Protocol": i.get("protocol", "HTTP"),
        "Port": _int(i.get("port", 80)),
        "DefaultActions": [_action(a) for a in i.get("defaultActions") or []],
    }
    if i.get("certificateArn"):
        kw["Certificates"] = [{"CertificateArn": i["certificateArn"]}]
    if i.get("sslPolicy"):
        kw["SslPolicy"] = i["sslPolicy"]
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    arn = m.client("elbv2").create_listener(**kw)["Listeners"][0]["ListenerArn"]
    return arn, {"arn": arn}


HANDLERS: dict[str, Handler] = {
    "lb.LoadBalancer": _alb,
    "lb.TargetGroup": _target_group,
    "lb.Listener": _listener,
}

APPLIED: dict[str, frozenset[str]] = {
    "lb.LoadBalancer": frozenset(
        {
            "accessLogs.bucket",
            "accessLogs.enabled",
            "accessLogs.prefix",
            "tags.*",
            "accessLogs",
            "dropInvalidHeaderFields",
            "enableDeletionProtection",
            "idleTimeout",
            "internal",
            "loadBalancerType",
            "name",
            "namePrefix",
            "securityGroups",
            "subnets",
        }
    ),
    "lb.TargetGroup": frozenset(
        {
            "healthCheck.enabled",
            "healthCheck.healthyThreshold",
            "healthCheck.interval",
            "healthCheck.matcher",
            "healthCheck.path",
            "healthCheck.port",
            "healthCheck.protocol",
            "healthCheck.timeout",
            "healthCheck.unhealthyThreshold",
            "tags.*",
            "deregistrationDelay",
            "healthCheck",
            "name",
            "namePrefix",
            "port",
            "protocol",
            "targetType",
            "vpcId",
        }
    ),
    "lb.Listener": frozenset(
        {
            "defaultActions.fixedResponse",
            "defaultActions.fixedResponse.contentType",
            "defaultActions.fixedResponse.messageBody",
            "defaultActions.fixedResponse.statusCode",
            "defaultActions.forward",
            "defaultActions.forward.targetGroups",
            "defaultActions.forward.targetGroups.arn",
            "defaultActions.forward.targetGroups.weight",
            "defaultActions.redirect",
            "defaultActions.redirect.port",
            "defaultActions.redirect.protocol",
            "defaultActions.redirect.statusCode",
            "defaultActions.targetGroupArn",
            "defaultActions.type",
            "tags.*",
            "certificateArn",
            "defaultActions",
            "loadBalancerArn",
            "port",
            "protocol",
            "sslPolicy",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "lb.LoadBalancer": {},
    "lb.TargetGroup": {},
    "lb.Listener": {},
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
