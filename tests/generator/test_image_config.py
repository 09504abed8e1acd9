"""What a generated project says about its image: the stack config, the pins, the deploy steps."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BUILT = ["churn-nightly", "credit-decisions", "fraud-scoring-api"]
"""The examples whose pattern runs container tasks (the streaming one has none)."""


def config(example: str, stack: str) -> dict[str, object]:
    path = EXAMPLES / example / "infra" / f"Pulumi.{stack}.yaml"
    values: dict[str, object] = yaml.safe_load(path.read_text(encoding="utf-8"))["config"]
    return {key.split(":", 1)[1]: value for key, value in values.items()}


@pytest.mark.parametrize("example", BUILT)
def test_dev_builds_the_image_and_local_runs_the_pushed_tag(example: str) -> None:
    dev, local = config(example, "dev"), config(example, "local")
    assert dev["imageBuild"] is True
    assert dev["imageContext"] == ".."
    assert (EXAMPLES / example / "infra" / str(dev["imageContext"]) / "Dockerfile").is_file()
    assert local["imageBuild"] is False  # moto serves no registry to push to


@pytest.mark.parametrize("example", BUILT)
def test_the_readme_deploys_with_pulumi_up_alone(example: str) -> None:
    readme = (EXAMPLES / example / "README.md").read_text(encoding="utf-8")
    deploy = readme.split("## Deploy", 1)[1].split("```", 2)[1]
    assert "push it to the stack's repositoryUrl" not in deploy
    assert not [line for line in deploy.splitlines() if line.startswith("make image")]
    assert "the deploy below builds the project's image" in deploy
    assert "Buildx" in deploy


def test_generated_projects_pin_the_docker_build_provider_as_the_library_does() -> None:
    stacks = tomllib.loads((ROOT / "stacks" / "pyproject.toml").read_text(encoding="utf-8"))
    library = {
        Requirement(r).name: Requirement(r).specifier for r in stacks["project"]["dependencies"]
    }
    for example in sorted(p for p in EXAMPLES.iterdir() if (p / "infra").is_dir()):
        lines = (example / "infra" / "requirements.txt").read_text(encoding="utf-8").splitlines()
        pins = {
            Requirement(line).name: Requirement(line).specifier
            for line in lines
            if line.strip() and not line.startswith("#")
        }
        assert pins["pulumi-docker-build"] == library["pulumi-docker-build"], example.name


ALL_EXAMPLES = [*BUILT, "iot-sensor-monitoring"]


@pytest.mark.parametrize("example", ALL_EXAMPLES)
def test_the_docker_context_is_exactly_the_files_the_content_tag_hashes(
    example: str, tmp_path: Path
) -> None:
    """Docker's own reading of the project's .dockerignore (docker-py's `exclude_paths`, as the
    CLI sends a context) sends the files `content_hash` covers and nothing else. Otherwise an
    edit outside them (a doc, the stack config, a test) would make the build provider rebuild
    and push again under an unchanged tag, which the IMMUTABLE repository refuses."""
    import shutil

    from docker.utils.build import exclude_paths

    from archgen_stacks.image import image_files

    project = tmp_path / example
    shutil.copytree(EXAMPLES / example, project)
    # debris a working project has: caches, a venv in infra/, build output, a local data file
    for debris in ("src/pkg/__pycache__/x.cpython-311.pyc", "infra/venv/bin/python", "data/a.csv"):
        (project / debris).parent.mkdir(parents=True, exist_ok=True)
        (project / debris).write_text("x", encoding="utf-8")
    patterns = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [p for p in patterns if p.strip() and not p.startswith("#")]
    sent = {p for p in exclude_paths(str(project), patterns) if (project / p).is_file()}
    hashed = {rel for rel, _ in image_files(project)}
    assert sent == hashed
    assert "Dockerfile" in hashed and any(rel.startswith("src/") for rel in hashed)
