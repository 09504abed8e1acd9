"""Rebuild every example from its `.archgen.yaml`: `python examples/regenerate.py [NAME...]`.

Each example is exactly what `archgen new --no-input --answers <example>/.archgen.yaml`
renders: the project is rendered into a temporary directory, then replaces the
example's files (files the render no longer produces are removed). The
`.archgen.yaml` itself is the input and is left as it is.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
RECORD = ".archgen.yaml"


def example_dirs(names: list[str] | None = None) -> list[Path]:
    """Example projects (directories holding a `.archgen.yaml`), sorted by name."""
    found = sorted(p.parent for p in EXAMPLES.glob(f"*/{RECORD}"))
    if names:
        found = [p for p in found if p.name in names]
    return found


def render(example: Path, output_dir: Path) -> Path:
    """Render `example`'s answers with the archgen CLI into `output_dir`; the project path."""
    done = subprocess.run(
        [
            *[sys.executable, "-m", "archgen", "new", "--no-input"],
            *["--answers", str(example / RECORD), "-o", str(output_dir)],
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{example.name}: archgen new failed: {done.stderr.strip()}")
    (project,) = [p for p in output_dir.iterdir() if p.is_dir()]
    return project


def replace_tree(source: Path, target: Path) -> None:
    """Make `target` hold exactly `source`'s files (keeping `target`'s answers file)."""
    for path in sorted(target.rglob("*"), reverse=True):
        rel = path.relative_to(target)
        if rel.as_posix() == RECORD:
            continue
        if path.is_file() or path.is_symlink():
            if not (source / rel).is_file():
                path.unlink()
        elif path.is_dir() and not (source / rel).is_dir():
            shutil.rmtree(path)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir():
            (target / rel).mkdir(parents=True, exist_ok=True)
        elif rel.as_posix() != RECORD:
            shutil.copy2(path, target / rel)


def main(argv: list[str]) -> int:
    for example in example_dirs(argv):
        with tempfile.TemporaryDirectory(prefix="archgen-example-") as tmp:
            project = render(example, Path(tmp))
            replace_tree(project, example)
        print(f"regenerated examples/{example.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
