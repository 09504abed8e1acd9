"""`archgen scan`: a project's stack checked against checkov's AWS rules, offline.

The project's `infra/__main__.py` runs under Pulumi's mocks (the pricer's run,
`pricing.project.project_graph`), `tfplan.to_plan` writes what it registers
as a Terraform plan, checkov scans that plan (`runner`), and each failed check
is either accepted with a reason in `infra/scan-accepted.yaml` (`accepted`) or
reported against its Pulumi resource and component.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..policy import RESOURCE_RULES, SCAN_RULES, ResourceView
from ..pricing.graph import Resource
from ..pricing.project import project_graph
from .accepted import ACCEPTED_FILE, Accepted, load, split
from .runner import CHECKOV_ENV, Finding, Results, find_checkov, run_checkov, scan_resources
from .tfplan import terraform_type, to_plan

__all__ = [
    "ACCEPTED_FILE",
    "CHECKOV_ENV",
    "Accepted",
    "Finding",
    "Report",
    "Results",
    "find_checkov",
    "load",
    "run_checkov",
    "scan_project",
    "scan_resources",
    "terraform_type",
    "to_plan",
]


@dataclass
class Report:
    """One stack's scan: checks passed, failures not accepted, accepted ones, stale entries."""

    stack: str
    passed: int
    failed: list[Finding]
    accepted: list[tuple[Finding, Accepted]]
    stale: list[Accepted]
    checkov_version: str = ""
    resources: int = 0

    @property
    def ok(self) -> bool:
        """True when every failed check is accepted."""
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        """The `archgen scan --json` document."""
        return {
            "stack": self.stack,
            "checkov_version": self.checkov_version,
            "resources": self.resources,
            "passed": self.passed,
            "failed": [
                {"check_id": f.check_id, "resource": f.resource, "component": f.component}
                for f in self.failed
            ],
            "accepted": [
                {"check_id": f.check_id, "resource": f.resource, "reason": a.reason}
                for f, a in self.accepted
            ],
            "stale": [
                {"check_id": a.check_id, "resource": a.resource, "reason": a.reason}
                for a in self.stale
            ],
        }


def policy_findings(resources: list[Resource]) -> list[Finding]:
    """archgen's `SCAN_RULES` broken by `resources`, as findings `ARCHGEN_<RULE>`."""
    out = []
    for res in resources:
        view = ResourceView(type=res.typ, name=res.name, props=res.inputs)
        for rule in RESOURCE_RULES:
            if rule.name in SCAN_RULES and res.typ in rule.types:
                out += [
                    Finding(
                        check_id="ARCHGEN_" + rule.name.upper().replace("-", "_"),
                        check_name=message,
                        resource=res.name,
                        component=res.parent,
                        address=res.name,
                    )
                    for message in rule.check(view)
                ]
    return out


def scan_project(project_dir: Path, *, stack: str = "dev") -> Report:
    """Scan `infra/Pulumi.<stack>.yaml` of a generated project with checkov."""
    project_dir = Path(project_dir).resolve()
    graph, _region = project_graph(project_dir, stack=stack)
    accepted = load(project_dir / "infra")
    found = scan_resources(graph)
    open_, kept, stale = split(found.failed + policy_findings(graph), accepted)
    return Report(
        stack=stack,
        passed=len(found.passed),
        failed=open_,
        accepted=kept,
        stale=stale,
        checkov_version=found.checkov_version,
        resources=sum(1 for r in graph if not r.is_component),
    )
