"""Applying a team pack to a project: the inputs the plan and the renderer take (`AppliedPack`).

The pack's models live in `pack_manifest`, where packs come from and whether
they are trusted in `pack_sources`, and the check of their templates in
`pack_templates`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from archgen.errors import PackError
from archgen.pack_manifest import HookStage, Pack
from archgen.pack_sources import (
    UserConfig,
    is_trusted,
    load_pack,
    load_user_config,
    untrusted_message,
)
from archgen.pack_templates import BUILTIN_CONTEXT_KEYS, check_templates
from archgen.patterns import Pattern
from archgen.plan import Constraints
from archgen.record import PackRef, ProjectRecord
from archgen.render import layers_for
from archgen.stack_settings import StackSettings

COST_CENTRE_TAG = "CostCentre"


@dataclass(frozen=True)
class AppliedPack:
    """What a pack contributes to one project: the plan's inputs and the renderer's."""

    pack: Pack
    record: ProjectRecord
    """The record with `pack` and `pack_answers` filled in."""
    constraints: Constraints
    settings_overrides: dict[str, Any]
    """StackSettings field values (snake_case) for `make_plan(settings_overrides=...)`."""
    layer_overlays: dict[str, Path]
    extra_context: dict[str, Any]
    answer_defaults: dict[str, Any] = field(default_factory=dict)
    """Defaults for built-in questions (e.g. region) the CLI offers instead of its own."""
    trusted: bool = False

    @property
    def ref(self) -> PackRef:
        return self.pack.ref

    @property
    def overlays(self) -> list[Path]:
        """Every overlay directory of the pack, in manifest order."""
        return list(self.layer_overlays.values())

    def overlays_for(self, pattern: Pattern) -> list[Path]:
        """The overlays of the layers a project of `pattern` is made of."""
        wanted = layers_for(pattern)
        return [path for layer, path in self.layer_overlays.items() if layer in wanted]

    def run_hooks(self, stage: HookStage, project_dir: Path) -> list[str]:
        """Run the pack's hooks of `stage`; a failing hook raises PackError.

        Hooks run in `project_dir` when it exists (post_gen), else in the
        current directory (pre_gen, before anything is written); either way
        `ARCHGEN_PROJECT_DIR` names the project.
        """
        scripts = [rel for hook_stage, rel in self.pack.hooks() if hook_stage == stage]
        if not scripts:
            return []
        if not self.trusted:
            raise PackError(untrusted_message(self.pack))
        ran: list[str] = []
        env = {
            **os.environ,
            "ARCHGEN_PROJECT_DIR": str(project_dir),
            "ARCHGEN_PACK_DIR": str(self.pack.root),
            "ARCHGEN_CONTEXT": json.dumps(self.extra_context, sort_keys=True),
        }
        for rel in scripts:
            script = self.pack.root / rel
            argv = [sys.executable, str(script)] if script.suffix == ".py" else [str(script)]
            try:
                done = subprocess.run(
                    argv,
                    cwd=project_dir if project_dir.is_dir() else Path.cwd(),
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
            except OSError as err:
                raise PackError(f"pack {self.pack.manifest.name}: hook {rel}: {err}") from err
            if done.returncode != 0:
                last = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
                raise PackError(
                    f"pack {self.pack.manifest.name}: hook {rel} failed "
                    f"(exit {done.returncode}) {last[0]}".rstrip()
                )
            ran.append(rel)
        return ran


# -- applying ----------------------------------------------------------------


def apply_pack(
    record: ProjectRecord,
    pack: str | Pack,
    *,
    trust: bool = False,
    answers: Mapping[str, Any] | None = None,
    config: UserConfig | None = None,
) -> AppliedPack:
    """Validate a pack against a project and return what it contributes.

    Pack answers come from `answers`, then `record.pack_answers`, then the
    questions' defaults. A pack with hooks that is neither `trust`ed nor listed
    in the user config raises PackError naming the hooks; so do pack files
    that are not valid Jinja. Nothing is written.
    """
    config = config if config is not None else load_user_config()
    loaded = pack if isinstance(pack, Pack) else load_pack(pack, config=config)
    manifest = loaded.manifest
    trusted = trust or is_trusted(loaded, config)
    if loaded.hooks() and not trusted:
        raise PackError(untrusted_message(loaded))
    overlays = {layer: loaded.root / rel for layer, rel in manifest.layers.items()}
    pack_answers = _pack_answers(loaded, record.pack_answers, answers or {})
    tags = dict(manifest.defaults.tags)
    if manifest.defaults.cost_centre:
        tags[COST_CENTRE_TAG] = manifest.defaults.cost_centre
    for q in manifest.questions:
        if q.tag and pack_answers.get(q.key) not in (None, ""):
            tags[q.tag] = str(pack_answers[q.key])
    overrides = _settings_overrides(loaded, tags)
    constraints = Constraints(
        forbid=list(manifest.constraints.forbid),
        max_budget_usd=manifest.constraints.max_budget_usd,
        source=f"team pack {manifest.name} {manifest.version}",
    )
    answer_defaults = {"region": manifest.defaults.region} if manifest.defaults.region else {}
    extra_context: dict[str, Any] = {
        **pack_answers,
        "pack_name": manifest.name,
        "pack_version": manifest.version,
        "company_tags": tags,
    }
    known = BUILTIN_CONTEXT_KEYS | frozenset(extra_context)
    for overlay in overlays.values():
        check_templates(overlay, pack_name=manifest.name, pack_root=loaded.root, known=known)
    return AppliedPack(
        pack=loaded,
        record=record.model_copy(update={"pack": loaded.ref, "pack_answers": pack_answers}),
        constraints=constraints,
        settings_overrides=overrides,
        layer_overlays=overlays,
        extra_context=extra_context,
        answer_defaults=answer_defaults,
        trusted=trusted,
    )


def _pack_answers(
    pack: Pack, recorded: Mapping[str, Any], given: Mapping[str, Any]
) -> dict[str, Any]:
    name = pack.manifest.name
    known = {q.key: q for q in pack.manifest.questions}
    unknown = sorted((set(recorded) | set(given)) - set(known))
    if unknown:
        raise PackError(f"pack {name}: unknown pack answer(s): {', '.join(unknown)}")
    result: dict[str, Any] = {}
    for key, q in known.items():
        value = given.get(key, recorded.get(key, q.default))
        if q.choices and value is not None and str(value) not in q.choices:
            raise PackError(
                f"pack {name}: answer {key}={value!r} is not one of {', '.join(q.choices)}"
            )
        result[key] = value
    return result


def _settings_overrides(pack: Pack, tags: dict[str, str]) -> dict[str, Any]:
    d = pack.manifest.defaults
    wanted: dict[str, Any] = {"tags": tags} if tags else {}
    for key in ("name_prefix", "kms_key_arn", "existing_vpc_id"):
        if getattr(d, key):
            wanted[key] = getattr(d, key)
    for key in ("existing_private_subnet_ids", "existing_public_subnet_ids"):
        if getattr(d, key):
            wanted[key] = list(getattr(d, key))
    fields = StackSettings.__dataclass_fields__
    missing = sorted(k for k in wanted if k not in fields)
    if missing:
        raise PackError(
            f"pack {pack.manifest.name}: this archgen's stacks do not support {', '.join(missing)}"
        )
    return wanted


def pack_summary(pack: Pack) -> dict[str, Any]:
    """The manifest as plain data, with the pack's source, for `archgen packs show`."""
    return {"source": pack.source, **pack.manifest.model_dump(mode="json")}


def builtin_template_root() -> Path:
    """The folder holding the built-in template layers."""
    return Path(str(resources.files("archgen.templates")))
