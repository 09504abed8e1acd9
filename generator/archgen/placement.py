"""Put a rendered project in place all-or-nothing: staged, checked, moved, committed.

`place_project` renders into a staging folder next to the target
(`.<slug>.archgen-*`), proves every path it will write is inside the project
and holds nothing of the user's but a regular file, moves the files in with
signals blocked, runs `after_placed` (the pack's post_gen hooks) and only
then commits. Any failure or signal before the commit restores the old tree
(or nothing); after it the command has succeeded.

With `--force`, the user's regular files at produced paths are moved into
`<project>/.archgen-backup/<UTC timestamp>/`, which archgen never deletes. A
folder, link or special file at a produced path, a link among the parent
folders of one, or a linked project folder is refused before anything is
written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from archgen import interrupts
from archgen.errors import RenderError, TargetExistsError

BACKUP_DIR = ".archgen-backup"
"""Inside the project: the user's files that `--force` replaced, one folder per run."""

Mode = Literal["new", "empty", "merge"]


@dataclass(frozen=True)
class Placed:
    """A committed project: its files, the user's files it replaced and where they are kept."""

    path: Path
    files: list[str]
    replaced: list[str] = field(default_factory=list)
    backup: Path | None = None


def check_target(project: Path, *, force: bool, pretend: bool = False) -> None:
    """Refuse a target that is not a real folder, or a non-empty one without `force`."""
    try:
        info = project.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise TargetExistsError(f"{project} is a symbolic link; archgen writes only into a folder")
    if not stat.S_ISDIR(info.st_mode):
        raise TargetExistsError(f"{project} exists and is not a directory")
    if not force and not pretend and any(project.iterdir()):
        raise TargetExistsError(f"{project} is not empty; use --force to render into it")


def _refuse(path: Path, what: str) -> TargetExistsError:
    return TargetExistsError(
        f"{path} is {what}; --force replaces only regular files, never a folder, a link or "
        "a special file of yours: move it away first"
    )


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file (FIFO, socket or device)"


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None


def force_targets(project: Path, files: Sequence[str]) -> list[str]:
    """The produced paths that hold a user's regular file; refuse every other clash.

    Every parent folder of a produced path must be a real folder (not a link,
    not a file) and the path itself absent or a regular file; the resolved
    target is then inside the project, which is proved once more.
    """
    real_root = project.resolve()
    replaced: list[str] = []
    checked: set[PurePosixPath] = set()
    backup = _lstat(project / BACKUP_DIR)
    if backup is not None and not stat.S_ISDIR(backup.st_mode):
        what = _kind(backup.st_mode) + " (archgen keeps backups there)"
        raise _refuse(project / BACKUP_DIR, what)
    for rel in files:
        parts = PurePosixPath(rel)
        for parent in reversed(parts.parents[:-1]):  # the folders between the project and rel
            if parent in checked:
                continue
            info = _lstat(project / parent)
            if info is None:
                break
            if not stat.S_ISDIR(info.st_mode):
                what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "a file"
                raise _refuse(project / parent, f"{what} where the project has a folder")
            checked.add(parent)
        info = _lstat(project / rel)
        if info is not None:
            if not stat.S_ISREG(info.st_mode):
                raise _refuse(project / rel, _kind(info.st_mode))
            replaced.append(rel)
        if not (project / rel).resolve().is_relative_to(real_root):
            raise _refuse(project / rel, "outside the project once resolved")
    return replaced


