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
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from archgen import interrupts
from archgen.errors import UpdateError
from archgen.safe_io import UnsafeInput, quote, read_text

WORK_DIR = ".archgen-update"
"""Staging, backups and the journal of an update in progress, inside the project."""
JOURNAL = "journal.json"
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


# -- applying, under a journal --------------------------------------------------


def _way_out(path: Path) -> str:
    return (
        f"archgen did not act on it; if no update of yours was interrupted, check "
        f"{path.name}/ and delete it to go on"
    )


def inside(root: Path, rel: object, *, what: str = "path") -> Path:
    """`root / rel`, proven inside `root` before any I/O, else UpdateError.

    `rel` must be a plain relative POSIX path (no `..`, no `.`, no empty
    part, nothing in `.git/` or the work folder), every parent folder that
    exists a real folder (not a link) and the file itself absent or a regular
    file; the resolved path is inside the root.
    """
    if not isinstance(rel, str) or not rel or "\0" in rel:
        raise UpdateError(f"{what} {quote(rel)}: not a relative path")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or pure.as_posix() != rel or rel == ".":
        raise UpdateError(f"{what} {quote(rel)}: not a plain path inside the project")
    if {".git", WORK_DIR} & set(pure.parts):
        raise UpdateError(f"{what} {quote(rel)}: archgen never writes into .git or {WORK_DIR}")
    current = root
    for part in pure.parts[:-1]:
        current = current / part
        info = _lstat(current)
        if info is None:
            break
        if not stat.S_ISDIR(info.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a folder"
            shown = current.relative_to(root).as_posix()
            raise UpdateError(f"{what} {quote(rel)}: {shown} is {kind}; archgen does not follow it")
    target = root / rel
    info = _lstat(target)
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        raise UpdateError(f"{what} {quote(rel)}: it is {kind}; archgen does not replace it")
    if not target.resolve().is_relative_to(root.resolve()):
        raise UpdateError(f"{what} {quote(rel)}: resolves outside {root}")
    return target


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None


def work_dir(root: Path) -> Path | None:
    """`root/.archgen-update` when it exists (a real folder, else UpdateError); None when not."""
    work = root / WORK_DIR
    info = _lstat(work)
    if info is None:
        return None
    if not stat.S_ISDIR(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a folder"
        raise UpdateError(f"{work} is {kind}; {_way_out(work)}")
    return work


def read_journal(root: Path) -> list[tuple[str, bool]] | None:
    """The files of an interrupted update (path, existed), all validated; None: no update left.

    A journal that is not one archgen wrote for this project (unreadable, not
    JSON, another root, a path outside the project, a missing backup) is an
    UpdateError and nothing is touched.
    """
    work = work_dir(root)
    if work is None:
        return None
    path = work / JOURNAL
    if _lstat(path) is None:
        return []  # staged but never applied: nothing to undo
    try:
        data = json.loads(read_text(path))
    except UnsafeInput as err:
        raise UpdateError(f"{path} {err}; {_way_out(work)}") from err
    except (OSError, ValueError) as err:
        raise UpdateError(f"{path} is not an update journal; {_way_out(work)}") from err
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(files, list):
        raise UpdateError(f"{path} is not an update journal; {_way_out(work)}")
    if data.get("root") != str(root):
        raise UpdateError(f"{path} was written for another project; {_way_out(work)}")
    entries: list[tuple[str, bool]] = []
    for entry in files:
        if not isinstance(entry, dict) or set(entry) != {"path", "existed"}:
            raise UpdateError(f"{path} is not an update journal; {_way_out(work)}")
        rel, existed = entry["path"], entry["existed"]
        try:
            inside(root, rel, what="journal path")
            if not isinstance(existed, bool):
                raise UpdateError(f"journal path {quote(rel)}: 'existed' is not true or false")
            if existed and _lstat(inside(work / "backup", rel, what="journal backup")) is None:
                raise UpdateError(f"journal path {quote(rel)}: its backup is missing")
        except UpdateError as err:
            raise UpdateError(f"{path}: {err}; {_way_out(work)}") from err
        entries.append((rel, existed))
    return entries


def refuse_committed_work_dir(root: Path) -> None:
    """Refuse a `.archgen-update/` that git tracks: no interrupted update left it there."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "--", WORK_DIR],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return
    if done.returncode == 0 and done.stdout.strip():
        raise UpdateError(
            f"{root / WORK_DIR} is committed to git; archgen never commits it and did not act "
            f"on it: check it, then `git rm -r {WORK_DIR}` to go on"
        )


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

    Every path is proven inside `root` first. An existing file keeps its
    permissions; a new one gets its mode from `modes`. The renames run with
    signals blocked, so an interrupt never leaves a mix.
    """
    if not results:
        return
    for rel in results:
        inside(root, rel)
    if work_dir(root) is not None:
        work = root / WORK_DIR
        raise UpdateError(f"{work} is left from another update; {_way_out(work)}")
    work = root / WORK_DIR
    stage, backup = work / "stage", work / "backup"
    try:
        work.mkdir()
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
        files = [{"path": rel, "existed": (root / rel).is_file()} for rel in results]
        journal = {"version": 1, "root": str(root), "files": files}
        (work / "journal.tmp").write_text(json.dumps(journal), encoding="utf-8")
        (work / "journal.tmp").replace(work / JOURNAL)
    except OSError as err:
        shutil.rmtree(work, ignore_errors=True)
        raise UpdateError(f"cannot stage the update in {work}: {err.strerror or err}") from err
    with interrupts.critical():
        try:
            for rel, content in results.items():
                _apply_one(root, rel, stage / rel if content is not None else None)
        except BaseException as err:
            recover(root)
            if isinstance(err, Exception):
                raise UpdateError(f"the update failed and was rolled back: {err}") from err
            raise
        shutil.rmtree(work, ignore_errors=True)
        interrupts.hold()


def recover(root: Path) -> bool:
    """Undo an update that was interrupted while applying; True when there was one.

    The journal is validated whole (`read_journal`) before anything is touched.
    """
    entries = read_journal(root)
    if entries is None:
        return False
    work = root / WORK_DIR
    with interrupts.critical():
        for rel, existed in entries:
            if existed:
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (work / "backup" / rel).replace(root / rel)
            else:
                (root / rel).unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return True
