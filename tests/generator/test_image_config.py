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
