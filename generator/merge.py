"""Three-way merge of one file, with git's standard conflict markers.

`archgen update` merges the user's file (ours) with the newly rendered one
(theirs) against the file archgen rendered originally (base). `git merge-file`
does the line merge: git is on every machine archgen runs on, and its markers
are the ones every editor understands.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from archgen.errors import UpdateError

CONFLICT_START = "<<<<<<< "
CONFLICT_END = ">>>>>>> "


@dataclass(frozen=True)
class MergeResult:
    """The merged bytes and whether they hold conflict markers."""

    content: bytes
    conflicts: int


def merge_texts(
    base: bytes, ours: bytes, theirs: bytes, *, labels: tuple[str, str, str] | None = None
) -> MergeResult:
    """Merge `ours` and `theirs` against `base`; conflicting hunks get standard markers."""
    if ours == theirs:
        return MergeResult(ours, 0)
    if ours == base:
        return MergeResult(theirs, 0)
    if theirs == base:
        return MergeResult(ours, 0)
    names = labels or ("yours", "original", "template")
    with tempfile.TemporaryDirectory(prefix="archgen-merge-") as tmp:
        paths = []
        for name, content in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / name
            path.write_bytes(content)
            paths.append(str(path))
        argv = ["git", "merge-file", "-p", "-L", names[0], "-L", names[1], "-L", names[2], *paths]
        try:
            done = subprocess.run(argv, capture_output=True, check=False)
        except OSError as err:
            raise UpdateError(f"cannot run git merge-file: {err}") from err
    if done.returncode < 0 or done.returncode > 127:
        message = done.stderr.decode(errors="replace").strip()
        raise UpdateError(f"git merge-file failed: {message}")
    return MergeResult(done.stdout, done.returncode)


def has_conflict_markers(content: bytes) -> bool:
    """True when a text holds an unresolved conflict (a start and an end marker line)."""
    lines = content.decode("utf-8", errors="replace").splitlines()
    starts = any(line.startswith(CONFLICT_START) for line in lines)
    return starts and any(line.startswith(CONFLICT_END) for line in lines)
