"""Reading files a user or a team pack wrote, without trusting them.

Every loader of user input (answers files, `.archgen.yaml`, pack manifests, the
user config, `.archgen-pack`, update journals) reads through here:

- only regular files are read (a FIFO, a device such as `/dev/zero`, a folder
  is refused before a byte is read, and opening never blocks);
- at most `MAX_BYTES` are read, so a huge file cannot exhaust memory;
- the text must be UTF-8 without NUL bytes;
- YAML aliases and anchors are refused (an alias "billion laughs" bomb cannot
  expand), and every error quotes at most `QUOTE_CHARS` of a value.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1024 * 1024
"""The largest input file archgen reads (1 MiB; answers files are a few hundred bytes)."""
QUOTE_CHARS = 60
"""The most characters of a user's value an error message repeats."""


class UnsafeInput(Exception):
    """A file that is not a small, regular UTF-8 text file, or YAML that uses aliases."""


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """`repr(value)`, cut to `limit` characters with an ellipsis."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_text(path: Path, *, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of the regular file `path`, refusing anything else or anything larger.

    Raises FileNotFoundError when the file is missing (callers word that one
    themselves) and UnsafeInput for every other refusal.
    """
    data, _ = _read(path, limit, whole=True)
    return _decode(data)


def read_head(path: Path, *, limit: int = MAX_BYTES) -> tuple[str, bool]:
    """The first `limit` bytes of the regular file `path` as UTF-8 text, cut after its last
    complete line, and whether the file went on (a data sample: `--sample FILE.csv`).

    The same refusals as `read_text`, except that a larger file is read only in part.
    """
    data, more = _read(path, limit, whole=False)
    if more:
        data = data[: data.rfind(b"\n") + 1]
    return _decode(data), more


def _read(path: Path, limit: int, *, whole: bool) -> tuple[bytes, bool]:
    """At most `limit` bytes (and whether there were more) of a regular file; never blocks."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except IsADirectoryError as err:
        raise UnsafeInput("is a folder, not a file") from err
    except OSError as err:
        raise UnsafeInput(f"cannot read ({err.strerror or err})") from err
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):  # Linux opens a folder for reading
            raise UnsafeInput("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeInput("is not a regular file")
        if whole and info.st_size > limit:
            raise UnsafeInput(f"is larger than {limit // 1024} KiB")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise UnsafeInput(f"cannot read ({err.strerror or err})") from err
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit and whole:
        raise UnsafeInput(f"is larger than {limit // 1024} KiB")
    return data[:limit], len(data) > limit


def _decode(data: bytes) -> str:
    if b"\0" in data:
        raise UnsafeInput("holds a NUL byte (not a text file)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UnsafeInput(f"is not UTF-8 text (byte {err.start})") from err


MAX_DEPTH = 100
"""The deepest nesting of YAML collections read (deeper would exhaust the stack)."""


class NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases (no alias expansion at all)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            kind = "aliases (*name)" if isinstance(event, yaml.AliasEvent) else "anchors (&name)"
            raise yaml.composer.ComposerError(
                None, None, f"YAML {kind} are not allowed", event.start_mark
            )
        if self._depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"YAML nested deeper than {MAX_DEPTH} levels", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def yaml_error(err: yaml.YAMLError, source: str) -> str:
    """`source:line:column: problem` for a YAML error."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
    problem = getattr(err, "problem", None) or getattr(err, "context", None) or "not valid YAML"
    return f"{where}: {problem}"


def load_yaml(text: str, source: str, *, error: Callable[[str], Exception]) -> Any:
    """Parse untrusted YAML text (no aliases); `error(message)` builds the exception raised."""
    try:
        return yaml.load(text, Loader=NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        raise error(yaml_error(err, source)) from err


def read_user_text(path: Path, *, error: Callable[[str], Exception], what: str = "file") -> str:
    """`read_text`, with a missing file or any refusal raised as `error("<path>: ...")`."""
    try:
        return read_text(path)
    except FileNotFoundError as err:
        raise error(f"{path}: no such {what}") from err
    except UnsafeInput as err:
        raise error(f"{path}: {err}") from err


def load_yaml_file(path: Path, *, error: Callable[[str], Exception], what: str = "file") -> Any:
    """Read and parse an untrusted YAML file; any refusal is `error("<path>: ...")`."""
    return load_yaml(read_user_text(path, error=error, what=what), str(path), error=error)
