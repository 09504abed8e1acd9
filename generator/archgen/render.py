"""Render a plan into a project: template layers, stack components, written atomically.

The render plan lives here, in Python: which layers a pattern needs, the
dependencies they bring (from each layer's `layer.yaml`), the Mermaid diagram,
the decision, sizing and cost tables. Templates only print names and values.

Context handed to every template as `cookiecutter.<name>`:

- `project_name` (title), `project_slug` (dashes), `package_name` (underscores),
  `pattern`, `region`, `archgen_version`, `description`: plain strings;
- `_archgen`: a dict computed from the plan (cookiecutter passes `_` keys through
  unrendered), with `pattern_title`, `layers`, `dependencies`,
  `test_dependencies`, `services`, `components` (rows: module, what it builds),
  `mermaid`, `reasons`, `warnings`, `why_not` (rows), `choice_note`, `criteria` and
  `score_rows`, `sizing_rows`, `headroom`, `consequences`, `cost_rows`, `cost_total`,
  `cost_per_pattern` (rows), `budget`, `budget_note`, `pricing`,
  `pulumi_dev_yaml`, `pulumi_local_yaml`, `docker_cmd`, `entrypoints` (rows),
  `deploy_steps` (shell lines run before `pulumi up`).

A layer is `<root>/<layer>/{{cookiecutter.project_slug}}/...` plus its
`cookiecutter.json` (so `cookiecutter --no-input <root>/<layer>` works alone) and
`layer.yaml`. Rendering walks the layers with one Jinja environment: every
layer writes into one staging directory, later layers replacing earlier files,
then the tree is moved into place. The stack components are not copied: the
project pins the component library, `archgen-stacks`, at this archgen's version.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml

from archgen import __version__, catalogue
from archgen.errors import RenderError, TargetExistsError
from archgen.patterns import Pattern
from archgen.plan import Plan
from archgen.record import RECORD_FILE
from archgen.stack_settings import StackSettings

ROOT_DIR = "{{cookiecutter.project_slug}}"
COMPONENTS_DIR = "infra/components"
LOCAL_ENDPOINT = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class RenderResult:
    """Where the project went and which files (relative, sorted) were or would be written."""

    path: Path
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Layer:
    """One template layer as `layer.yaml` describes it."""

    name: str
    path: Path
    meta: dict[str, Any]

    def items(self, key: str) -> list[Any]:
        value = self.meta.get(key) or []
        return list(value) if isinstance(value, list) else [value]


def layers_for(pattern: Pattern) -> list[str]:
    """The layer names a pattern renders, in order (from the catalogue)."""
    return catalogue.layers(pattern)


def template_dir() -> Path:
    """The built-in templates directory (package data `archgen.templates`)."""
    return Path(str(resources.files("archgen.templates")))


def load_layer(root: Path, name: str) -> Layer:
    """Read a layer's `layer.yaml`; a missing or malformed layer is a RenderError."""
    path = root / name
    meta_file = path / "layer.yaml"
    if not (path / ROOT_DIR).is_dir():
        raise RenderError(f"template layer {name!r}: {path / ROOT_DIR} not found")
    meta: dict[str, Any] = {}
    if meta_file.is_file():
        try:
            loaded = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise RenderError(f"template layer {name!r}: {meta_file}: {err}") from err
        if loaded is not None and not isinstance(loaded, dict):
            raise RenderError(f"template layer {name!r}: {meta_file} is not a mapping")
        meta = loaded or {}
    return Layer(name=name, path=path, meta=meta)


# -- the render plan -----------------------------------------------------------


_ACRONYMS = {"ai": "AI", "api": "API", "iot": "IoT", "ml": "ML", "etl": "ETL", "sla": "SLA"}


def _title(slug: str) -> str:
    """`fraud-scoring-api` -> `Fraud Scoring API`."""
    words = [w for w in slug.replace("_", "-").split("-") if w]
    return " ".join(_ACRONYMS.get(w, w.capitalize()) for w in words)


def _num(value: float | int | str) -> str:
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _price(value: float) -> str:
    """A unit price without scientific notation: `$0.000000625`, `$0.045`, `$1`."""
    text = f"{value:,.10f}".rstrip("0").rstrip(".")
    return f"${text}"


