"""Run every `benchmarks/bench_*.py` module and print one line per figure: `name: value unit`.

Each module exposes `run() -> list[tuple[str, float, str]]`. A module that
fails is reported on stderr and the others still run; the exit status is then
1, so CI notices a broken benchmark without losing the other figures.
Usage: `python benchmarks/run.py [NAME ...]` (NAME filters modules, e.g. `cli`).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent

Figure = tuple[str, float, str]


def discover(directory: Path = HERE, only: Sequence[str] = ()) -> list[Path]:
    """The bench_*.py files of `directory`, sorted; `only` keeps names containing one of them."""
    found = sorted(directory.glob("bench_*.py"))
    if only:
        found = [p for p in found if any(word in p.stem for word in only)]
    return found


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"archgen_bench_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def format_figure(figure: Figure) -> str:
    """`name: value unit` (the unit is left out when empty)."""
    name, value, unit = figure
    return f"{name}: {value} {unit}".rstrip()


def run_all(
    paths: Sequence[Path],
    out: Callable[[str], None] = print,
    err: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> int:
    """Run each module's `run()`, print its figures; return how many modules failed."""
    failures = 0
    for path in paths:
        try:
            module = _load(path)
            runner = getattr(module, "run", None)
            if not callable(runner):
                raise TypeError(f"{path.name} has no run() function")
            figures = list(runner())
            for figure in figures:
                out(format_figure(figure))
        except Exception as exc:  # one broken benchmark must not hide the others
            failures += 1
            err(f"{path.name}: failed: {type(exc).__name__}: {exc}")
            err(traceback.format_exc().rstrip())
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the (filtered) benchmarks, exit 1 if any failed."""
    args = list(sys.argv[1:] if argv is None else argv)
    paths = discover(HERE, args)
    if not paths:
        print(f"no benchmarks match {' '.join(args)}", file=sys.stderr)
        return 1
    return 1 if run_all(paths) else 0


if __name__ == "__main__":
    sys.exit(main())
