"""Packaging: the wheel installs into a fresh venv and works from outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "credit-decisions" / ".archgen.yaml"


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repo(tmp_path: Path) -> None:
    # Build from a copy so the build/ and egg-info directories never land in the tree;
    # the isolated build fetches setuptools>=69 from the package index (or PIP_FIND_LINKS).
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), "."],
        cwd=src,
    )
    wheels = list(dist.glob("archgen-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp_path / "venv"
    # The fresh venv sees the dev venv's packages through a .pth file, so installing
    # the wheel needs no network while archgen itself comes only from the wheel.
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(
        _run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path
        ).strip()
    )
    dev_site = Path(
        subprocess.run(
            [sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "zz_dev_deps.pth").write_text(str(dev_site) + "\n", encoding="utf-8")
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheels[0])], tmp_path)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    archgen = env_dir / "bin" / "archgen"
    where = _run([str(py), "-c", "import archgen; print(archgen.__file__)"], outside, env)
    assert Path(where.strip()).is_relative_to(site), "archgen must come from the wheel"
    version = _run([str(archgen), "--version"], outside, env)
    assert "0." in version or "1." in version
    out = _run([str(archgen), "recommend", "--answers", str(EXAMPLE), "--json"], outside, env)
    data = json.loads(out)
    assert data["pattern"] == "hybrid"

    for name in ("generator", "stacks", "templates"):
        assert not (site / name).exists(), f"top-level {name} leaked into site-packages"
    assert (site / "archgen_stacks" / "settings.py").is_file()
    assert (site / "archgen" / "data" / "matrix.yaml").is_file()
    assert (site / "archgen" / "templates").is_dir()
