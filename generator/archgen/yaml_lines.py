"""Untrusted YAML with the line of every key, so a validation error can say `file:line: field`.

Answers files, `.archgen.yaml` and model specs are parsed here: the document is
composed with `safe_io.NoAliasLoader` (no anchors, no aliases, bounded depth),
the node tree is walked once for the line of every mapping key and sequence
item, and a duplicated key is refused. `where` and `dotted` turn a pydantic
error location into the `file:line` and field path of a one-line message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from archgen.safe_io import QUOTE_CHARS, NoAliasLoader, UnsafeInput, quote, read_text

Loc = tuple[str | int, ...]
Lines = Mapping[Loc, int]


class LocatedError(ValueError):
    """A validator's error about a field below the one it validates (`loc` is relative to it).

    Pydantic locates a model validator's error at the model; raising this one
    lets the message name the exact item, e.g. `features[3].name`.
    """

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def error_loc(error: Mapping[str, Any]) -> Loc:
    """The location of one pydantic error, extended by a `LocatedError`'s own location."""
    loc: Loc = tuple(error.get("loc", ()))
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, LocatedError):
        loc = (*loc, *cause.loc)
    return loc


KINDS = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "an integer",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}
"""How a message names what a pydantic type error expected."""


def describe(error: Mapping[str, Any]) -> str:
    """A short message for one pydantic error, quoting at most a short piece of the value."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    given = quote(error.get("input"))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        loc = error.get("loc") or ("",)
        return f"unknown key {quote(str(loc[-1]))}"
    if kind in ("value_error", "assertion_error"):
        text = str(error.get("msg", ""))
        return text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')} (got {given})"
    if kind in ("too_long", "too_short"):
        bound = "at most" if kind == "too_long" else "at least"
        limit = ctx.get("max_length" if kind == "too_long" else "min_length")
        return f"must have {bound} {limit} items (got {ctx.get('actual_length')})"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind in KINDS:
        return f"must be {KINDS[kind]} (got {given})"
    return f"{error.get('msg', 'invalid value')} (got {given})"


def dotted(loc: Loc) -> str:
    """`features[1].max`: a field path for a message, each key cut short (it may be long text)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = str(part)
        text = text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3] + "..."
        out += f".{text}" if out else text
    return out


def source_name(path: object) -> str:
    """The path as messages name it, its start cut off when very long."""
    text = str(path)
    return text if len(text) <= 2 * QUOTE_CHARS else "..." + text[3 - 2 * QUOTE_CHARS :]


def where(source: str, lines: Lines, loc: Loc) -> str:
    """`source:line` of the closest located parent of `loc` (or just `source`)."""
    probe = loc
    while probe:
        if probe in lines:
            return f"{source}:{lines[probe]}"
        probe = probe[:-1]
    return f"{source}:{lines[()]}" if () in lines else source


def line_map(node: yaml.Node | None) -> tuple[dict[Loc, int], list[tuple[Loc, int]]]:
    """Line of every key and item in the document, and the duplicated keys with their lines."""
    lines: dict[Loc, int] = {}
    duplicates: list[tuple[Loc, int]] = []
    if node is None:
        return lines, duplicates
    lines[()] = node.start_mark.line + 1

    def walk(n: yaml.Node, path: Loc) -> None:
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in n.value:
                key = str(key_node.value)
                loc = (*path, key)
                if key in seen:
                    duplicates.append((loc, key_node.start_mark.line + 1))
                seen.add(key)
                lines[loc] = key_node.start_mark.line + 1
                walk(value_node, loc)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                loc = (*path, i)
                lines[loc] = item.start_mark.line + 1
                walk(item, loc)

    walk(node, ())
    return lines, duplicates


def read_located(
    path: Path, error: Callable[[str], Exception], what: str
) -> tuple[Any, dict[Loc, int], str]:
    """Read a user's YAML file through `safe_io`: its data, line map and name for messages."""
    source = source_name(path)
    try:
        text = read_text(Path(path))
    except FileNotFoundError as err:
        raise error(f"{source}: no such {what}") from err
    except UnsafeInput as err:
        raise error(f"{source}: {err}") from err
    except ValueError as err:  # a NUL byte in the path
        raise error(f"{source}: cannot read ({err})") from err
    data, lines = parse(text, source, error)
    return data, lines, source


def parse(text: str, source: str, error: Callable[[str], Exception]) -> tuple[Any, dict[Loc, int]]:
    """The document's data and its line map; invalid YAML or a duplicate key is `error(...)`."""
    loader = NoAliasLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        at = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = err.problem or err.context or "not valid YAML"
        raise error(f"{at}: invalid YAML: {problem}") from err
    except yaml.YAMLError as err:
        raise error(f"{source}: invalid YAML: {err}") from err
    finally:
        loader.dispose()
    lines, duplicates = line_map(node)
    if duplicates:
        loc, line = duplicates[0]
        raise error(f"{source}:{line}: {dotted(loc)}: duplicate key")
    return data, lines
