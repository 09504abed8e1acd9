"""Checking a pack's overlay templates as Jinja before anything is rendered."""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.nodes

from archgen.errors import PackError
from archgen.pack_manifest import line_of

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
