"""The archgen rules (`policy.py`) as a pulumi-policy pack, for `pulumi preview --policy-pack`.

A generated project's `infra/policy/__main__.py` puts `infra/` on `sys.path`
and calls `components.policy_pack.main()`. Values still unknown during a
preview make a rule skip that resource; `pulumi up` checks the final values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from .policy import ADVISORY_RULES, RESOURCE_RULES, STACK_RULES, ResourceView, Rule, StackRule

PACK_NAME = "archgen-security"


def _view(resource: Any) -> ResourceView:
    deps = getattr(resource, "property_dependencies", None) or {}
    return ResourceView(
        type=resource.resource_type,
        name=resource.name,
        props=resource.props,
        urn=resource.urn,
        deps={key: frozenset(dep.urn for dep in value) for key, value in deps.items()},
    )


def resource_policy(rule: Rule, level: EnforcementLevel) -> ResourceValidationPolicy:
    """One per-resource rule as a ResourceValidationPolicy."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in rule.types:
            return
        try:
            messages = rule.check(_view(args))
        except UnknownValueError:
            return
        for message in messages:
            report(message, None)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate, enforcement_level=level
    )


def stack_policy(rule: StackRule, level: EnforcementLevel) -> StackValidationPolicy:
    """One cross-resource rule as a StackValidationPolicy (violations name the resource)."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        views = [_view(r) for r in args.resources]
        urns = {v.name: v.urn for v in views}
        try:
            found = rule.check(views)
        except UnknownValueError:
            return
        for name, message in found:
            report(message, urns.get(name))

    return StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validate, enforcement_level=level
    )


def policies(level: EnforcementLevel = EnforcementLevel.MANDATORY) -> list[Policy]:
    """Every archgen rule as a pulumi-policy Policy."""
    out: list[Policy] = [
        resource_policy(r, EnforcementLevel.ADVISORY if r.name in ADVISORY_RULES else level)
        for r in RESOURCE_RULES
    ]
    out += [stack_policy(r, level) for r in STACK_RULES]
    return out


def main(
    name: str = PACK_NAME,
    pack: Callable[..., Any] = PolicyPack,
) -> Any:
    """Serve the pack (what `pulumi preview --policy-pack infra/policy` runs)."""
    return pack(name=name, policies=policies(), enforcement_level=EnforcementLevel.MANDATORY)
