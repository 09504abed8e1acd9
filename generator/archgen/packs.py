"""Team packs: a manifest, overlay layers, extra questions, company defaults and trusted hooks.

A pack lets a platform team make generated projects theirs without forking
archgen. It is a folder (or a local git repository, or an installed package
exposing the `archgen.packs` entry point group) holding `archgen-pack.yaml`.
This module loads and validates packs, finds them (flag > environment >
project > user config), checks trust, and turns a pack into the inputs the
plan and the renderer take (`AppliedPack`).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import jinja2.meta
import jinja2.nodes
import platformdirs
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from archgen import catalogue
from archgen.errors import PackError
from archgen.patterns import Pattern
from archgen.plan import Constraints
from archgen.record import PackRef, ProjectRecord
from archgen.render import layers_for
from archgen.stack_settings import StackSettings

MANIFEST = "archgen-pack.yaml"
ENV_PACK = "ARCHGEN_PACK"
PROJECT_PACK_FILE = ".archgen-pack"
ENTRY_POINT_GROUP = "archgen.packs"
BUILTIN_LAYERS = catalogue.ALL_LAYERS
"""Template layers a pack may override or extend, one overlay directory each."""
COST_CENTRE_TAG = "CostCentre"
HookStage = Literal["pre_gen", "post_gen"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackQuestion(_Strict):
    """An extra question a pack asks after the built-in ones."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    prompt: str
    help: str = ""
    default: str | int | float | bool | None = None
    choices: list[str] = Field(default_factory=list)
    tag: str = ""
    """When set, the answer is also put on every resource as this tag."""


class PackDefaults(_Strict):
    """Company defaults: they reach the answers' defaults, the template context and the stack."""

    region: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    name_prefix: str | None = None
    existing_vpc_id: str | None = None
    existing_private_subnet_ids: list[str] = Field(default_factory=list)
    existing_public_subnet_ids: list[str] = Field(default_factory=list)
    kms_key_arn: str | None = None
    cost_centre: str | None = None
    """Put on every resource as the `CostCentre` tag."""


class PackConstraints(_Strict):
    """Limits on the decision: patterns the team does not run, a budget ceiling."""

    forbid: list[Pattern] = Field(default_factory=list)
    max_budget_usd: float | None = Field(default=None, gt=0)


class PackHooks(_Strict):
    """Scripts run before and after generation, only for trusted packs."""

    pre_gen: list[str] = Field(default_factory=list)
    post_gen: list[str] = Field(default_factory=list)


ReplaceablePart = Literal["batch", "api", "stream"]
"""The parts a pack may replace: the fields of archgen_stacks' `ComponentClasses`."""

COMPONENT_TARGET = re.compile(r"components(\.[a-z_][a-z0-9_]*)+:[A-Za-z_][A-Za-z0-9_]*")


class PackManifest(_Strict):
    """The shape of `archgen-pack.yaml`."""

    name: str = Field(pattern=r"^[a-z][a-z0-9._-]*$")
    version: str
    description: str = ""
    layers: dict[str, str] = Field(default_factory=dict)
    """Built-in layer name -> overlay directory inside the pack."""
    questions: list[PackQuestion] = Field(default_factory=list)
    defaults: PackDefaults = Field(default_factory=PackDefaults)
    constraints: PackConstraints = Field(default_factory=PackConstraints)
    hooks: PackHooks = Field(default_factory=PackHooks)
    components: dict[ReplaceablePart, str] = Field(default_factory=dict)
    """Part (batch, api, stream) -> `components.<module>:<Class>`, a module the pack's
    overlays render under `infra/components/`; the project's stack uses it instead of archgen's."""

    @field_validator("components")
    @classmethod
    def _component_paths(cls, value: dict[str, str]) -> dict[str, str]:
        for part, target in value.items():
            if not COMPONENT_TARGET.fullmatch(target):
                raise ValueError(
                    f"components.{part}: {target!r} is not `components.<module>:<Class>`"
                )
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


@dataclass(frozen=True)
class Pack:
    """A loaded, validated pack: its manifest, where it lives and where it came from."""

    manifest: PackManifest
    root: Path
    source: str

    @property
    def ref(self) -> PackRef:
        return PackRef(name=self.manifest.name, version=self.manifest.version, source=self.source)

    def hooks(self) -> list[tuple[HookStage, str]]:
        """Every hook as (stage, script path relative to the pack)."""
        hooks = self.manifest.hooks
        return [("pre_gen", h) for h in hooks.pre_gen] + [("post_gen", h) for h in hooks.post_gen]


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
    components: dict[str, str] = field(default_factory=dict)
    """Part -> `components.<module>:<Class>` the project's stack uses instead of archgen's."""

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
            raise PackError(_untrusted_message(self.pack))
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


# -- user configuration ------------------------------------------------------


class UserConfig(_Strict):
    """`config.yaml` in the user's config directory."""

    pack: str | None = None
    trusted_packs: list[str] = Field(default_factory=list)
    packs_path: list[str] = Field(default_factory=list)


