"""Wheels of this repository's two distributions, for the tests that install them afresh."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; a non-zero exit fails the test with the end of its output."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def build_wheels(tmp_path: Path) -> Path:
    """Wheels of both distributions of this repository (archgen, archgen-stacks) in one folder.

    Built from a copy so build/ and egg-info directories never land in the tree; the
    isolated build fetches setuptools from the package index (or PIP_FIND_LINKS).
    """
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    dist = tmp_path / "dist"
    for where in (src, src / "stacks"):
        run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), "."], cwd=where)
    return dist
