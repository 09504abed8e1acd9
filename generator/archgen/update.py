"""`archgen update` and `archgen check`: keep a generated project current, report its drift.

Update renders the project's recorded answers twice, with the templates it
was made with (old) and with the current ones (new), and three-way merges the
difference into the user's tree: user edits stay, template changes arrive,
clashes get standard conflict markers. Results are staged first and applied
under a journal, so an interrupted update leaves the tree as it was.

Where the old templates come from, in order: `--from DIR`; the snapshot that
`archgen new` keeps per archgen version in the user cache
(`snapshots.snapshot_templates()`); the current templates when the recorded version is
the running one; otherwise an error that says how to supply them.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from archgen import __version__
from archgen.answers import build_requirements, dump_record, load_record
from archgen.errors import AnswersError, ConflictsError, PackError, UpdateError
from archgen.merge import (
    WORK_DIR,
    FileChange,
    apply_results,
    has_conflict_markers,
    inside,
    recover,
    refuse_committed_work_dir,
    three_way,
    unified_diff,
)
from archgen.pack_manifest import Pack
from archgen.pack_sources import load_pack
from archgen.packs import AppliedPack, apply_pack
from archgen.record import RECORD_FILE, ProjectRecord
from archgen.requirements import Requirements
from archgen.safe_io import UnsafeInput, load_yaml_file, read_text
from archgen.snapshots import cached_pack, old_template_root, pack_cache_root

SKIP_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__", WORK_DIR})


@dataclass(frozen=True)
class RenderRequest:
    """One render of a project: its record, which templates, which pack."""

    record: ProjectRecord
    template_root: Path | None
    """None means the built-in templates of the running archgen."""
    pack: AppliedPack | None = None


class Renderer(Protocol):
    """Renders a request into the empty folder `dest`; returns the record with its pattern."""

    def __call__(self, request: RenderRequest, dest: Path) -> ProjectRecord: ...


def default_renderer(request: RenderRequest, dest: Path) -> ProjectRecord:
    """Render the request with the one pipeline `archgen new` runs (the pack already applied)."""
    from archgen.pipeline import Pipeline

    pipeline = Pipeline.for_applied(request.pack)
    return pipeline.render_into(request.record, dest, template_root=request.template_root)


@dataclass(frozen=True)
class UpdateResult:
    """The outcome of an update: per-file changes, conflicts, the diff and the new record."""

    changes: list[FileChange]
    diff: str
    record: ProjectRecord
    warnings: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def conflicts(self) -> list[str]:
        return [c.path for c in self.changes if c.action == "conflict"]


# -- reading the project -------------------------------------------------------


def load_project_record(root: Path) -> ProjectRecord:
    """The `.archgen.yaml` of a generated project."""
    path = root / RECORD_FILE
    if not path.is_file():
        raise UpdateError(f"{root}: no {RECORD_FILE}; run this inside a project made by archgen")
    return load_record(path)


def dump_project_record(record: ProjectRecord) -> str:
    """`.archgen.yaml` text for a record (the same text `archgen new` writes)."""
    return dump_record(record)


def apply_sets(record: ProjectRecord, sets: Sequence[str]) -> ProjectRecord:
    """Apply `key=value` changes to the answers (or to the pack's answers)."""
    answers = record.answers.as_answers()
    pack_answers = dict(record.pack_answers)
    origins: dict[str, str] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AnswersError(f"--set {item}: expected key=value")
        if key in Requirements.model_fields:
            answers[key] = value
            origins[key] = f"--set {key}"
        elif key in pack_answers:
            pack_answers[key] = value
        else:
            raise AnswersError(f"--set {key}: unknown answer")
    new_answers = build_requirements(answers, origins)
    return record.model_copy(update={"answers": new_answers, "pack_answers": pack_answers})


def _git_dirty(root: Path) -> list[str] | None:
    """Changed paths of the git work tree holding `root`, or None outside git."""
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return [line[3:] for line in done.stdout.splitlines() if line.strip()]


def _files(root: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if SKIP_DIRS.intersection(rel.parts) or not path.is_file() or path.is_symlink():
            continue
        out[rel.as_posix()] = path
    return out


def _project_dir(dest: Path) -> Path:
    """The rendered project inside `dest` (renderers may write into a slug folder)."""
    if (dest / RECORD_FILE).exists():
        return dest
    children = [p for p in dest.iterdir()]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return dest


def _render(renderer: Renderer, request: RenderRequest, dest: Path) -> tuple[ProjectRecord, Path]:
    dest.mkdir(parents=True)
    record = renderer(request, dest)
    return record, _project_dir(dest)


def _current_pack(record: ProjectRecord) -> Pack | None:
    """The recorded pack as it is now: from its recorded source, else by name."""
    if record.pack is None:
        return None
    try:
        return load_pack(record.pack.source or record.pack.name)
    except PackError:
        if not record.pack.source:
            raise
        # the recorded source moved (or names an entry point): look the pack up by name
        return load_pack(record.pack.name)


def _old_pack(
    record: ProjectRecord, current: Pack | None, from_pack: Path | None, warnings: list[str]
) -> Pack | None:
    """The pack version the project was made with: --from-pack, the cache, or the current one."""
    if record.pack is None or current is None:
        return None
    if from_pack is not None:
        return load_pack(str(from_pack))
    wanted = record.pack.version
    if current.manifest.version == wanted:
        return current
    snapshot = cached_pack(record.pack.name, wanted)
    if snapshot is not None:
        return load_pack(str(snapshot))
    warnings.append(
        f"pack {record.pack.name} {wanted} is not in {pack_cache_root() / record.pack.name}; "
        "the old side uses "
        f"{current.manifest.version}, so that pack's own changes are not merged "
        "(pass --from-pack DIR with the old pack to merge them)"
    )
    return current


def _apply(record: ProjectRecord, pack: Pack | None) -> AppliedPack | None:
    """Apply a pack for rendering; update never runs hooks, so trust is not asked for."""
    return apply_pack(record, pack, trust=True) if pack is not None else None


# -- update --------------------------------------------------------------------


def update(
    project_dir: Path,
    *,
    dry_run: bool = False,
    sets: Sequence[str] = (),
    allow_dirty: bool = False,
    from_dir: Path | None = None,
    from_pack: Path | None = None,
    renderer: Renderer | None = None,
) -> UpdateResult:
    """Bring a generated project to the current templates (and changed answers), keeping edits.

    Raises UpdateError when the tree is dirty (unless `allow_dirty`), when an
    earlier update's conflicts are unresolved, or when the old templates
    cannot be found. Conflicts of this update are in the result; the caller
    decides the exit code.
    """
    root = project_dir.resolve()
    render = renderer or default_renderer
    warnings: list[str] = []
    refuse_committed_work_dir(root)
    if recover(root):  # validates the whole journal before touching anything
        warnings.append("an interrupted update was rolled back first")
    record = load_project_record(root)
    if not dry_run and not allow_dirty:
        dirty = _git_dirty(root)
        if dirty:
            shown = ", ".join(dirty[:5]) + (" ..." if len(dirty) > 5 else "")
            raise UpdateError(
                f"the git tree has uncommitted changes ({shown}); commit them or pass --allow-dirty"
            )
    old_root = old_template_root(record, from_dir)
    new_record = apply_sets(record, sets) if sets else record
    if sets:
        new_record = new_record.model_copy(update={"pattern": None})
    current_pack = _current_pack(record)
    old_pack = _apply(record, _old_pack(record, current_pack, from_pack, warnings))
    new_pack = _apply(new_record, current_pack)
    if new_pack is not None:
        new_record = new_pack.record
    with tempfile.TemporaryDirectory(prefix="archgen-update-") as tmp:
        _, old_dir = _render(render, RenderRequest(record, old_root, old_pack), Path(tmp) / "old")
        # the new side is what this archgen renders: its templates, its component pin
        current = new_record.model_copy(update={"archgen_version": __version__})
        final, new_dir = _render(render, RenderRequest(current, None, new_pack), Path(tmp) / "new")
        final = final.model_copy(update={"archgen_version": __version__})
        if record.pattern is not None and final.pattern != record.pattern:
            warnings.append(
                f"the answers now call for the {final.pattern} pattern instead of "
                f"{record.pattern}: the update adds and removes the files of that change"
            )
        old, new = _files(old_dir), _files(new_dir)
        # only the paths archgen renders matter; the user's data and venvs are never walked,
        # and none is reached through a link or replaces a folder
        for rel in sorted(set(old) | set(new)):
            inside(root, rel)
        mine = {rel: root / rel for rel in set(old) | set(new) if (root / rel).is_file()}
        unresolved = [
            rel
            for rel in sorted(set(old) | set(new))
            if rel in mine and has_conflict_markers(mine[rel].read_bytes())
        ]
        if unresolved:
            raise ConflictsError(
                f"resolve the conflicts of the last update first: {', '.join(unresolved)}"
            )
        changes, results = three_way(old, new, mine, skip={RECORD_FILE})
        record_text = dump_project_record(final)
        try:
            current_record = read_text(root / RECORD_FILE)
        except (OSError, UnsafeInput) as err:
            raise UpdateError(f"{root / RECORD_FILE}: {err}") from err
        if record_text != current_record:
            results[RECORD_FILE] = record_text.encode()
            changes.append(FileChange(RECORD_FILE, "update", "answers and versions"))
        for rel in results:  # every path the update would write, proven inside the project
            inside(root, rel)
        diff = unified_diff(root, results)
        if dry_run:
            return UpdateResult(changes, diff, final, warnings, applied=False)
        apply_results(root, results, {rel: new[rel].stat().st_mode for rel in new})
    return UpdateResult(changes, diff, final, warnings, applied=True)


# -- check ---------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """One difference between `.archgen.yaml` and the project."""

    kind: Literal["config", "missing", "invalid"]
    path: str
    detail: str


@dataclass(frozen=True)
class CheckReport:
    """What `archgen check` found; `ok` when nothing drifted."""

    drift: list[Drift]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.drift


def check(
    project_dir: Path, *, from_dir: Path | None = None, renderer: Renderer | None = None
) -> CheckReport:
    """Compare the project with what its `.archgen.yaml` renders to; change nothing.

    Reports stack config values (`Pulumi.<stack>.yaml`) that differ from the
    sized ones or that AWS would reject (`aws_limits`), and rendered files that
    are missing from the project.
    """
    root = project_dir.resolve()
    record = load_project_record(root)
    notes: list[str] = []
    try:
        templates = old_template_root(record, from_dir)
    except UpdateError as err:
        templates = None
        notes.append(f"{err}; compared against the current templates")
    with tempfile.TemporaryDirectory(prefix="archgen-check-") as tmp:
        current = _current_pack(record)
        pack = _apply(record, _old_pack(record, current, None, notes))
        _, expected_dir = _render(
            renderer or default_renderer, RenderRequest(record, templates, pack), Path(tmp) / "e"
        )
        expected = _files(expected_dir)
        drift = [
            Drift("missing", rel, "rendered from .archgen.yaml but missing")
            for rel in sorted(expected)
            if not (root / rel).is_file()
        ]
        for rel in sorted(r for r in expected if _is_stack_config(r) and (root / r).is_file()):
            drift.extend(_config_drift(rel, expected[rel], root / rel))
    drift.extend(_invalid_config(root))
    notes.extend(_component_pin_notes(root))
    return CheckReport(drift, notes)


def _invalid_config(root: Path) -> list[Drift]:
    """Every stack config value AWS would reject, found before any deploy."""
    from archgen.aws_limits import check_project_stacks

    found = []
    for problem in check_project_stacks(root):
        name, _, detail = problem.partition(": ")
        found.append(Drift("invalid", f"infra/{name}", detail))
    return found


def _component_pin_notes(root: Path) -> list[str]:
    """A note when the project pins another component library release than this archgen's."""
    from archgen.render_plan import STACKS_DISTRIBUTION

    path = root / "infra" / "requirements.txt"
    try:
        text = read_text(path)
    except (OSError, UnsafeInput):
        return []
    prefix = f"{STACKS_DISTRIBUTION}=="
    for line in text.splitlines():
        if line.strip().startswith(prefix):
            pinned = line.strip()[len(prefix) :]
            if pinned != __version__:
                return [
                    f"infra/requirements.txt pins {STACKS_DISTRIBUTION} {pinned}; this archgen "
                    f"ships {__version__}: `archgen update` proposes the new version"
                ]
    return []


def _is_stack_config(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("Pulumi.") and name.endswith((".yaml", ".yml")) and name.count(".") == 2


def _config_of(path: Path) -> dict[str, Any]:
    data = load_yaml_file(path, error=UpdateError, what="stack config") or {}
    config = data.get("config", {}) if isinstance(data, dict) else {}
    return config if isinstance(config, dict) else {}


def _config_drift(rel: str, expected_path: Path, actual_path: Path) -> Iterable[Drift]:
    expected, actual = _config_of(expected_path), _config_of(actual_path)
    for key, value in expected.items():
        if key not in actual:
            yield Drift("config", rel, f"{key} is missing (sized: {value!r})")
        elif actual[key] != value:
            detail = f"{key} is {actual[key]!r}, .archgen.yaml sizes it {value!r}"
            yield Drift("config", rel, detail)
