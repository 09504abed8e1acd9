"""`archgen scan`: a generated project's stack checked with checkov's AWS rules, offline.

A thin shell over `archgen_stacks.scan` (the stack program run under Pulumi's
mocks, written as a Terraform plan, scanned by checkov), imported only when
the command runs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archgen.cli_base import ArchgenCommand, project_option
from archgen.errors import ScanError, UsageError

if TYPE_CHECKING:
    from archgen_stacks.scan import Report

INSTALL_HINT = (
    "archgen scan needs archgen-stacks (pinned in the project's infra/requirements.txt): "
    "pip install -r infra/requirements.txt"
)


def scan_stack(project: Path, stack: str) -> Report:
    """The scan report of `infra/Pulumi.<stack>.yaml`; every failure as one `ArchgenError`."""
    try:
        import archgen_stacks.scan as scan
    except ImportError as err:
        raise ScanError(INSTALL_HINT) from err
    try:
        report: Report = scan.scan_project(project, stack=stack)
    except (UsageError, ScanError):
        raise
    except Exception as err:  # the project's own program failed under mocks
        raise ScanError(f"the stack program failed for stack {stack!r}: {err}") from err
    return report


def render(report: Report) -> str:
    """Failed checks grouped by component, then what was accepted and what is stale."""
    out = [
        f"checkov {report.checkov_version} on stack {report.stack}: {report.resources} resources, "
        f"{report.passed} checks passed, {len(report.failed)} failed, "
        f"{len(report.accepted)} accepted"
    ]
    groups: dict[str, list[Any]] = defaultdict(list)
    for finding in report.failed:
        groups[finding.component or "(no component)"].append(finding)
    for component, findings in groups.items():
        out.append(f"{component}")
        out += [f"  {f.check_id}  {f.resource}  {f.check_name}" for f in findings]
    if report.stale:
        out.append("stale accepted checks (they match no failure; remove them):")
        out += [f"  {a.check_id}  {a.resource}" for a in report.stale]
    out.append("OK: every failed check is accepted" if report.ok else "FAILED")
    return "\n".join(out)


@click.command(
    "scan",
    cls=ArchgenCommand,
    epilog="""\b
Examples (inside a generated project):
  archgen scan                      # infra/Pulumi.dev.yaml
  archgen scan --stack prod --json
""",
)
@click.option("--stack", default="dev", show_default=True, help="The stack config to scan.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@project_option
def scan(stack: str, as_json: bool, project: Path) -> None:
    """Check the stack with checkov's AWS rules; exit 1 on a failure not accepted.

    Accepted failures, each with its reason, are listed in infra/scan-accepted.yaml.
    """
    report = scan_stack(project, stack)
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else render(report))
    if not report.ok:
        raise click.exceptions.Exit(1)
