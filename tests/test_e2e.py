"""End to end: render each pattern, `make install` it into a fresh venv, then `make test`.

Slow (a fresh virtual environment and the generated projects' own suites); `.ci/run`
runs it. One venv serves every pattern: the first `make install` brings the
dependencies, the later ones add each project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from archgen.patterns import Pattern
from archgen.render import render_project

sys.path.insert(0, str(Path(__file__).resolve().parent / "generator"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_plans import make_plan  # noqa: E402
from wheelhouse import build_wheels  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A new virtual environment (no system site-packages); returns the env that activates it.

    pip finds this repository's archgen and archgen-stacks, which the projects pin,
    as freshly built wheels (PIP_FIND_LINKS); everything else comes from the index.
    """
    wheels = build_wheels(tmp_path_factory.mktemp("wheels"))
    root = tmp_path_factory.mktemp("venv") / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    env["VIRTUAL_ENV"] = str(root)
    env["PATH"] = f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_FIND_LINKS"] = str(wheels)
    return env


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.parametrize("pattern", list(Pattern))
def test_generated_project_installs_and_passes_its_own_suite(
    pattern: Pattern, tmp_path: Path, fresh_venv: dict[str, str]
) -> None:
    name = f"e2e-{pattern.value}-service"
    project = render_project(make_plan(pattern, name=name), tmp_path).path
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    run(["make", "install"], project, fresh_venv, timeout=1800)
    out = run(["make", "test"], project, fresh_venv, timeout=1200)
    assert " passed" in out and " failed" not in out
    assert "tests/infra/test_stack.py" in out
