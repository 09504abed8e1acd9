"""Northwind's policy rule: every tagged AWS resource names its cost centre and owning team.

Finance charges AWS spend back by the CostCentre tag and on-call routes alerts
by the Team tag, so a resource without them is refused at preview time.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

REQUIRED_TAGS = ("CostCentre", "Team")


def missing_tags(props: dict[str, object]) -> list[str]:
    """The required tags a resource's `tags` property lacks (none when it has no tags at all)."""
    tags = props.get("tags")
    if not isinstance(tags, dict):
        return []
    return [key for key in REQUIRED_TAGS if not tags.get(key)]


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not args.resource_type.startswith("aws:"):
        return
    missing = missing_tags(dict(args.props))
    if missing:
        report_violation(
            f"{args.resource_type} {args.name} lacks the tag(s) {', '.join(missing)}; "
            "Northwind charges spend back by CostCentre and routes alerts by Team.",
            None,
        )


NORTHWIND_POLICIES = [
    ResourceValidationPolicy(
        name="northwind-required-tags",
        description="Every tagged AWS resource carries the CostCentre and Team tags.",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_validate,
    )
]
