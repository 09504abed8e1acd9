"""Checking a pack's overlay files and templates before anything is rendered.

An overlay holds only regular files and folders (no symlinks at all, no FIFOs
or devices), so nothing it renders can point outside the pack. Its templates
must parse as Jinja, use only `cookiecutter.` values and never reach for an
attribute whose name starts with `_` (`__class__`, `__globals__`, ...): the
renderer's sandbox would refuse those anyway, this says so early and clearly.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.nodes

from archgen.errors import PackError
from archgen.pack_manifest import BUILTIN_CONTEXT_KEYS, line_of

__all__ = ["BUILTIN_CONTEXT_KEYS", "check_templates", "overlay_files"]


def overlay_files(overlay: Path, *, pack_name: str, pack_root: Path | None = None) -> list[Path]:
    """Every folder and file of `overlay`, sorted, refusing symlinks and special files.

    Nothing is followed: a symlink anywhere (to a file, a folder, inside or
    outside the pack) or a FIFO, socket or device raises PackError naming it.
    """
    base = pack_root or overlay
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(overlay, followlinks=False):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise PackError(
                    f"pack {pack_name}: {_rel(path, base)} is a symlink; "
                    "pack layers may hold only regular files and folders"
                )
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise PackError(
                    f"pack {pack_name}: {_rel(path, base)} is not a regular file "
                    "(FIFOs, sockets and devices are not allowed in a pack)"
                )
            found.append(path)
    return sorted(found)


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def check_templates(
    overlay: Path,
    *,
    pack_name: str,
    pack_root: Path | None = None,
    known: frozenset[str] | None = None,
) -> int:
    """Parse every text file (and path) of an overlay as Jinja; return how many were checked.

    Symlinks and special files, syntax errors, attributes starting with `_`,
    variables other than `cookiecutter` and, when `known` is given,
    `cookiecutter.<name>` values not in it raise PackError with the pack, the
    file and the line, before anything is rendered.
    """
    env = jinja2.Environment(keep_trailing_newline=True)
    base = pack_root or overlay
    checked = 0
    for path in overlay_files(overlay, pack_name=pack_name, pack_root=pack_root):
        rel = path.relative_to(base)
        sources: list[tuple[str, str]] = [(str(path.relative_to(overlay)), "path")]
        if path.is_file():
            try:
                sources.append((path.read_bytes().decode("utf-8"), "file"))
            except UnicodeDecodeError:
                pass
        for text, kind in sources:
            where = f"{rel}" if kind == "file" else f"{rel} (file name)"
            try:
                ast = env.parse(text)
            except jinja2.TemplateSyntaxError as err:
                line = err.lineno if kind == "file" else 1
                raise PackError(f"pack {pack_name}: {where}:{line}: {err.message}") from err
            _check_private_names(ast, text, f"pack {pack_name}: {where}", lines=kind == "file")
            stray = sorted(jinja2.meta.find_undeclared_variables(ast) - {"cookiecutter"})
            if stray:
                line = line_of(text, stray[0]) if kind == "file" else 1
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


def _check_private_names(ast: jinja2.nodes.Template, text: str, where: str, *, lines: bool) -> None:
    """Refuse `x._name`, `x['_name']`, `x|attr('_name')`, `{% set ns._name %}` and `_names`.

    `cookiecutter._archgen` (a value archgen itself provides) is the one exception.
    The first offender in reading order is named.
    """
    found: list[tuple[int, int, str]] = []

    def offend(node: jinja2.nodes.Node, what: str, name: str) -> None:
        found.append((node.lineno if lines else 1, text.find(name), f"{what} {name[:40]!r}"))

    for node in ast.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem, jinja2.nodes.NSRef)):
        target: jinja2.nodes.Node | None = None
        if isinstance(node, jinja2.nodes.Getitem):
            if not isinstance(node.arg, jinja2.nodes.Const) or not isinstance(node.arg.value, str):
                continue
            attr, target = node.arg.value, node.node
        elif isinstance(node, jinja2.nodes.Getattr):
            attr, target = node.attr, node.node
        elif isinstance(node, jinja2.nodes.NSRef):
            attr = node.attr
        else:
            continue
        provided = (
            isinstance(target, jinja2.nodes.Name)
            and target.name == "cookiecutter"
            and attr in BUILTIN_CONTEXT_KEYS
        )
        if attr.startswith("_") and not provided:
            offend(node, "attribute", attr)
    for flt in ast.find_all(jinja2.nodes.Filter):
        arg = flt.args[0] if flt.name == "attr" and flt.args else None
        if isinstance(arg, jinja2.nodes.Const) and str(arg.value).startswith("_"):
            offend(flt, "attribute", str(arg.value))
    for name in ast.find_all(jinja2.nodes.Name):
        if name.name.startswith("_"):
            offend(name, "name", name.name)
    if found:
        line, _, what = min(found)
        raise PackError(
            f"{where}:{line}: {what} starts with '_'; pack templates may not use private or "
            "dunder attributes (they lead out of the template sandbox)"
        )