@dataclass
class _Move:
    """The moves from the staged project into the target, and how to undo them."""

    project: Path
    staged: Path
    files: Sequence[str]
    mode: Mode
    replaced: list[str] = field(default_factory=list)
    backup: Path | None = None
    old_mode: int | None = None
    done: list[tuple[str, bool]] = field(default_factory=list)
    made: list[Path] = field(default_factory=list)
    placed: bool = False

    def apply(self) -> None:
        """Move everything in; signals wait until it is whole, an error undoes it."""
        with interrupts.critical():
            try:
                self._apply()
            except BaseException:
                self.undo()
                raise

    def _apply(self) -> None:
        if self.mode != "merge":
            self.staged.replace(self.project)  # atomic, also onto an empty folder
            self.placed = True
            if self.old_mode is not None:
                self.project.chmod(self.old_mode)
            return
        self.placed = True
        for rel in self.files:
            target = self.project / rel
            self._make_parents(target.parent)
            had = _lstat(target) is not None
            if had:
                assert self.backup is not None
                self._make_parents(self.backup / Path(rel).parent)
                target.replace(self.backup / rel)
            self.done.append((rel, had))
            (self.staged / rel).replace(target)

    def _make_parents(self, directory: Path) -> None:
        missing = [d for d in [directory, *directory.parents] if _lstat(d) is None]
        for path in reversed(missing):
            path.mkdir()
            self.made.append(path)

    def undo(self) -> None:
        """Put back what was there before `apply` (call with signals blocked)."""
        if not self.placed:
            return
        self.placed = False
        if self.mode != "merge":
            with contextlib.suppress(OSError):
                self.project.replace(self.staged)
                if self.mode == "empty":
                    self.project.mkdir()
                    if self.old_mode is not None:
                        self.project.chmod(self.old_mode)
            return
        for rel, had in reversed(self.done):
            with contextlib.suppress(OSError):
                (self.project / rel).replace(self.staged / rel)
            if had and self.backup is not None:
                with contextlib.suppress(OSError):
                    (self.backup / rel).replace(self.project / rel)
        self.done.clear()
        for directory in reversed(self.made):  # made by this run: whatever is inside is new
            shutil.rmtree(directory, ignore_errors=True)
        self.made.clear()


def _backup_dir(project: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    candidate, n = project / BACKUP_DIR / stamp, 1
    while _lstat(candidate) is not None:
        candidate, n = project / BACKUP_DIR / f"{stamp}-{n}", n + 1
    return candidate


def _plan_move(project: Path, staged: Path, files: Sequence[str], *, force: bool) -> _Move:
    info = _lstat(project)
    if info is None:
        return _Move(project, staged, files, "new")
    check_target(project, force=force)
    if not any(project.iterdir()):
        return _Move(project, staged, files, "empty", old_mode=stat.S_IMODE(info.st_mode))
    replaced = force_targets(project, files)
    backup = _backup_dir(project) if replaced else None
    return _Move(project, staged, files, "merge", replaced=replaced, backup=backup)


def _missing_parents(path: Path) -> list[Path]:
    missing: list[Path] = []
    for candidate in [path, *path.parents]:
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def _remove_dirs(dirs: Sequence[Path]) -> None:
    for path in dirs:
        with contextlib.suppress(OSError):
            path.rmdir()


def place_project(
    project: Path,
    render: Callable[[Path], list[str]],
    *,
    force: bool = False,
    after_placed: Callable[[Path], object] | None = None,
) -> Placed:
    """Render with `render(dest)` into staging, move it to `project`, run `after_placed`, commit.

    `render` returns the relative paths it wrote. Until the commit, an error
    or a signal leaves the old tree (or nothing) and no staging folder.
    """
    check_target(project, force=force)
    output_dir = project.parent
    created = _missing_parents(output_dir)
    staging: Path | None = None
    move: _Move | None = None
    committed = False
    try:
        with interrupts.critical():
            output_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{project.name}.archgen-", dir=output_dir))
        files = render(staging / "project")
        move = _plan_move(project, staging / "project", files, force=force)
        move.apply()
        if after_placed is not None:
            after_placed(project)
        with interrupts.critical():  # the commit: from here on the command has succeeded
            shutil.rmtree(staging, ignore_errors=True)
            committed = True
            interrupts.hold()
    except BaseException as err:
        if not committed:
            with interrupts.critical():
                if move is not None:
                    move.undo()
                if staging is not None:
                    shutil.rmtree(staging, ignore_errors=True)
                _remove_dirs(created)
        if isinstance(err, OSError):
            raise RenderError(f"cannot write {project}: {err.strerror or err}") from err
        raise
    assert move is not None
    return Placed(project, list(files), move.replaced, move.backup)
