"""Render a plan into a project: template layers and overlays, written atomically.

A layer is `<root>/<layer>/{{cookiecutter.project_slug}}/...` plus its
`cookiecutter.json` (so `cookiecutter --no-input <root>/<layer>` works alone) and
`layer.yaml`. Rendering walks the layers with one Jinja environment: every
layer writes into one staging directory, later layers replacing earlier files,
then the tree is moved into place all-or-nothing (`archgen.placement`). The
context comes from `render_plan`. The stack components are not copied: the
project pins the component library, `archgen-stacks`, at this archgen's version.
"""

from __future__ import annotations

import importlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
import yaml

from archgen import __version__
from archgen.errors import RenderError
from archgen.placement import check_target, place_project
from archgen.plan import Plan
from archgen.record import RECORD_FILE
from archgen.render_plan import (
    ROOT_DIR,
    STACKS_DISTRIBUTION,
    Layer,
    build_context,
    layers_for,
    load_layer,
    main_py,
    stacks_requirements,
    template_dir,
)

__all__ = [
    "ROOT_DIR",
    "STACKS_DISTRIBUTION",
    "Layer",
    "RenderResult",
    "build_context",
    "layers_for",
    "load_layer",
    "main_py",
    "record_text",
    "render_project",
    "render_tree",
    "stacks_requirements",
    "template_dir",
]


@dataclass(frozen=True)
class RenderResult:
    """Where the project went and which files (relative, sorted) were or would be written."""

    path: Path
    files: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    """The user's files that `--force` replaced (relative)."""
    backup: Path | None = None
    """Where the replaced files are kept, inside the project."""


def check_components(dest: Path, components: Mapping[str, str]) -> None:
    """Every replacement component's module was rendered into the project's infra/."""
    for part, target in sorted(components.items()):
        module = target.split(":")[0]
        path = dest / "infra" / Path(*module.split("."))
        if not (path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()):
            where = module.replace(".", "/")
            raise RenderError(f"component {part} = {target}: the pack renders no infra/{where}.py")


# -- rendering -------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    """Jinja's immutable sandbox: templates (a team pack's included) cannot reach dunder
    attributes, call unsafe methods or mutate values, so rendering runs no code."""
    return jinja2.sandbox.ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _layer_files(layer_dir: Path) -> Iterator[Path]:
    """The layer's files, sorted; a symlink or special file anywhere is a RenderError.

    A second line of defence behind the pack's own check: nothing is followed,
    so a template layer can never copy a file from outside itself.
    """
    root = layer_dir / ROOT_DIR
    for path in (layer_dir, root):
        if path.is_symlink():
            raise RenderError(f"{path}: is a symlink; template layers hold only regular files")
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in [*dirnames, *sorted(filenames)]:
            path = Path(dirpath, name)
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                kind = "a symlink" if stat.S_ISLNK(mode) else "not a regular file"
                raise RenderError(
                    f"{path}: is {kind}; template layers hold only regular files and folders"
                )
        for name in sorted(filenames):
            if not name.endswith((".pyc", ".pyo")):
                yield Path(dirpath, name)


def _render_layer(
    env: jinja2.Environment, name: str, layer_dir: Path, context: Mapping[str, Any], dest: Path
) -> list[str]:
    """Render one layer into `dest`, replacing files an earlier layer wrote.

    Any error a template raises while rendering (a Jinja error, a sandbox
    SecurityError, `1/0`, ...) is a one-line RenderError naming the layer (and
    the team pack, for an overlay), the file and the line.
    """
    values = {"cookiecutter": dict(context)}
    written: list[str] = []
    root = layer_dir / ROOT_DIR
    pack = context.get("pack_name") if name.startswith("overlay") else None
    owner = f"pack {pack}: {name}" if pack else f"layer {name!r}"
    for source in _layer_files(layer_dir):
        rel_template = source.relative_to(root).as_posix()
        where = f"{owner}, file {rel_template}"
        try:
            raw = source.read_bytes()
        except OSError as err:
            raise RenderError(f"{where}: cannot read ({err.strerror or err})") from err
        try:
            rel = env.from_string(rel_template).render(values)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                data = raw
            else:
                data = env.from_string(text).render(values).encode("utf-8")
        except jinja2.TemplateSyntaxError as err:
            raise RenderError(f"{where}, line {err.lineno}: {err.message}") from err
        except Exception as err:  # noqa: BLE001 - whatever a template raises is its error
            line = _template_line(err)
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise RenderError(f"{where}{line}: {message[:200]}") from err
        if not rel or rel.startswith("/") or ".." in Path(rel).parts:
            raise RenderError(f"{where}: renders to an unsafe path {rel!r}")
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o755 if os.access(source, os.X_OK) else 0o644)
        written.append(rel)
    return written


def _template_line(err: BaseException) -> str:
    """`, line N` of the innermost template frame of `err`'s traceback (empty when none)."""
    tb = err.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return f", line {line}" if line else ""


