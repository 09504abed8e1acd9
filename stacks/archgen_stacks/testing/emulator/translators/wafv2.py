"""AWS WAF web ACLs, their associations and logging, created in moto's WAFV2.

Emulated: a web ACL (scope, default action, rules with their statements,
actions and visibility, description, tags), its association with a resource
(a load balancer) and its logging configuration (destinations). Not emulated:
custom response bodies, CAPTCHA and challenge settings, logging filters and
redacted fields; moto stores rules as given and never inspects a request.
"""

from __future__ import annotations

from typing import Any

from .._base import Backend, Handler, R
from ._util import _tags

AWS_NAMES: dict[str, str] = {"cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled"}
"""Keys whose AWS spelling is not the camelCase key with its first letter capitalised."""

INTEGER_KEYS = frozenset({"priority", "limit", "evaluationWindowSec"})
"""Rule fields AWS takes as integers (the mocks pass every number as a float)."""


def _aws_shape(value: Any, key: str = "") -> Any:
    """Pulumi's camelCase rule tree as the WAFV2 API's PascalCase one."""
    if isinstance(value, dict):
        return {AWS_NAMES.get(k, k[:1].upper() + k[1:]): _aws_shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_aws_shape(v, key) for v in value]
    if key in INTEGER_KEYS:
        return int(float(value))
    return value


def _web_acl(m: Backend, name: str, i: R) -> tuple[str, R]:
    aname = m.physical_name(i, name)[:128]
    kw: R = {
        "Name": aname,
        "Scope": i["scope"],
        "DefaultAction": _aws_shape(i["defaultAction"]),
        "VisibilityConfig": _aws_shape(i["visibilityConfig"]),
        "Rules": _aws_shape(list(i.get("rules") or [])),
    }
    if i.get("description"):
        kw["Description"] = i["description"]
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    summary = m.client("wafv2").create_web_acl(**kw)["Summary"]
    return summary["Id"], {
        "name": aname,
        "arn": summary["ARN"],
        "lockToken": summary["LockToken"],
        "capacity": 0,
    }


def _association(m: Backend, name: str, i: R) -> tuple[str, R]:
    acl, resource = str(i["webAclArn"]), str(i["resourceArn"])
    m.client("wafv2").associate_web_acl(WebACLArn=acl, ResourceArn=resource)
    return f"{acl},{resource}", {}


def _logging(m: Backend, name: str, i: R) -> tuple[str, R]:
    acl = str(i["resourceArn"])
    m.client("wafv2").put_logging_configuration(
        LoggingConfiguration={
            "ResourceArn": acl,
            "LogDestinationConfigs": [str(d) for d in i["logDestinationConfigs"]],
        }
    )
    return acl, {}


HANDLERS: dict[str, Handler] = {
    "wafv2.WebAcl": _web_acl,
    "wafv2.WebAclAssociation": _association,
    "wafv2.WebAclLoggingConfiguration": _logging,
}

APPLIED: dict[str, frozenset[str]] = {
    "wafv2.WebAcl": frozenset(
        {
            "defaultAction.*",
            "rules.*",
            "tags.*",
            "visibilityConfig.*",
            "description",
            "name",
            "namePrefix",
            "scope",
        }
    ),
    "wafv2.WebAclAssociation": frozenset({"resourceArn", "webAclArn"}),
    "wafv2.WebAclLoggingConfiguration": frozenset({"logDestinationConfigs", "resourceArn"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "wafv2.WebAcl": {},
    "wafv2.WebAclAssociation": {},
    "wafv2.WebAclLoggingConfiguration": {},
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
