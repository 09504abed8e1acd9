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
from pathlib import Path, PurePosixPath, PureWindowsPath

import platformdirs
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
from archgen.pack_templates import overlay_files
from archgen.safe_io import UnsafeInput, load_yaml, load_yaml_file, quote, read_text, read_user_text

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
    """Read the user config (through `safe_io`); an absent file is an empty config."""
    path = path or user_config_path()
    if not path.exists() and not path.is_symlink():
        return UserConfig()
    data = load_yaml_file(path, error=PackError, what="user config") or {}
    try:
        return UserConfig.model_validate(data)
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
    try:
        path = Path(text).expanduser()
        is_dir = path.is_dir()
    except (OSError, ValueError) as err:  # a NUL byte, a name too long for the file system
        raise PackError(
            f"pack {quote(text)}: not a usable path ({getattr(err, 'strerror', None) or err})"
        ) from err
    if is_dir:
        manifest = path / MANIFEST
        if manifest.exists() or manifest.is_symlink():  # not is_file(): a FIFO is refused, named
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
    """Load and check a pack folder: its manifest (through `safe_io`) and its layout."""
    root = root.resolve()
    manifest_path = root / MANIFEST
    label = root.name
    if manifest_path.is_symlink():
        raise PackError(f"pack {label}: {manifest_path} is a symlink (packs hold regular files)")

    def fail(message: str) -> PackError:
        return PackError(f"pack {label}: {message}")

    text = read_user_text(manifest_path, error=fail)
    data = load_yaml(text, str(manifest_path), error=fail)
    if not isinstance(data, dict):
        raise PackError(f"pack {label}: {manifest_path}:1: expected a mapping")
    name = data.get("name", label)
    label = name if isinstance(name, str) and len(name) <= 60 else quote(name)
    try:
        manifest = PackManifest.model_validate(data)
    except ValidationError as err:
        line = _line_of_loc(text, err.errors()[0]["loc"])
        raise PackError(f"pack {label}: {manifest_path}:{line}: {_first_error(err)}") from err
    pack = Pack(manifest=manifest, root=root, source=source)
    _check_layout(pack, text)
    return pack


def _check_layout(pack: Pack, text: str) -> None:
    """Layers and hooks are relative paths inside the pack root, with no symlink on the way;
    layers are built-in names of folders holding only regular files; hooks are regular files."""
    name = pack.manifest.name
    manifest = pack.root / MANIFEST
    for layer, rel in pack.manifest.layers.items():
        line = line_of(text, layer)
        where = f"pack {name}: {manifest}:{line}"
        if layer not in BUILTIN_LAYERS:
            raise PackError(
                f"{where}: unknown layer {quote(layer)} (one of {', '.join(BUILTIN_LAYERS)})"
            )
        folder = _inside(pack.root, rel, f"{where}: layer {layer}")
        if not folder.is_dir():
            raise PackError(f"{where}: layer {layer} folder {rel} is missing")
        overlay_files(folder, pack_name=name, pack_root=pack.root)
    for _stage, rel in pack.hooks():
        where = f"pack {name}: {manifest}:{line_of(text, rel)}"
        script = _inside(pack.root, rel, f"{where}: hook")
        if not script.is_file():
            raise PackError(f"{where}: hook {rel} is missing")


def _inside(root: Path, rel: str, where: str) -> Path:
    """`root / rel`, proven inside `root`: relative, no `..`, no symlink on the way, no escape."""
    path = PurePosixPath(rel)
    what = f"{where} {quote(rel)}"
    if not rel or path.is_absolute() or PureWindowsPath(rel).drive or "\\" in rel:
        raise PackError(f"{what} must be a path relative to the pack folder")
    if ".." in path.parts:
        raise PackError(f"{what} may not contain '..' (it must stay in the pack folder)")
    current = root
    for part in path.parts:
        current = current / part
        if current.is_symlink():
            raise PackError(
                f"{what}: {current.relative_to(root).as_posix()} is a symlink "
                "(pack layers and hooks may not be symlinks)"
            )
        if current.exists() and not (current.is_dir() or current.is_file()):
            raise PackError(f"{what} is not a regular file or folder")
    if not current.resolve().is_relative_to(root.resolve()):
        raise PackError(f"{what} resolves outside the pack folder")
    return current


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

    Every file is read through `safe_io`. A `.archgen-pack` or `.archgen.yaml`
    that cannot be read or parsed (a FIFO, a NUL byte, an alias, a `pack:` that
    is not a mapping of strings) is a PackError naming the file, not ignored:
    silently skipping it would drop the rules of the pack the project uses.
    """
    if flag:
        return flag, "--pack"
    env = os.environ if environ is None else environ
    if env.get(ENV_PACK):
        return env[ENV_PACK], ENV_PACK
    here = cwd or Path.cwd()
    project_file = here / PROJECT_PACK_FILE
    if project_file.exists() or project_file.is_symlink():
        try:
            value = read_text(project_file, limit=4096).strip()
        except UnsafeInput as err:
            raise PackError(f"{project_file}: {err}") from err
        if value:
            if "\n" in value:
                raise PackError(f"{project_file}: expected one pack reference on one line")
            ref = value if Path(value).is_absolute() or value.startswith("git+") else here / value
            return str(ref), str(project_file)
    record_file = here / ".archgen.yaml"
    if record_file.exists() or record_file.is_symlink():
        recorded = _recorded_pack(record_file)
        if recorded is not None:
            return recorded, str(record_file)
    config = config if config is not None else load_user_config()
    if config.pack:
        return config.pack, str(user_config_path())
    return None


def _recorded_pack(record_file: Path) -> str | None:
    """The pack source (or name) a project's `.archgen.yaml` records, or None."""
    data = load_yaml_file(record_file, error=PackError, what="project record")
    if data is None:
        return None
    if not isinstance(data, dict):
        raise PackError(f"{record_file}:1: expected a mapping (the project record)")
    pack = data.get("pack")
    if pack is None:
        return None
    if not isinstance(pack, dict):
        raise PackError(f"{record_file}: pack: expected a mapping, got {quote(pack)}")
    ref = pack.get("source") or pack.get("name")
    if ref is None:
        return None
    if not isinstance(ref, str):
        raise PackError(f"{record_file}: pack: source and name must be text, got {quote(ref)}")
    return ref


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