def record_text(plan: Plan) -> str:
    """The `.archgen.yaml` of a plan (answers, pattern, archgen version)."""
    try:
        answers = importlib.import_module("archgen.answers")
    except ImportError:
        answers = None
    if answers is not None and hasattr(answers, "dump_record"):
        return str(answers.dump_record(plan.record))
    data = plan.record.model_dump(mode="json")
    if not data.get("archgen_version"):
        data["archgen_version"] = __version__
    return yaml.safe_dump(data, sort_keys=True, default_flow_style=False)


def render_tree(
    plan: Plan,
    dest: Path,
    *,
    overlays: Sequence[Path] = (),
    extra_context: Mapping[str, Any] | None = None,
    template_root: Path | None = None,
    components: Mapping[str, str] | None = None,
) -> list[str]:
    """Render every layer, the overlays and the record into `dest`.

    `components` are the project's replacements of archgen's stack components
    (part -> `components.<module>:<Class>`), which the overlays must render.

    `dest` is the project directory itself (created if missing; expected empty).
    No atomicity here: `render_project` and `archgen update` stage into temp dirs.
    Returns the sorted relative paths written.
    """
    root = template_root or template_dir()
    context = build_context(plan, extra_context, template_root=root, components=components)
    env = _environment()
    dest.mkdir(parents=True, exist_ok=True)
    written: set[str] = set()
    for name in layers_for(plan.decision.chosen):
        written.update(_render_layer(env, name, root / name, context, dest))
    for overlay in overlays:
        overlay = Path(overlay)
        if not (overlay / ROOT_DIR).is_dir():
            raise RenderError(f"overlay {overlay}: no {ROOT_DIR} directory inside")
        written.update(_render_layer(env, f"overlay {overlay.name}", overlay, context, dest))
    check_components(dest, components or {})
    (dest / RECORD_FILE).write_text(record_text(plan), encoding="utf-8")
    written.add(RECORD_FILE)
    return sorted(written)


def render_project(
    plan: Plan,
    output_dir: Path,
    *,
    force: bool = False,
    pretend: bool = False,
    overlays: Sequence[Path] = (),
    extra_context: Mapping[str, Any] | None = None,
    template_root: Path | None = None,
    components: Mapping[str, str] | None = None,
    after_placed: Callable[[Path], object] | None = None,
) -> RenderResult:
    """Render the project into `output_dir/<slug>` all-or-nothing (see `archgen.placement`).

    A non-empty target is refused unless `force`; with `force`, files the
    project produces replace the user's regular files (kept in
    `.archgen-backup/<timestamp>/` inside the project) and every other user
    file stays. `after_placed(path)` (the post_gen hooks) runs once the
    project is in place; until it returns, any failure or signal restores the
    target to exactly what it was.
    """
    output_dir = Path(output_dir)
    slug = str((extra_context or {}).get("project_slug") or plan.record.answers.project_name)
    project = output_dir / slug

    def render(dest: Path) -> list[str]:
        return render_tree(
            plan,
            dest,
            overlays=overlays,
            extra_context=extra_context,
            template_root=template_root,
            components=components,
        )

    if pretend:
        check_target(project, force=force, pretend=True)
        with tempfile.TemporaryDirectory(prefix="archgen-pretend-") as tmp:
            files = render(Path(tmp) / slug)
        return RenderResult(path=project, files=files)
    placed = place_project(project, render, force=force, after_placed=after_placed)
    return RenderResult(placed.path, placed.files, placed.replaced, placed.backup)
