"""Two stacks of one project (dev and prod, same name prefix) never claim the same AWS name.

AWS names are unique per account and region: a log group, a KMS alias or a
dashboard with a fixed name makes the second stack's `pulumi up` fail with
"already exists". Every name a stack sets itself must differ between stacks.
"""

from __future__ import annotations

from typing import Any

import pytest

from archgen.stack_settings import PATTERNS, StackSettings
from archgen_stacks.program import AppArtifacts, build

from .conftest import run_program

APP = AppArtifacts(package="credit")
NAME_INPUTS = ("name", "dashboardName", "bucket", "functionName", "family")
SCOPED = {"aws:cloudwatch/logStream:LogStream"}
"""Names unique only within a parent that is itself unique per stack."""


def fixed_names(stack: str, pattern: str) -> dict[str, tuple[str, Any]]:
    s = StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit"})
    run = run_program(lambda: build(s, APP), stack=stack)
    produced = {str(v) for r in run.resources for k, v in r.outputs.items() if k not in r.inputs}
    out: dict[str, tuple[str, Any]] = {}
    for r in run.resources:
        if r.typ in SCOPED:
            continue
        for key in NAME_INPUTS:
            # a value another resource produced is a reference, not a name this one claims
            if r.inputs.get(key) and str(r.inputs[key]) not in produced:
                out[f"{r.typ} {key}={r.inputs[key]}"] = (r.name, r.inputs[key])
    return out


@pytest.mark.parametrize("pattern", PATTERNS)
def test_no_two_stacks_share_a_physical_name(pattern: str) -> None:
    dev, prod = fixed_names("dev", pattern), fixed_names("prod", pattern)
    shared = sorted(set(dev) & set(prod))
    assert shared == []
