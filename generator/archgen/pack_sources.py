"""Where team packs come from: the user config, loading, cloning, discovery, precedence and trust.

A pack is a folder, a local git repository, or an installed package exposing
the `archgen.packs` entry point group. Which one applies is decided by flag >
environment > project > user config; a pack with hooks runs only when trusted.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from importlib import metadata, resources
from pathlib import Path

import platformdirs
import yaml
from pydantic import Field, ValidationError

from archgen.errors import PackError
from archgen.pack_manifest import (
    BUILTIN_LAYERS,
    MANIFEST,
    Pack,
    PackManifest,
    StrictModel,
    line_of,
)

ENV_PACK = "ARCHGEN_PACK"
PROJECT_PACK_FILE = ".archgen-pack"
ENTRY_POINT_GROUP = "archgen.packs"


# -- user configuration ------------------------------------------------------


class UserConfig(StrictModel):
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
        line = line_of(text, layer)
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
            raise PackError(f"pack {name}: {manifest}:{line_of(text, rel)}: hook {rel} is missing")


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


# -- trust -------------------------------------------------------------------


def is_trusted(pack: Pack, config: UserConfig | None = None) -> bool:
    """A pack is trusted when the user config lists its name or its source."""
    config = config if config is not None else load_user_config()
    return pack.manifest.name in config.trusted_packs or pack.source in config.trusted_packs


def untrusted_message(pack: Pack) -> str:
    """Why an untrusted pack's hooks will not run, and how to trust it."""
    hooks = ", ".join(f"{stage} {rel}" for stage, rel in pack.hooks())
    return (
        f"pack {pack.manifest.name} has hooks that would run ({hooks}); "
        f"re-run with --trust or add {pack.manifest.name} to trusted_packs in {user_config_path()}"
    )


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