def user_config_path() -> Path:
    """Where the user config lives (`platformdirs.user_config_dir("archgen")/config.yaml`)."""
    return Path(platformdirs.user_config_dir("archgen")) / "config.yaml"


def load_user_config(path: Path | None = None) -> UserConfig:
    """Read the user config; an absent file is an empty config."""
    path = path or user_config_path()
    if not path.is_file():
        return UserConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return UserConfig.model_validate(data)
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", -1) + 1
        raise PackError(f"{path}:{line}: not valid YAML") from err
    except ValidationError as err:
        raise PackError(f"{path}: {_first_error(err)}") from err


# -- loading -----------------------------------------------------------------


def load_pack(ref: str, *, config: UserConfig | None = None) -> Pack:
    """Load a pack from a folder, a local git repository (`git+file://...`, `*.git`) or a name.

    A name is looked up among the discoverable packs (the user's `packs_path`
    and installed entry points).
    """
    text = ref.strip()
    if text.startswith("git+"):
        return _load_dir(_clone(text.removeprefix("git+")), source=text)
    path = Path(text).expanduser()
    if path.is_dir():
        if (path / MANIFEST).is_file():
            return _load_dir(path.resolve(), source=str(path.resolve()))
        if _is_git_repo(path):
            url = path.resolve().as_uri()
            return _load_dir(_clone(url), source=f"git+{url}")
        raise PackError(f"pack {ref}: no {MANIFEST} in {path}")
    for pack in discover_packs(config):
        if pack.manifest.name == text:
            return pack
    raise PackError(f"pack {ref}: not a folder, a git repository or a known pack name")


def _load_dir(root: Path, *, source: str) -> Pack:
    manifest_path = root / MANIFEST
    label = root.name
    try:
        text = manifest_path.read_text(encoding="utf-8")
    except OSError as err:
        raise PackError(f"pack {label}: {manifest_path}: cannot read ({err.strerror})") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", -1) + 1
        problem = getattr(err, "problem", None) or "not valid YAML"
        raise PackError(f"pack {label}: {manifest_path}:{line}: {problem}") from err
    if not isinstance(data, dict):
        raise PackError(f"pack {label}: {manifest_path}:1: expected a mapping")
    label = str(data.get("name", label))
    try:
        manifest = PackManifest.model_validate(data)
    except ValidationError as err:
        line = _line_of_loc(text, err.errors()[0]["loc"])
        raise PackError(f"pack {label}: {manifest_path}:{line}: {_first_error(err)}") from err
    pack = Pack(manifest=manifest, root=root, source=source)
    _check_layout(pack)
    return pack


def _check_layout(pack: Pack) -> None:
    """Layers must be built-in names pointing at existing folders; hooks must exist."""
    name = pack.manifest.name
    manifest = pack.root / MANIFEST
    text = manifest.read_text(encoding="utf-8")
    for layer, rel in pack.manifest.layers.items():
        line = _line_of(text, layer)
        if layer not in BUILTIN_LAYERS:
            raise PackError(
                f"pack {name}: {manifest}:{line}: unknown layer {layer!r} "
                f"(one of {', '.join(BUILTIN_LAYERS)})"
            )
        if not (pack.root / rel).is_dir():
            raise PackError(
                f"pack {name}: {manifest}:{line}: layer {layer} folder {rel} is missing"
            )
    for _stage, rel in pack.hooks():
        if not (pack.root / rel).is_file():
            raise PackError(f"pack {name}: {manifest}:{_line_of(text, rel)}: hook {rel} is missing")


def _clone(url: str) -> Path:
    if not url.startswith("file://"):
        raise PackError(f"pack {url}: only local git repositories (file://) are supported")
    dest = Path(tempfile.mkdtemp(prefix="archgen-pack-"))
    atexit.register(shutil.rmtree, dest, True)
    done = subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", url, str(dest / "pack")],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1:] or ["git clone failed"]
        raise PackError(f"pack {url}: {message[0]}")
    return dest / "pack"


def _is_git_repo(path: Path) -> bool:
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


# -- discovery and precedence ------------------------------------------------


def discover_packs(config: UserConfig | None = None) -> list[Pack]:
    """Every pack found on the user's `packs_path` and in installed `archgen.packs` entry points."""
    config = config if config is not None else load_user_config()
    found: list[Pack] = []
    for entry in config.packs_path:
        base = Path(entry).expanduser()
        candidates = [base] if (base / MANIFEST).is_file() else sorted(base.glob(f"*/{MANIFEST}"))
        for candidate in candidates:
            root = candidate if candidate.is_dir() else candidate.parent
            found.append(_load_dir(root.resolve(), source=str(root.resolve())))
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            root = Path(str(resources.files(ep.module)))
        except (ModuleNotFoundError, TypeError) as err:
            raise PackError(f"pack {ep.name}: entry point module {ep.module}: {err}") from err
        found.append(_load_dir(root, source=f"entry point {ep.name} ({ep.module})"))
    return found


