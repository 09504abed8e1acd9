"""Running a generated project's `infra/__main__.py` in-process, as Pulumi's language host does."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def program_dir(infra_dir: Path) -> Iterator[None]:
    """Run inside `infra/` with it first on sys.path; its own modules are dropped afterwards.

    The project's modules (`components/...`) are not left for the next project
    run in the same process (the offline deploy and the pricer both run many).
    """
    where = str(infra_dir)
    sys.path.insert(0, where)
    before = set(sys.modules)
    try:
        with contextlib.chdir(infra_dir):
            yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(where)
        for name in set(sys.modules) - before:
            origin = getattr(sys.modules.get(name), "__file__", None) or ""
            if origin.startswith(where):
                del sys.modules[name]
