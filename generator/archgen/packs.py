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
from archgen.pack_manifest import HookStage, Pack, PackQuestion
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
from archgen.safe_io import quote
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
    rules = manifest.constraints
    constraints = Constraints(
        forbid=list(rules.forbid),
        forbid_components=list(rules.forbid_components),
        forbid_services=list(rules.forbid_services),
        max_budget_usd=rules.max_budget_usd,
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
    """Each question's answer (given, else recorded, else its default), validated."""
    name = pack.manifest.name
    known = {q.key: q for q in pack.manifest.questions}
    unknown = sorted((set(recorded) | set(given)) - set(known), key=str)
    if unknown:
        listed = ", ".join(quote(k) for k in unknown[:5])
        raise PackError(f"pack {name}: unknown pack answer(s): {listed}")
    result: dict[str, Any] = {}
    for key, q in known.items():
        value = given.get(key, recorded.get(key, q.default))
        result[key] = check_pack_answer(name, q, value)
    return result


_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})


def check_pack_answer(pack_name: str, q: PackQuestion, value: Any) -> Any:
    """`value` as an answer to `q`: of its default's type (a typed text is parsed), and one of
    its choices when it has some. Anything else is a PackError quoting the value."""
    if value is None:
        return None
    where = f"pack {pack_name}: answer {q.key}={quote(value)}"
    if not isinstance(value, str | int | float | bool):
        raise PackError(f"{where} is a {type(value).__name__}, not a single value")
    kind = type(q.default) if q.default is not None else str
    try:
        typed = _as_type(kind, value)
    except ValueError:
        raise PackError(f"{where} is not {_KIND_NAMES[kind]} (the type of its default)") from None
    if q.choices and str(typed) not in q.choices:
        raise PackError(f"{where} is not one of {', '.join(q.choices)}")
    return typed


_KIND_NAMES: dict[type, str] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "text",
}


def _as_type(kind: type, value: str | int | float | bool) -> Any:
    """`value` converted to `kind` (bool, int, float or str); ValueError when it is not one."""
    text = str(value).strip()
    if kind is bool:
        if isinstance(value, bool):
            return value
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError(text)
    if isinstance(value, bool):
        if kind is str:
            return str(value).lower()
        raise ValueError(text)
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(text)
        return int(value) if not isinstance(value, str) else int(text)
    if kind is float:
        return float(value) if not isinstance(value, str) else float(text)
    return value if isinstance(value, str) else text


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
