"""Packaging: the wheel installs into a fresh venv and works from outside the repository."""

from __future__ import annotations

import json
import os
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "credit-decisions" / ".archgen.yaml"

sys.path.insert(0, str(ROOT / "tests"))
from wheelhouse import build_wheels, run  # noqa: E402

HEAVY = ("pulumi", "pulumi-aws", "moto", "boto3", "botocore", "cfn-lint", "sympy")
"""What the CLI never imports, so a plain `pip install archgen` must not bring it."""


@pytest.mark.slow
def test_wheels_install_light_and_run_outside_the_repo(tmp_path: Path) -> None:
    dist = build_wheels(tmp_path)
    (core,) = dist.glob("archgen-*.whl")
    (stacks,) = dist.glob("archgen_stacks-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(
        run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path
        ).strip()
    )
    # the core wheel with its dependencies from the package index: only the light ones
    run([str(py), "-m", "pip", "install", "-q", str(core)], tmp_path)
    installed = run([str(py), "-m", "pip", "list", "--format", "json"], tmp_path)
    names = {d["name"].lower().replace("_", "-") for d in json.loads(installed)}
    assert "archgen" in names and "click" in names and "cookiecutter" in names
    assert not names & set(HEAVY), f"pip install archgen brought {sorted(names & set(HEAVY))}"

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    archgen = env_dir / "bin" / "archgen"
    where = run([str(py), "-c", "import archgen; print(archgen.__file__)"], outside, env)
    assert Path(where.strip()).is_relative_to(site), "archgen must come from the wheel"
    version = run([str(archgen), "--version"], outside, env)
    assert "0." in version or "1." in version
    out = run([str(archgen), "recommend", "--answers", str(EXAMPLE), "--json"], outside, env)
    assert json.loads(out)["pattern"] == "hybrid"
    run([str(archgen), "new", "--no-input", "--answers", str(EXAMPLE), "-o", "out"], outside, env)
    assert (outside / "out" / "credit-decisions" / "infra" / "__main__.py").is_file()

    for name in ("generator", "stacks", "templates"):
        assert not (site / name).exists(), f"top-level {name} leaked into site-packages"
    assert (site / "archgen" / "stack_settings.py").is_file()
    assert (site / "archgen" / "data" / "matrix.yaml").is_file()
    assert (site / "archgen" / "templates").is_dir()

    # the component library's wheel: its modules under archgen_stacks, its pytest plugin registered
    with zipfile.ZipFile(stacks) as wheel:
        members = set(wheel.namelist())
        entry_points = next(n for n in members if n.endswith("entry_points.txt"))
        plugins = wheel.read(entry_points).decode()
    assert {"archgen_stacks/program.py", "archgen_stacks/testing/pytest_plugin.py"} <= members
    assert not [m for m in members if not m.startswith("archgen_stacks")]
    assert "archgen_stacks.testing.pytest_plugin" in plugins