def resolve_pack_ref(
    flag: str | None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    config: UserConfig | None = None,
) -> tuple[str, str] | None:
    """Which pack applies and why: (reference, origin), or None.

    Precedence: the `--pack` flag, then `ARCHGEN_PACK`, then the project
    (`.archgen-pack` in the working directory, or the pack recorded in its
    `.archgen.yaml`), then `pack:` in the user config.
    """
    if flag:
        return flag, "--pack"
    env = os.environ if environ is None else environ
    if env.get(ENV_PACK):
        return env[ENV_PACK], ENV_PACK
    here = cwd or Path.cwd()
    project_file = here / PROJECT_PACK_FILE
    if project_file.is_file():
        value = project_file.read_text(encoding="utf-8").strip()
        if value:
            ref = value if Path(value).is_absolute() or value.startswith("git+") else here / value
            return str(ref), str(project_file)
    record_file = here / ".archgen.yaml"
    if record_file.is_file():
        try:
            data = yaml.safe_load(record_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            data = {}
        pack = data.get("pack") if isinstance(data, dict) else None
        if isinstance(pack, dict) and (pack.get("source") or pack.get("name")):
            return str(pack.get("source") or pack["name"]), str(record_file)
    config = config if config is not None else load_user_config()
    if config.pack:
        return config.pack, str(user_config_path())
    return None


def is_trusted(pack: Pack, config: UserConfig | None = None) -> bool:
    """A pack is trusted when the user config lists its name or its source."""
    config = config if config is not None else load_user_config()
    return pack.manifest.name in config.trusted_packs or pack.source in config.trusted_packs


def _untrusted_message(pack: Pack) -> str:
    hooks = ", ".join(f"{stage} {rel}" for stage, rel in pack.hooks())
    return (
        f"pack {pack.manifest.name} has hooks that would run ({hooks}); "
        f"re-run with --trust or add {pack.manifest.name} to trusted_packs in {user_config_path()}"
    )


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
        raise PackError(_untrusted_message(loaded))
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
        components={str(part): target for part, target in manifest.components.items()},
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


BUILTIN_CONTEXT_KEYS = frozenset(
    {
        "project_name",
        "project_slug",
        "package_name",
        "pattern",
        "region",
        "archgen_version",
        "description",
        "_archgen",
    }
)
"""The `cookiecutter.` values archgen's renderer provides to every template."""


def check_templates(
    overlay: Path,
    *,
    pack_name: str,
    pack_root: Path | None = None,
    known: frozenset[str] | None = None,
) -> int:
    """Parse every text file (and path) of an overlay as Jinja; return how many were checked.

    Syntax errors, variables other than `cookiecutter` and, when `known` is
    given, `cookiecutter.<name>` values not in it raise PackError with the
    pack, the file and the line, before anything is rendered.
    """
    env = jinja2.Environment(keep_trailing_newline=True)
    base = pack_root or overlay
    checked = 0
    for path in sorted(overlay.rglob("*")):
        rel = path.relative_to(base)
        sources: list[tuple[str, str]] = [(str(path.relative_to(overlay)), "path")]
        if path.is_file():
            try:
                sources.append((path.read_text(encoding="utf-8"), "file"))
            except UnicodeDecodeError:
                pass
        for text, kind in sources:
            where = f"{rel}" if kind == "file" else f"{rel} (file name)"
            try:
                ast = env.parse(text)
            except jinja2.TemplateSyntaxError as err:
                line = err.lineno if kind == "file" else 1
                raise PackError(f"pack {pack_name}: {where}:{line}: {err.message}") from err
            stray = sorted(jinja2.meta.find_undeclared_variables(ast) - {"cookiecutter"})
            if stray:
                line = _line_of(text, stray[0]) if kind == "file" else 1
                raise PackError(
                    f"pack {pack_name}: {where}:{line}: unknown variable {stray[0]!r} "
                    "(template values are under cookiecutter.)"
                )
            for node in ast.find_all(jinja2.nodes.Getattr):
                target = node.node
                is_value = isinstance(target, jinja2.nodes.Name) and target.name == "cookiecutter"
                if known is not None and is_value and node.attr not in known:
                    line = node.lineno if kind == "file" else 1
                    raise PackError(
                        f"pack {pack_name}: {where}:{line}: unknown value "
                        f"cookiecutter.{node.attr} (known: {', '.join(sorted(known))})"
                    )
        checked += path.is_file()
    return checked


def pack_summary(pack: Pack) -> dict[str, Any]:
    """The manifest as plain data, with the pack's source, for `archgen packs show`."""
    return {"source": pack.source, **pack.manifest.model_dump(mode="json")}


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def _line_of_loc(text: str, loc: tuple[int | str, ...]) -> int:
    """The line of a nested manifest key: each key is searched after its parent's line."""
    lines = text.splitlines()
    start = 0
    for part in loc:
        if not isinstance(part, str):
            continue
        for number in range(start, len(lines)):
            if lines[number].lstrip(" -").startswith(f"{part}:"):
                start = number
                break
    return start + 1


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def builtin_template_root() -> Path:
    """The folder holding the built-in template layers."""
    return Path(str(resources.files("archgen.templates")))
