"""Snapshots of templates and packs in the user cache, so `archgen update` can render the old side.

`archgen new` copies the running archgen's templates (per version) and the pack
it used (per name and version) into the user cache; update and check find the
templates a project was made with here.

The cache heals itself. An entry is written under a unique temporary name
(`.<entry>-*`) and renamed into place, under an exclusive lock on
`<folder>/<folder>.lock`; its manifest (`.archgen-snapshot.json`, every file's
SHA-256) is written last, and an entry whose files do not match its manifest
(half-deleted, half-written, from an older archgen) counts as absent and is
rebuilt. Debris of a killed run (`.<entry>-*`, `<entry>.old`) is removed by
the next one. A run that finds the entry already complete copies nothing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from archgen import __version__, interrupts
from archgen.errors import UpdateError
from archgen.pack_manifest import Pack
from archgen.packs import builtin_template_root
from archgen.record import ProjectRecord
from archgen.safe_io import UnsafeInput, quote, read_text

MANIFEST = ".archgen-snapshot.json"
"""Inside an entry, written last: relative path -> SHA-256 of every file."""
LOCK_TIMEOUT_S = 60.0
_SKIPPED = frozenset({"__pycache__", ".git", MANIFEST})
_DEBRIS_SUFFIXES = (".old", ".tmp", ".partial")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")


def cache_root() -> Path:
    """The per-version template snapshots (`user_cache_dir("archgen")/templates`)."""
    return Path(platformdirs.user_cache_dir("archgen")) / "templates"


def pack_cache_root() -> Path:
    """The per-version pack snapshots (`user_cache_dir("archgen")/packs/<name>/<version>`)."""
    return Path(platformdirs.user_cache_dir("archgen")) / "packs"


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    """The regular files under `root` (sorted, relative), without caches, VCS data or links."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if name in _SKIPPED or name.endswith((".pyc", ".pyo")):
                continue
            if stat.S_ISREG(path.lstat().st_mode):
                yield path.relative_to(root).as_posix(), path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file a snapshot of `root` holds."""
    return {rel: _sha256(path) for rel, path in _files(root)}


def _manifest(entry: Path) -> dict[str, str] | None:
    try:
        data = json.loads(read_text(entry / MANIFEST))
    except (OSError, UnsafeInput, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return None
    return {str(k): v for k, v in files.items()}


def verified(entry: Path, expected: dict[str, str] | None = None) -> bool:
    """True when `entry` is a complete snapshot (of `expected`, when given): every file matches."""
    try:
        if not stat.S_ISDIR(entry.lstat().st_mode):
            return False
    except OSError:
        return False
    manifest = _manifest(entry)
    if manifest is None or (expected is not None and manifest != expected):
        return False
    try:
        return digest(entry) == manifest
    except OSError:
        return False


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder/<folder>.lock` (the file stays; the lock goes with the fd)."""
    fd = os.open(folder / f"{folder.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def _clean_debris(folder: Path) -> None:
    """Remove what killed runs left in `folder`: `.<entry>-*` temporaries and `*.old` entries."""
    for child in folder.iterdir():
        name = child.name
        if name.endswith(".lock"):
            continue
        if name.startswith(".") or name.endswith(_DEBRIS_SUFFIXES):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def _copy(src: Path, dest: Path, files: dict[str, str]) -> None:
    """Copy the listed files; stop (Interrupted) when a signal came after the project was done."""
    for rel in files:
        signum = interrupts.received()
        if signum is not None:
            raise interrupts.Interrupted(signum)
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / rel, target)
    (dest / MANIFEST).write_text(json.dumps({"files": files}, sort_keys=True), encoding="utf-8")


def _replace_copy(src: Path, dest: Path, what: str) -> Path:
    """Make `dest` a verified copy of `src`, atomically, under the folder's lock."""
    folder = dest.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder):
            _clean_debris(folder)
            wanted = digest(src)
            if verified(dest, wanted):
                return dest
            tmp: Path | None = None
            try:
                with interrupts.critical():
                    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=folder))
                _copy(src, tmp / "entry", wanted)
                with interrupts.critical():  # `dest` is never missing nor half-replaced
                    if dest.is_symlink() or dest.is_file():
                        dest.unlink()
                    elif dest.exists():
                        dest.rename(tmp / "old")
                    (tmp / "entry").rename(dest)
            finally:
                if tmp is not None:
                    with interrupts.critical():
                        shutil.rmtree(tmp, ignore_errors=True)
    except OSError as err:
        raise UpdateError(f"cannot snapshot {what} into {dest}: {err.strerror or err}") from err
    return dest


def snapshot_templates(
    version: str = __version__, *, source: Path | None = None, cache: Path | None = None
) -> Path:
    """Copy the templates of this archgen into the cache under `version`; return the copy.

    `archgen new` calls it on each render, so `archgen update` can later
    render a project with the templates it was made with.
    """
    dest = (cache or cache_root()) / version
    return _replace_copy(source or builtin_template_root(), dest, "the templates")


def snapshot_pack(pack: Pack, *, cache: Path | None = None) -> Path:
    """Copy a pack into the cache under its name and version; return the copy.

    `archgen new` calls it when a pack is used, so `archgen update` can render
    the old side with the pack version the project was made with.
    """
    dest = (cache or pack_cache_root()) / pack.manifest.name / pack.manifest.version
    return _replace_copy(pack.root, dest, f"pack {pack.manifest.name}")


def remember_sources(pack: Pack | None = None) -> None:
    """Snapshot the running templates (and the pack) for later updates; `new` calls this."""
    snapshot_templates()
    if pack is not None:
        snapshot_pack(pack)


def _entry_name(value: str, what: str) -> str:
    """A name read from a project record, safe as one path component of the cache."""
    if not _NAME.fullmatch(value) or value in (".", ".."):
        raise UpdateError(f"{what} {quote(value)} in .archgen.yaml is not a valid name")
    return value


def cached_pack(name: str, version: str) -> Path | None:
    """The verified snapshot of pack `name` at `version`, if the cache holds one."""
    folder = pack_cache_root() / _entry_name(name, "pack name")
    entry = folder / _entry_name(version, "pack version")
    return entry if verified(entry) else None


def old_template_root(
    record: ProjectRecord, from_dir: Path | None = None, *, cache: Path | None = None
) -> Path | None:
    """The templates the project was made with (None: the current built-in ones)."""
    if from_dir is not None:
        if not from_dir.is_dir():
            raise UpdateError(f"--from {from_dir}: not a folder")
        return from_dir
    made_with = _entry_name(record.archgen_version or __version__, "archgen_version")
    snapshot = (cache or cache_root()) / made_with
    if verified(snapshot):
        return snapshot
    if made_with == __version__:
        return None
    state = "incomplete" if snapshot.exists() else "not"
    raise UpdateError(
        f"the templates of archgen {made_with} are {state} in {snapshot.parent}; pass "
        f"--from DIR with the templates/ folder of archgen {made_with} (e.g. from a checkout)"
    )
