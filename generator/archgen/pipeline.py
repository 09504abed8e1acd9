"""One archgen run: the team pack resolved once, the plan made once, the project rendered once.

A `Pipeline` holds a run's inputs (which pack, whether it is trusted) and
serves every command the same way, as copier's Worker serves copy and update:

- `plan(record)` -> Plan: the pack's constraints and settings applied to the
  pure `make_plan` (candidates sized and priced once, decided, finalized);
- `run_recommend(record)` -> Plan;
- `run_new(record, output_dir, ...)` -> NewResult: plan, hooks, render, the
  template snapshot that `archgen update` reads later;
- `render_into(record, dest, template_root)` -> the record as rendered: what
  `archgen update` and `archgen check` render the old and new sides with.

The CLI only parses, prompts and prints around these; a library caller gets
the same behaviour. Loading a pack may clone a repository, so it happens at
most once per Pipeline; applying it to a record is cached per pack answers.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archgen import __version__
from archgen.errors import ArchgenError
from archgen.plan import Plan
from archgen.record import ProjectRecord

if TYPE_CHECKING:
    from archgen.pack_manifest import Pack, PackQuestion
    from archgen.packs import AppliedPack


@dataclass(frozen=True)
class NewResult:
    """What `archgen new` produced: the plan, where the project went, the files written."""

    plan: Plan
    path: Path
    files: list[str] = field(default_factory=list)
    pretend: bool = False
    notes: list[str] = field(default_factory=list)
    """What a team pack changed that the user should know (replaced components, files)."""
    warnings: list[str] = field(default_factory=list)
    """Problems after the project was committed (the template snapshot): it is still complete."""
    replaced: list[str] = field(default_factory=list)
    """The user's files that `--force` replaced (relative to the project)."""
    backup: Path | None = None
    """Where the replaced files are kept (`<project>/.archgen-backup/<UTC timestamp>`)."""


