"""The deployed stack passes archgen's security rules, the ones the policy pack enforces."""

from __future__ import annotations

from archgen_stacks.policy import ResourceView, check_stack
from archgen_stacks.policy_pack import policies
from archgen_stacks.testing.pytest_plugin import DeployedStack


def test_deployed_resources_break_no_rule(archgen_deployed: DeployedStack) -> None:
    _, result = archgen_deployed
    views = [
        ResourceView(type=r.type, name=r.name, props=r.outputs, id=r.id)
        for r in result.resources
        if r.type.startswith("aws:")
    ]
    assert len(views) > 10
    assert check_stack(views) == []


def test_policy_pack_serves_every_rule() -> None:
    names = [policy.name for policy in policies()]
    assert len(names) == len(set(names)) > 5