def _unique(items: Sequence[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _yaml(data: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=False, width=100)


def _dev_config(plan: Plan, namespace: str, region: str, project_values: Mapping[str, Any]) -> str:
    """The dev stack: the sized config, over the project's own names (package, prefix)."""
    values = {**project_values, **plan.sizing.stack_config, "pattern": plan.decision.chosen.value}
    try:
        settings = StackSettings(**values)
        settings.validate()
    except (TypeError, ValueError) as err:
        raise RenderError(f"the sized stack config cannot be deployed: {err}") from err
    config: dict[str, Any] = {"aws:region": region}
    config.update(settings.to_config(namespace))
    return _yaml({"config": config})


def _local_config(namespace: str, region: str, services: Sequence[str]) -> str:
    config: dict[str, Any] = {
        "aws:region": region,
        "aws:accessKey": "testing",
        "aws:secretKey": "testing",
        "aws:skipCredentialsValidation": True,
        "aws:skipMetadataApiCheck": True,
        "aws:skipRegionValidation": True,
        "aws:skipRequestingAccountId": True,
        "aws:s3UsePathStyle": True,
        "aws:endpoints": [{service: LOCAL_ENDPOINT for service in sorted(services)}],
        f"{namespace}:namePrefix": f"{namespace}-local",
    }
    return _yaml({"config": config})


def _mermaid(layers: Sequence[Layer]) -> str:
    lines = ["flowchart LR"]
    for layer in layers:
        lines.extend(f"    {edge}" for edge in layer.items("diagram"))
    return "\n".join(_unique(lines))


def _plan_tables(plan: Plan) -> dict[str, Any]:
    decision, sizing, cost = plan.decision, plan.sizing, plan.cost
    criteria = sorted({c for s in decision.scores for c in s.by_criterion})
    score_rows = [
        [
            s.pattern.label,
            *[f"{s.by_criterion.get(c, 0.0):.2f}" for c in criteria],
            f"{s.total:.2f}" if s.feasible else "ruled out: " + "; ".join(s.ruled_out_by),
        ]
        for s in decision.scores
    ]
    why_not = [[p.label, decision.why_not[p]] for p in Pattern if p in decision.why_not]
    sizing_rows = [[f.label, f"{_num(f.value)} {f.unit}".strip(), f.basis] for f in sizing.figures]
    cost_rows = [
        [
            line.item,
            f"{_num(line.quantity)} {line.unit}".strip(),
            _price(line.unit_price_usd),
            _usd(line.monthly_usd),
        ]
        for line in cost.chosen.lines
    ]
    per_pattern = [[p.label, _usd(cost.per_pattern[p])] for p in Pattern if p in cost.per_pattern]
    budget_note = (
        f"Over the monthly budget of {_usd(cost.budget_usd)}."
        if cost.over_budget
        else f"Within the monthly budget of {_usd(cost.budget_usd)}."
    )
    pricing = cost.pricing
    return {
        "reasons": list(decision.reasons),
        "warnings": list(decision.warnings),
        "why_not": why_not,
        "criteria": [c.replace("_", " ") for c in criteria],
        "choice_note": (
            "the recommended pattern"
            if decision.recommended == decision.chosen
            else f"chosen over the recommended {decision.recommended.label}"
        ),
        "score_rows": score_rows,
        "recommended": decision.recommended.label,
        "overridden": decision.recommended != decision.chosen,
        "sizing_rows": sizing_rows,
        "headroom": sizing.headroom,
        "consequences": [
            f"Monthly estimate of the chosen pattern: {_usd(cost.chosen.total_usd)}. {budget_note}",
            *cost.drivers,
            *([sizing.headroom] if sizing.headroom else []),
        ],
        "cost_rows": cost_rows,
        "cost_total": _usd(cost.chosen.total_usd),
        "cost_per_pattern": per_pattern,
        "cost_drivers": list(cost.drivers),
        "budget": _usd(cost.budget_usd),
        "budget_note": budget_note,
        "pricing": (
            f"{pricing.source}, {pricing.region}, {pricing.date} (version {pricing.version})"
        ),
    }


STACKS_DISTRIBUTION = "archgen-stacks"
"""The component library a generated project pins (built from this repository's stacks/)."""


def stacks_requirements(version: str) -> dict[str, str]:
    """The pins of the component library at `version`: plain, with the policy pack, for tests."""
    return {
        "stacks": f"{STACKS_DISTRIBUTION}=={version}",
        "stacks_policy": f"{STACKS_DISTRIBUTION}[policy]=={version}",
        "stacks_testing": f"{STACKS_DISTRIBUTION}[testing,policy]=={version}",
    }


def main_py(components: Mapping[str, str] | None = None) -> str:
    """The body of the project's `infra/__main__.py`: the component library's program.

    `components` (part -> `components.<module>:<Class>`) are the project's own
    classes that replace archgen's; they are imported and handed to the program.
    """
    if not components:
        return "from archgen_stacks.program import main\n\nmain()"
    imports = sorted(
        f"from {target.split(':')[0]} import {target.split(':')[1]}"
        for target in components.values()
    )
    classes = ", ".join(
        f"{part}={target.split(':')[1]}" for part, target in sorted(components.items())
    )
    return "\n".join(
        [
            "from archgen_stacks.hybrid import ComponentClasses",
            "from archgen_stacks.program import main",
            "",
            *imports,
            "",
            f"main(components=ComponentClasses({classes}))",
        ]
    )


def check_components(dest: Path, components: Mapping[str, str]) -> None:
    """Every replacement component's module was rendered into the project's infra/."""
    for part, target in sorted(components.items()):
        module = target.split(":")[0]
        path = dest / "infra" / Path(*module.split("."))
        if not (path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()):
            where = module.replace(".", "/")
            raise RenderError(f"component {part} = {target}: the pack renders no infra/{where}.py")


def build_context(
    plan: Plan,
    extra_context: Mapping[str, Any] | None = None,
    *,
    template_root: Path | None = None,
    components: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The template context for a plan (see the module docstring); extra keys win."""
    root = template_root or template_dir()
    pattern = plan.decision.chosen
    layers = [load_layer(root, name) for name in layers_for(pattern)]
    answers = plan.record.answers
    slug = answers.project_name
    package = slug.replace("-", "_")
    services = catalogue.services(pattern)
    entrypoints = [row for layer in layers for row in layer.items("entrypoints")]
    project_values = {
        key: str(value).format(package=package, slug=slug)
        for layer in layers
        for key, value in (layer.meta.get("stack_config") or {}).items()
    }
    docker_cmd = next(
        (str(layer.meta["docker_cmd"]) for layer in reversed(layers) if "docker_cmd" in layer.meta),
        "python -m {package}",
    )
    version = plan.record.archgen_version or __version__
    stacks = stacks_requirements(version)
    archgen: dict[str, Any] = {
        "pattern_title": pattern.label,
        "layers": [layer.name for layer in layers],
        "dependencies": _unique([d for layer in layers for d in layer.items("dependencies")]),
        "test_dependencies": _unique(
            [str(d).format(**stacks) for layer in layers for d in layer.items("test_dependencies")]
        ),
        "stacks_requirement": stacks["stacks"],
        "stacks_requirement_policy": stacks["stacks_policy"],
        "main_py": main_py(components),
        "services": services,
        "components": _unique([c for layer in layers for c in layer.items("components")]),
        "mermaid": _mermaid(layers),
        "pulumi_dev_yaml": _dev_config(plan, slug, answers.region, project_values),
        "pulumi_local_yaml": _local_config(slug, answers.region, services),
        "docker_cmd": json.dumps(docker_cmd.format(package=package).split()),
        "entrypoints": [[what, how.format(package=package)] for what, how in entrypoints],
        "deploy_steps": _unique([step for layer in layers for step in layer.items("deploy_steps")]),
        **_plan_tables(plan),
    }
    context: dict[str, Any] = {
        "project_name": _title(slug),
        "project_slug": slug,
        "package_name": package,
        "pattern": pattern.value,
        "region": answers.region,
        "archgen_version": version,
        "description": (
            f"{_title(slug)}: a {pattern.label.lower()} AI service generated by archgen."
        ),
        "_archgen": archgen,
    }
    context.update(extra_context or {})
    return context


# -- rendering -------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _layer_files(layer_dir: Path) -> Iterator[Path]:
    root = layer_dir / ROOT_DIR
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if not name.endswith((".pyc", ".pyo")):
                yield Path(dirpath, name)


def _render_layer(
    env: jinja2.Environment, name: str, layer_dir: Path, context: Mapping[str, Any], dest: Path
) -> list[str]:
    """Render one layer into `dest`, replacing files an earlier layer wrote."""
    values = {"cookiecutter": dict(context)}
    written: list[str] = []
    root = layer_dir / ROOT_DIR
    for source in _layer_files(layer_dir):
        rel_template = source.relative_to(root).as_posix()
        where = f"layer {name!r}, file {rel_template}"
        try:
            rel = env.from_string(rel_template).render(values)
            raw = source.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                data = raw
            else:
                data = env.from_string(text).render(values).encode("utf-8")
        except jinja2.TemplateSyntaxError as err:
            raise RenderError(f"{where}, line {err.lineno}: {err.message}") from err
        except jinja2.TemplateError as err:
            line = _template_line(err)
            raise RenderError(f"{where}{line}: {err}") from err
        if not rel or rel.startswith("/") or ".." in Path(rel).parts:
            raise RenderError(f"{where}: renders to an unsafe path {rel!r}")
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o755 if os.access(source, os.X_OK) else 0o644)
        written.append(rel)
    return written


def _template_line(err: BaseException) -> str:
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
) -> RenderResult:
    """Render the project into `output_dir/<slug>` atomically.

    Everything is rendered into a staging directory first. A non-empty target
    is refused unless `force`; with `force`, files the project produces replace
    the user's copies and every other user file stays. Any failure (template
    error, Ctrl-C, a full disk) restores the target to exactly what it was.
    """
    output_dir = Path(output_dir)
    slug = str((extra_context or {}).get("project_slug") or plan.record.answers.project_name)
    project = output_dir / slug
    if project.exists() and not project.is_dir():
        raise TargetExistsError(f"{project} exists and is not a directory")
    if project.is_dir() and any(project.iterdir()) and not force and not pretend:
        raise TargetExistsError(f"{project} is not empty; use --force to render into it")
    if pretend:
        with tempfile.TemporaryDirectory(prefix="archgen-pretend-") as tmp:
            files = render_tree(
                plan,
                Path(tmp) / slug,
                overlays=overlays,
                extra_context=extra_context,
                template_root=template_root,
                components=components,
            )
        return RenderResult(path=project, files=files)
    created = _missing_parents(output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{slug}.archgen-", dir=output_dir))
    except OSError as err:
        _remove_dirs(created)
        raise RenderError(f"cannot write into {output_dir}: {err.strerror or err}") from err
    try:
        files = render_tree(
            plan,
            staging / "project",
            overlays=overlays,
            extra_context=extra_context,
            template_root=template_root,
            components=components,
        )
        _move_into_place(staging, files, project)
    except BaseException as err:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_dirs(created)
        if isinstance(err, OSError):
            raise RenderError(f"cannot write {project}: {err.strerror or err}") from err
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return RenderResult(path=project, files=files)


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


def _move_into_place(staging: Path, files: Sequence[str], project: Path) -> None:
    """Move the staged project to `project`; undo every step if one fails."""
    staged = staging / "project"
    if not project.exists():
        staged.replace(project)
        return
    if not any(project.iterdir()):
        project.rmdir()
        try:
            staged.replace(project)
        except BaseException:
            project.mkdir(exist_ok=True)
            raise
        return
    backup = staging / "backup"
    done: list[tuple[str, bool]] = []
    made_dirs: list[Path] = []
    try:
        for rel in files:
            target = project / rel
            for parent in reversed(target.relative_to(project).parents):
                directory = project / parent
                if not directory.exists():
                    directory.mkdir()
                    made_dirs.append(directory)
            had = target.exists() or target.is_symlink()
            if had:
                (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                target.replace(backup / rel)
            done.append((rel, had))
            (staged / rel).replace(target)
    except BaseException:
        for rel, had in reversed(done):
            target = project / rel
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)
                if had:
                    (backup / rel).replace(target)
        for directory in reversed(made_dirs):
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise
