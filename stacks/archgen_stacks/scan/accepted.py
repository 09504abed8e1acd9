"""A project's accepted checks (`infra/scan-accepted.yaml`): each failure it keeps, and why."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archgen import safe_io
from archgen.errors import UsageError

from .runner import Finding

ACCEPTED_FILE = "scan-accepted.yaml"


@dataclass(frozen=True)
class Accepted:
    """One accepted check: checkov's id, a glob over Pulumi resource names, the reason."""

    check_id: str
    reason: str
    resource: str = "*"

    def matches(self, finding: Finding) -> bool:
        """Whether this entry accepts `finding`."""
        return finding.check_id == self.check_id and fnmatch.fnmatchcase(
            finding.resource, self.resource
        )


def parse(document: Any, source: str) -> list[Accepted]:
    """The entries of an accepted-checks document (a list of mappings); one-line errors."""
    if document is None:
        return []
    if not isinstance(document, list):
        raise UsageError(f"{source}: expected a list of {{check_id, resource, reason}}")
    entries = []
    for i, item in enumerate(document, start=1):
        where = f"{source}: entry {i}"
        if not isinstance(item, dict):
            raise UsageError(f"{where}: expected a mapping")
        unknown = set(item) - {"check_id", "resource", "reason"}
        if unknown:
            raise UsageError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        check_id, reason = item.get("check_id"), item.get("reason")
        resource = item.get("resource", "*")
        if not isinstance(check_id, str) or not check_id.strip():
            raise UsageError(f"{where}: `check_id` must be a non-empty string")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{where} ({check_id}): every accepted check needs a `reason`")
        if not isinstance(resource, str) or not resource:
            raise UsageError(f"{where} ({check_id}): `resource` must be a glob string")
        entries.append(Accepted(check_id.strip(), reason.strip(), resource))
    return entries


def load(infra_dir: Path) -> list[Accepted]:
    """The project's accepted checks; none when it has no such file."""
    path = infra_dir / ACCEPTED_FILE
    if not path.is_file():
        return []
    document = safe_io.load_yaml_file(path, error=UsageError, what="accepted-checks file")
    return parse(document, f"infra/{ACCEPTED_FILE}")


def split(
    failed: Iterable[Finding], accepted: Iterable[Accepted]
) -> tuple[list[Finding], list[tuple[Finding, Accepted]], list[Accepted]]:
    """(not accepted, accepted with the entry that accepts it, entries that matched nothing)."""
    entries = list(accepted)
    used: set[int] = set()
    open_: list[Finding] = []
    kept: list[tuple[Finding, Accepted]] = []
    for finding in failed:
        hit = next((i for i, e in enumerate(entries) if e.matches(finding)), None)
        if hit is None:
            open_.append(finding)
        else:
            used.add(hit)
            kept.append((finding, entries[hit]))
    return open_, kept, [e for i, e in enumerate(entries) if i not in used]
