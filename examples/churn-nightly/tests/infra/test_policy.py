"""The deployed stack passes archgen's security rules, the ones the policy pack enforces."""

from __future__ import annotations

from typing import Any

from components.emulator import DeployResult
from components.policy import ResourceView, check_stack
from components.policy_pack import policies


def test_deployed_resources_break_no_rule(deployed: tuple[Any, DeployResult]) -> None:
    _, result = deployed
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
