"""The pulumi-policy pack wraps the same rules and reports through pulumi-policy's callbacks."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from archgen_stacks.policy import RESOURCE_RULES, STACK_RULES
from archgen_stacks.policy_pack import main, policies


def collect() -> tuple[list[tuple[str, str | None]], Any]:
    found: list[tuple[str, str | None]] = []
    return found, lambda message, urn=None: found.append((message, urn))


def by_name(name: str) -> Any:
    return next(p for p in policies() if p.name == name)


def test_pack_has_one_policy_per_rule() -> None:
    names = [p.name for p in policies()]
    assert names == [r.name for r in RESOURCE_RULES] + [r.name for r in STACK_RULES]
    assert sum(isinstance(p, StackValidationPolicy) for p in policies()) == len(STACK_RULES)


def test_resource_policy_reports_a_bad_key_and_ignores_other_types() -> None:
    policy = by_name("kms-key-rotation")
    assert isinstance(policy, ResourceValidationPolicy)
    found, report = collect()
    args = ResourceValidationArgs(
        "aws:kms/key:Key", {"enableKeyRotation": False}, "urn:k", "k", None, None
    )  # type: ignore[arg-type]
    policy.validate(args, report)  # type: ignore[operator]
    assert found == [("KMS key rotation is off", None)]
    found.clear()
    other = ResourceValidationArgs("aws:sns/topic:Topic", {}, "urn:t", "t", None, None)  # type: ignore[arg-type]
    policy.validate(other, report)  # type: ignore[operator]
    assert found == []


def test_stack_policy_links_by_property_dependencies_and_names_the_urn() -> None:
    queue = PolicyResource(
        "aws:sqs/queue:Queue", {"kmsMasterKeyId": "k"}, "urn:q", "q", None, None, None, [], {}
    )  # type: ignore[arg-type]
    alarm = PolicyResource(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        {"dimensions": {"QueueName": "from-preview"}},
        "urn:a",
        "a",
        None,
        None,
        None,
        [queue],
        {"dimensions": [queue]},
    )  # type: ignore[arg-type]
    policy = by_name("alarm-coverage")
    found, report = collect()
    policy.validate(StackValidationArgs([queue]), report)
    assert found and found[0][1] == "urn:q"
    found.clear()
    policy.validate(StackValidationArgs([queue, alarm]), report)
    assert found == []


def test_main_builds_a_mandatory_pack() -> None:
    seen: dict[str, Any] = {}

    def fake_pack(**kwargs: Any) -> str:
        seen.update(kwargs)
        return "served"

    assert main(pack=fake_pack) == "served"
    assert seen["name"] == "archgen-security"
    assert len(seen["policies"]) == len(RESOURCE_RULES) + len(STACK_RULES)
