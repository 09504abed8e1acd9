"""Snapshots of templates and packs in the user cache, so `archgen update` can render the old side.

`archgen new` copies the running archgen's templates (per version) and the pack
it used (per name and version) into the user cache; update and check find the
templates a project was made with here.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import platformdirs

from archgen import __version__
from archgen.errors import UpdateError
from archgen.pack_manifest import Pack
from archgen.packs import builtin_template_root
from archgen.record import ProjectRecord


def cache_root() -> Path:
    """The per-version template snapshots (`user_cache_dir("archgen")/templates`)."""
    return Path(platformdirs.user_cache_dir("archgen")) / "templates"


def pack_cache_root() -> Path:
    """The per-version pack snapshots (`user_cache_dir("archgen")/packs/<name>/<version>`)."""
    return Path(platformdirs.user_cache_dir("archgen")) / "packs"


def _replace_copy(src: Path, dest: Path, what: str) -> Path:
    """Copy `src` to `dest`, replacing an older copy without leaving a half-written one."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".git")
        shutil.copytree(src, tmp / "t", ignore=ignore)
        old = dest.with_name(dest.name + ".old")
        if dest.exists():
            dest.rename(old)
        (tmp / "t").rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as err:
        raise UpdateError(f"cannot snapshot {what} into {dest}: {err}") from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
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


def old_template_root(
    record: ProjectRecord, from_dir: Path | None = None, *, cache: Path | None = None
) -> Path | None:
    """The templates the project was made with (None: the current built-in ones)."""
    if from_dir is not None:
        if not from_dir.is_dir():
            raise UpdateError(f"--from {from_dir}: not a folder")
        return from_dir
    made_with = record.archgen_version or __version__
    snapshot = (cache or cache_root()) / made_with
    if snapshot.is_dir():
        return snapshot
    if made_with == __version__:
        return None
    raise UpdateError(
        f"the templates of archgen {made_with} are not in {snapshot.parent}; pass "
        f"--from DIR with the templates/ folder of archgen {made_with} (e.g. from a checkout)"
    )
