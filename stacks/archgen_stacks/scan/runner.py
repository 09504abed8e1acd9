"""Run checkov over a converted plan and map each result back to its Pulumi resource.

checkov is an optional tool: its own pins (an exact boto3, an old `packaging`)
clash with the testing extra, so archgen calls it as a program and never
imports it. It is found at `$ARCHGEN_CHECKOV`, next to the running Python, or
on PATH, in that order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archgen.errors import ScanError

from ..pricing.graph import Resource
from .tfplan import Entry, to_plan

CHECKOV_ENV = "ARCHGEN_CHECKOV"
INSTALL_HINT = (
    "checkov is not installed: python -m venv ~/.checkov && ~/.checkov/bin/pip install "
    f"'checkov>=3.2,<4', then export {CHECKOV_ENV}=~/.checkov/bin/checkov"
)


@dataclass(frozen=True)
class Finding:
    """One check on one resource: checkov's id, the Pulumi resource and its component."""

    check_id: str
    check_name: str
    resource: str
    component: str | None
    address: str


@dataclass(frozen=True)
class Results:
    """What checkov reported for a plan, in Pulumi's names."""

    passed: list[Finding]
    failed: list[Finding]
    checkov_version: str


def find_checkov() -> str:
    """The checkov executable to run, or a `ScanError` that says how to install it."""
    configured = os.environ.get(CHECKOV_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ScanError(f"{CHECKOV_ENV}={configured} is not an executable checkov")
        return str(path)
    beside = Path(sys.executable).parent / "checkov"
    if beside.is_file():
        return str(beside)
    found = shutil.which("checkov")
    if found is None:
        raise ScanError(INSTALL_HINT)
    return found


def run_checkov(plan: Mapping[str, Any], *, checks: Iterable[str] = ()) -> dict[str, Any]:
    """checkov's JSON report on `plan` (framework terraform_plan, nothing downloaded)."""
    exe = find_checkov()
    with tempfile.TemporaryDirectory(prefix="archgen-scan-") as where:
        path = Path(where) / "plan.json"
        path.write_text(json.dumps(plan), encoding="utf-8")
        args = [exe, "--framework", "terraform_plan", "-f", str(path), "-o", "json"]
        args += ["--skip-download", "--compact"]
        if checks:
            args += ["--check", ",".join(checks)]
        env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
        # checkov's parsers cache into the temp dir; this run's own one goes with the run
        env["TMPDIR"] = where
        try:
            done = subprocess.run(
                args, capture_output=True, text=True, check=False, env=env, cwd=where
            )
        except OSError as err:
            raise ScanError(f"could not run checkov ({exe}): {err}") from err
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError as err:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ScanError(f"checkov failed: {lines[-1] if lines else 'no output'}") from err
    if isinstance(report, list):  # one report per framework; only terraform_plan ran
        report = next((r for r in report if r.get("check_type") == "terraform_plan"), {})
    if not isinstance(report, dict):
        raise ScanError("checkov printed an unexpected report")
    return report


def results(report: Mapping[str, Any], entries: Iterable[Entry]) -> Results:
    """checkov's passed and failed checks with each resource's Pulumi name and component."""
    by_address = {e.address: e.resource for e in entries}

    def finding(check: Mapping[str, Any]) -> Finding:
        address = str(check.get("resource", ""))
        res = by_address.get(address)
        return Finding(
            check_id=str(check.get("check_id")),
            check_name=str(check.get("check_name", "")),
            resource=res.name if res else address,
            component=res.parent if res else None,
            address=address,
        )

    found = report.get("results") or {}
    return Results(
        passed=[finding(c) for c in found.get("passed_checks") or []],
        failed=[finding(c) for c in found.get("failed_checks") or []],
        checkov_version=str((report.get("summary") or {}).get("checkov_version", "")),
    )


def scan_resources(resources: Iterable[Resource], *, checks: Iterable[str] = ()) -> Results:
    """Convert `resources` to a plan, run checkov over it, map the results back."""
    plan, entries = to_plan(resources)
    return results(run_checkov(plan, checks=checks), entries)
