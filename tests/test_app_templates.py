"""The application code of the template layers renders, passes ruff and passes its own tests.

The subject here is each layer's application package (`src/`) and its tests
(`tests/`, not `tests/infra/`); the rest of a layer (infra, docs, packaging) is
the renderer's and is tested with it. Each pattern's layer set is rendered
with plain cookiecutter and merged into one project in tmp_path, as the
renderer does; the rendered project's own suite then runs in a subprocess with
this virtual environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.main import cookiecutter  # type: ignore[import-untyped]

from archgen.model_spec import ModelSpec

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
SPECS = {
    # one spec per task other than the default credit example's binary one
    "multiclass": ROOT / "tests" / "specs" / "support-triage.yaml",
    "regression": ROOT / "examples" / "specs" / "iot-sensor-monitoring.yaml",
}
APP_LAYERS = ("base", "batch", "realtime", "streaming", "monitoring")
PATTERN_LAYERS: dict[str, tuple[str, ...]] = {
    "batch": ("base", "batch", "monitoring"),
    "realtime": ("base", "realtime", "monitoring"),
    "streaming": ("base", "streaming", "monitoring"),
    "hybrid": ("base", "batch", "realtime", "streaming", "monitoring"),
}
CONTEXT = {
    "project_name": "Loan Desk",
    "project_slug": "loan-desk",
    "package_name": "loan_desk",
    "region": "us-east-2",
}
RUFF_ARGS = [
    "--isolated",
    "--config",
    "src=['src']",
    "--select",
    "E,F,W,I,B,UP",
    "--line-length",
    "100",
    "--target-version",
    "py311",
]


def app_template(layer: str, dest: Path) -> Path:
    """A copy of `layer` holding its cookiecutter.json and only its application code and tests."""
    template = dest / f".template-{layer}"
    slug = "{{cookiecutter.project_slug}}"
    shutil.copy2(TEMPLATES / layer / "cookiecutter.json", _mkdir(template) / "cookiecutter.json")
    for part in ("src", "tests"):
        source = TEMPLATES / layer / slug / part
        if source.is_dir():
            shutil.copytree(
                source,
                template / slug / part,
                ignore=shutil.ignore_patterns("infra", "__pycache__"),
            )
    return template


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def spec_context(path: Path) -> dict[str, Any]:
    """The `_archgen` defaults with the model spec at `path` in place of the credit example."""
    defaults = json.loads((TEMPLATES / "base" / "cookiecutter.json").read_text())["_archgen"]
    spec = ModelSpec.model_validate(yaml.safe_load(path.read_text()))
    return {"_archgen": {**defaults, "spec": spec.template_context()}}


def render_layers(
    layers: tuple[str, ...], pattern: str, dest: Path, spec: Path | None = None
) -> Path:
    """Render each layer with cookiecutter and merge them into `dest`/<slug>; refuse collisions."""
    seen: dict[str, str] = {}
    extra = spec_context(spec) if spec else {}
    project = dest / CONTEXT["project_slug"]
    for layer in layers:
        out_dir = dest / f".layer-{layer}"
        rendered = Path(
            cookiecutter(
                str(app_template(layer, dest)),
                no_input=True,
                output_dir=str(out_dir),
                extra_context={**CONTEXT, "pattern": pattern, **extra},
            )
        )
        for path in sorted(p for p in rendered.rglob("*") if p.is_file()):
            rel = path.relative_to(rendered).as_posix()
            assert rel not in seen, f"{rel} is in both {seen[rel]} and {layer}"
            seen[rel] = layer
            target = project / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        shutil.rmtree(out_dir)
    return project


def clean_env() -> dict[str, str]:
    """This environment minus anything that could point the rendered tests at real AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.mark.parametrize("layer", APP_LAYERS)
def test_each_layer_renders_alone_with_plain_cookiecutter(layer: str, tmp_path: Path) -> None:
    template = app_template(layer, tmp_path)
    rendered = Path(cookiecutter(str(template), no_input=True, output_dir=str(tmp_path / "out")))
    sources = list((rendered / "src").rglob("*.py"))
    assert sources, f"{layer} renders no application code"
    assert not [p for p in rendered.rglob("*") if "{{" in p.name or "cookiecutter" in p.name]
    for path in sources:
        assert "{{" not in path.read_text() and "{%" not in path.read_text()


@pytest.mark.parametrize(
    "pattern",
    [
        # hybrid holds every layer, so it is the fast check; each other pattern proves its
        # smaller layer set stands alone.
        pytest.param(p, marks=() if p == "hybrid" else pytest.mark.slow)
        for p in sorted(PATTERN_LAYERS)
    ],
)
def test_pattern_app_passes_ruff_and_its_own_tests(pattern: str, tmp_path: Path) -> None:
    project = render_layers(PATTERN_LAYERS[pattern], pattern, tmp_path)
    assert (project / "src" / "loan_desk" / "model.py").is_file()
    _passes_ruff_and_its_suite(project)


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(SPECS))
def test_hybrid_app_speaks_a_spec_of_each_task(task: str, tmp_path: Path) -> None:
    """The whole app (every layer) is generated for another problem and passes its own suite."""
    project = render_layers(PATTERN_LAYERS["hybrid"], "hybrid", tmp_path, SPECS[task])
    spec_py = (project / "src" / "loan_desk" / "spec.py").read_text()
    assert f'TASK: Task = "{task}"' in spec_py
    code = "\n".join(p.read_text() for p in (project / "src").rglob("*.py"))
    for credit_word in ("applicant", "income", "default_probability", "debt_ratio"):
        assert credit_word not in code, credit_word
    _passes_ruff_and_its_suite(project)


def _passes_ruff_and_its_suite(project: Path) -> None:
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *RUFF_ARGS, "src", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # the generated project's own line length, as its `make lint` checks the layout
    layout = subprocess.run(
        [
            *[sys.executable, "-m", "ruff", "format", "--check", "--isolated"],
            *["--line-length", "100", "--target-version", "py311", "src", "tests"],
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert layout.returncode == 0, layout.stdout + layout.stderr
    env = clean_env()
    env["PYTHONPATH"] = str(project / "src")
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", ".", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    assert " passed" in suite.stdout and "skipped" not in suite.stdout


def test_hybrid_app_passes_mypy_strict(tmp_path: Path) -> None:
    project = render_layers(PATTERN_LAYERS["hybrid"], "hybrid", tmp_path)
    env = clean_env()
    env["MYPYPATH"] = str(project / "src")
    typed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--ignore-missing-imports",
            "--python-version",
            "3.11",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "src",
            "tests",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert typed.returncode == 0, typed.stdout[-4000:] + typed.stderr[-2000:]