class Pipeline:
    """The stages of one run, for `recommend`, `new`, `update` and `check` alike."""

    def __init__(self, pack: str | Pack | None = None, *, trust: bool = False) -> None:
        self._pack_ref = pack
        self.trust = trust
        self._applied: dict[str, AppliedPack] = {}

    @classmethod
    def for_applied(cls, applied: AppliedPack | None) -> Pipeline:
        """A pipeline over a pack already applied to a record (update's old and new sides)."""
        pipeline = cls(applied.pack if applied is not None else None, trust=True)
        if applied is not None:
            pipeline._applied[_answers_key(applied.record)] = applied
        return pipeline

    # -- the team pack -----------------------------------------------------

    @cached_property
    def pack(self) -> Pack | None:
        """The team pack of this run, loaded (or cloned) once; None without one."""
        if self._pack_ref is None:
            return None
        if not isinstance(self._pack_ref, str):
            return self._pack_ref
        sources = importlib.import_module("archgen.pack_sources")
        loaded: Pack = sources.load_pack(self._pack_ref)
        return loaded

    def answer_defaults(self) -> dict[str, Any]:
        """Defaults the pack sets for built-in questions (its region, say)."""
        pack = self.pack
        if pack is None or not pack.manifest.defaults.region:
            return {}
        return {"region": pack.manifest.defaults.region}

    def questions(self) -> list[PackQuestion]:
        """The pack's own questions, asked after the built-in ones."""
        return list(self.pack.manifest.questions) if self.pack is not None else []

    def apply(self, record: ProjectRecord) -> AppliedPack | None:
        """What the pack contributes to `record` (validated once per set of pack answers)."""
        pack = self.pack
        if pack is None:
            return None
        key = _answers_key(record)
        if key not in self._applied:
            packs = importlib.import_module("archgen.packs")
            self._applied[key] = packs.apply_pack(record, pack, trust=self.trust)
        return self._applied[key]

    # -- planning ----------------------------------------------------------

    def plan(self, record: ProjectRecord) -> Plan:
        """Decide, size and price `record` under the pack's constraints and settings."""
        from archgen.api import make_plan

        applied = self.apply(record)
        if applied is None:
            return make_plan(record)
        return make_plan(
            applied.record,
            constraints=applied.constraints,
            settings_overrides=applied.settings_overrides,
        )

    def run_recommend(self, record: ProjectRecord) -> Plan:
        """The plan `archgen recommend` prints."""
        return self.plan(record)

    # -- rendering ---------------------------------------------------------

    def _render_inputs(self, record: ProjectRecord, plan: Plan) -> dict[str, Any]:
        applied = self.apply(record)
        if applied is None:
            return {}
        return {
            "overlays": list(applied.overlays_for(plan.decision.chosen)),
            "extra_context": applied.extra_context,
            "components": dict(applied.pack.manifest.components),
        }

    def render_into(
        self, record: ProjectRecord, dest: Path, template_root: Path | None = None
    ) -> ProjectRecord:
        """Render `record` into the empty folder `dest` (no atomicity, no hooks)."""
        from archgen.render import render_tree

        plan = self.plan(record)
        render_tree(plan, dest, template_root=template_root, **self._render_inputs(record, plan))
        return record.model_copy(update={"pattern": plan.decision.chosen})

    def run_new(
        self,
        record: ProjectRecord,
        output_dir: Path,
        *,
        force: bool = False,
        pretend: bool = False,
    ) -> NewResult:
        """Plan the project, run the pack's hooks and render into `output_dir/<project_name>`.

        All-or-nothing: the project is committed only once the post_gen hooks
        passed; a failing hook, an error or a signal before that leaves the
        old tree (or nothing). The template snapshot that `archgen update`
        reads is taken afterwards; its failure is a warning, not a failure.
        The project is made by this archgen, so it records (and pins the
        component library at) this version whatever version the answers file names.
        """
        from archgen.render import render_project

        record = record.model_copy(update={"archgen_version": __version__})
        plan = self.plan(record)
        applied = self.apply(record)
        target = Path(output_dir) / plan.record.answers.project_name
        _check_usable(target)
        if applied is not None and not pretend:
            applied.run_hooks("pre_gen", target)
        after_placed = None
        if applied is not None and not pretend:
            hooks = applied

            def after_placed(path: Path) -> object:
                return hooks.run_hooks("post_gen", path)

        result = render_project(
            plan,
            Path(output_dir),
            force=force,
            pretend=pretend,
            after_placed=after_placed,
            **self._render_inputs(record, plan),
        )
        warnings = [] if pretend else self._remember_sources()
        return NewResult(
            plan=plan,
            path=result.path,
            files=list(result.files),
            pretend=pretend,
            notes=self.notes(),
            warnings=warnings,
            replaced=list(result.replaced),
            backup=result.backup,
        )

    def _remember_sources(self) -> list[str]:
        """Snapshot the templates (and pack) for `archgen update`; a problem is a warning."""
        snapshots = importlib.import_module("archgen.snapshots")
        try:
            snapshots.remember_sources(self.pack)
        except (ArchgenError, OSError, KeyboardInterrupt) as err:
            reason = "it was interrupted" if isinstance(err, KeyboardInterrupt) else str(err)
            return [
                f"the project is complete, but the template snapshot that `archgen update` "
                f"uses failed ({reason}); the next `archgen new` retries it"
            ]
        return []

    def notes(self) -> list[str]:
        """Sentences on what the pack replaces of archgen's own parts."""
        pack = self.pack
        if pack is None:
            return []
        name = f"team pack {pack.manifest.name} {pack.manifest.version}"
        return [
            f"{name} replaces archgen's {part} component with {target} (infra/__main__.py)"
            for part, target in sorted(pack.manifest.components.items())
        ]


def _check_usable(target: Path) -> None:
    """A target the file system cannot even look up (NUL byte, name too long) is a usage error."""
    try:
        target.exists()
    except (OSError, ValueError) as err:
        from archgen.errors import UsageError
        from archgen.safe_io import quote

        reason = getattr(err, "strerror", None) or err
        raise UsageError(
            f"output folder {quote(str(target.parent))}: not usable ({reason})"
        ) from err


def _answers_key(record: ProjectRecord) -> str:
    """What a pack's application depends on besides the pack: the record's pack answers."""
    return json.dumps(record.pack_answers, sort_keys=True, default=str)
