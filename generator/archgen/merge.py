"""Three-way merge of a project tree, with git's conflict markers, applied under a journal.

`archgen update` merges the user's file (ours) with the newly rendered one
(theirs) against the file archgen rendered originally (base). `git merge-file`
does the line merge: git is on every machine archgen runs on, and its markers
are the ones every editor understands. The merged results are staged inside
the project and applied with backups and a journal, so an interrupted update
is rolled back (`recover`).
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from archgen.errors import UpdateError

WORK_DIR = ".archgen-update"
"""Staging, backups and the journal of an update in progress, inside the project."""
CONFLICT_START = "<<<<<<< "
CONFLICT_END = ">>>>>>> "
Action = Literal["add", "update", "merge", "conflict", "delete", "keep"]


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


@dataclass(frozen=True)
class FileChange:
    """What the update does (or would do) to one file."""

    path: str
    action: Action
    note: str = ""


def three_way(
    old: Mapping[str, Path],
    new: Mapping[str, Path],
    mine: Mapping[str, Path],
    *,
    skip: Set[str] = frozenset(),
) -> tuple[list[FileChange], dict[str, bytes | None]]:
    """Merge whole trees (relative path -> file): per file, the action and the bytes (None deletes).

    `old` is the original render, `new` the current one, `mine` the user's tree.
    """
    changes: list[FileChange] = []
    results: dict[str, bytes | None] = {}
    for rel in sorted((set(old) | set(new)) - set(skip)):
        base = old[rel].read_bytes() if rel in old else None
        theirs = new[rel].read_bytes() if rel in new else None
        ours = mine[rel].read_bytes() if rel in mine else None
        if base == theirs or ours == theirs:
            continue  # the template did not change this file, or the user already has it
        if theirs is None:  # removed by the template
            if ours is None:
                continue
            if ours == base:
                results[rel] = None
                changes.append(FileChange(rel, "delete"))
            else:
                changes.append(FileChange(rel, "keep", "removed by the templates; you changed it"))
            continue
        if ours is None:
            if base is None:
                results[rel] = theirs
                changes.append(FileChange(rel, "add"))
            else:
                changes.append(FileChange(rel, "keep", "changed by the templates; you deleted it"))
            continue
        if ours == base:
            results[rel] = theirs
            changes.append(FileChange(rel, "update"))
            continue
        if any(b"\0" in content for content in (base or b"", ours, theirs)):
            note = "binary file changed by you and by the templates: kept yours"
            changes.append(FileChange(rel, "keep", note))
            continue
        merged = merge_texts(base or b"", ours, theirs)
        results[rel] = merged.content
        if merged.conflicts:
            changes.append(FileChange(rel, "conflict", f"{merged.conflicts} conflict(s)"))
        else:
            changes.append(FileChange(rel, "merge"))
    return changes, results


def unified_diff(root: Path, results: Mapping[str, bytes | None]) -> str:
    """A unified diff from the files under `root` to `results`."""
    chunks: list[str] = []
    for rel, content in sorted(results.items()):
        path = root / rel
        before = path.read_bytes().decode(errors="replace") if path.is_file() else ""
        after = content.decode(errors="replace") if content is not None else ""
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{rel}" if path.is_file() else "/dev/null",
                tofile=f"b/{rel}" if content is not None else "/dev/null",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def _apply_one(root: Path, rel: str, staged: Path | None) -> None:
    """Put one staged result in place (or delete the file when `staged` is None)."""
    target = root / rel
    if staged is None:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staged.replace(target)


def apply_results(
    root: Path, results: Mapping[str, bytes | None], modes: Mapping[str, int] | None = None
) -> None:
    """Stage every result, back up every file touched, then apply; roll back on any failure.

    An existing file keeps its permissions; a new one gets its mode from `modes`.
    """
    work = root / WORK_DIR
    stage, backup = work / "stage", work / "backup"
    try:
        for rel, content in results.items():
            if content is not None:
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                (stage / rel).write_bytes(content)
                if (root / rel).is_file():
                    shutil.copymode(root / rel, stage / rel)
                elif modes and rel in modes:
                    (stage / rel).chmod(modes[rel] & 0o777)
            if (root / rel).is_file():
                (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / rel, backup / rel)
        journal = {"files": [{"path": rel, "existed": (root / rel).is_file()} for rel in results]}
        (work / "journal.json").write_text(json.dumps(journal), encoding="utf-8")
    except OSError as err:
        shutil.rmtree(work, ignore_errors=True)
        raise UpdateError(f"cannot stage the update in {work}: {err}") from err
    try:
        for rel, content in results.items():
            _apply_one(root, rel, stage / rel if content is not None else None)
    except BaseException as err:
        recover(root)
        if isinstance(err, Exception):
            raise UpdateError(f"the update failed and was rolled back: {err}") from err
        raise
    shutil.rmtree(work, ignore_errors=True)


def recover(root: Path) -> bool:
    """Undo an update that was interrupted while applying; True when there was one."""
    work = root / WORK_DIR
    if not work.exists():
        return False
    journal_path = work / "journal.json"
    if journal_path.is_file():
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
        for entry in journal["files"]:
            rel = entry["path"]
            if entry["existed"]:
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(work / "backup" / rel, root / rel)
            else:
                (root / rel).unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    return True
