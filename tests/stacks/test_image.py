"""The project image `pulumi up` builds and pushes: its content tag, build options, wiring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pulumi
import pulumi_docker_build as docker_build
import pytest

from archgen.stack_settings import StackSettings
from archgen_stacks import program
from archgen_stacks.image import content_hash, content_tag, image_files
from archgen_stacks.program import AppArtifacts, build
from archgen_stacks.testing.emulator._pulumi_internals import reveal_secrets

IMAGE = "docker-build:index:Image"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
PROJECT = {
    "Dockerfile": "FROM python:3.11-slim\nCOPY src ./src\n",
    "pyproject.toml": "[project]\nname = 'credit'\n",
    "README.md": "# credit\n",
    "src/credit/__init__.py": "",
    "src/credit/model.py": "WEIGHTS = [1, 2, 3]\n",
    "tests/test_model.py": "def test(): pass\n",
    "infra/__main__.py": "print('infra')\n",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def settings(pattern: str, **values: Any) -> StackSettings:
    return StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit", **values})


def app(context: Path, **values: Any) -> AppArtifacts:
    return AppArtifacts(
        package="credit",
        image_context=str(context),
        **values,
    )


def images(run: Any) -> set[str]:
    return {json.loads(t.inputs["containerDefinitions"])[0]["image"] for t in run.of(TASK)}


def test_the_content_tag_is_stable_and_follows_the_image_files(tmp_path: Path) -> None:
    one = write(tmp_path / "one", PROJECT)
    two = write(tmp_path / "two", PROJECT)
    tag = content_tag(one)
    assert tag == content_tag(two)  # same files elsewhere: same tag
    assert tag.startswith("sha-") and len(tag) == 20
    (one / "src/credit/__pycache__").mkdir()
    (one / "src/credit/__pycache__/model.cpython-311.pyc").write_bytes(b"\x00compiled")
    (one / "src/credit/stale.pyc").write_bytes(b"\x00")
    (one / "tests/test_model.py").write_text("changed\n", encoding="utf-8")  # not in the image
    (one / "infra/__main__.py").write_text("changed\n", encoding="utf-8")
    assert content_tag(one) == tag
    (one / "src/credit/model.py").write_text("WEIGHTS = [1, 2, 4]\n", encoding="utf-8")
    assert content_tag(one) != tag
    (two / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY src ./src\n", encoding="utf-8")
    assert content_tag(two) != tag


def test_the_hash_covers_paths_and_honours_dockerignore(tmp_path: Path) -> None:
    root = write(tmp_path / "p", PROJECT)
    assert [rel for rel, _ in image_files(root)] == [
        "Dockerfile",
        "README.md",
        "pyproject.toml",
        "src/credit/__init__.py",
        "src/credit/model.py",
    ]
    before = content_hash(root)
    (root / "src/credit/model.py").rename(root / "src/credit/weights.py")  # same bytes, new path
    assert content_hash(root) != before
    (root / ".dockerignore").write_text("**/*.md\nsrc/credit/notes*\n", encoding="utf-8")
    rels = [rel for rel, _ in image_files(root)]
    assert "README.md" not in rels
    ignored = content_hash(root)
    (root / "src/credit/notes.txt").write_text("scratch\n", encoding="utf-8")
    assert content_hash(root) == ignored


@pytest.mark.parametrize("pattern", ["batch", "realtime", "hybrid"])
def test_every_task_runs_the_image_built_from_the_project(
    mocked, tmp_path: Path, pattern: str
) -> None:
    root = write(tmp_path / "p", PROJECT)
    run = mocked(lambda: build(settings(pattern), app(root)))
    (image,) = run.of(IMAGE)
    repo_url = run.of("aws:ecr/repository:Repository")[0].outputs["repositoryUrl"]
    expected = f"{repo_url}:{content_tag(root)}"
    assert image.inputs["tags"] == [expected]
    families = {t.name for t in run.of(TASK)}
    if pattern != "realtime":
        assert {n for n in families if n.endswith(("-train-task", "-score-task"))}, families
    if pattern != "batch":
        assert any(n.endswith("-retrain-task") for n in families), families
    assert images(run) == {expected}  # API, batch jobs and retrain job alike
    assert image.inputs["context"] == {"location": str(root)}
    assert image.inputs["dockerfile"] == {"location": f"{root}/Dockerfile"}
    assert run.parents[image.name] == "credit-image"
    assert run.outputs["imageUri"] == expected


def test_a_changed_source_rolls_every_task_definition(mocked, tmp_path: Path) -> None:
    root = write(tmp_path / "p", PROJECT)
    before = images(mocked(lambda: build(settings("hybrid"), app(root))))
    (root / "src/credit/model.py").write_text("WEIGHTS = [9]\n", encoding="utf-8")
    after = images(mocked(lambda: build(settings("hybrid"), app(root))))
    assert len(before) == len(after) == 1 and before != after


def test_the_push_logs_in_with_the_repository_registry_token(mocked, tmp_path: Path) -> None:
    root = write(tmp_path / "p", PROJECT)
    run = mocked(lambda: build(settings("batch"), app(root)))
    (image,) = run.of(IMAGE)
    repo = run.of("aws:ecr/repository:Repository")[0].outputs
    assert image.inputs["registries"] != reveal_secrets(image.inputs["registries"])  # secret
    # the EchoMocks answer aws:ecr/getAuthorizationToken with user AWS, password ecr-token
    assert reveal_secrets(image.inputs["registries"]) == [
        {"address": repo["repositoryUrl"], "username": "AWS", "password": "ecr-token"}
    ]


def test_the_build_pushes_one_amd64_docker_manifest_like_the_tasks_declare(
    mocked, tmp_path: Path
) -> None:
    root = write(tmp_path / "p", PROJECT)
    run = mocked(lambda: build(settings("realtime"), app(root)))
    (image,) = run.of(IMAGE)
    assert image.inputs["platforms"] == [docker_build.Platform.LINUX_AMD64.value]
    # ECS's own model: the task definitions' architecture is X86_64 (the amd64 of the build)
    ecs = botocore.session.get_session().get_service_model("ecs")
    assert "X86_64" in ecs.shape_for("CPUArchitecture").enum
    for task in run.of(TASK):
        assert task.inputs["runtimePlatform"]["cpuArchitecture"] == "X86_64"
    # one registry export with Docker (not OCI) media types: a plain image manifest, no index;
    # `push` off (it would add a second, OCI, registry export) and not `exec` (the docker CLI
    # would add buildx's default provenance attestation)
    assert image.inputs["exports"] == [{"registry": {"ociMediaTypes": False}}]
    assert image.inputs["push"] is False
    assert "exec" not in image.inputs
    assert image.inputs["buildOnPreview"] is False


def test_an_image_uri_means_no_build_and_no_repository(mocked, tmp_path: Path) -> None:
    root = write(tmp_path / "p", PROJECT)
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/credit@sha256:" + "0" * 64
    run = mocked(lambda: build(settings("hybrid", imageUri=uri), app(root)))
    assert run.of(IMAGE) == []
    assert run.of("aws:ecr/repository:Repository") == []
    assert images(run) == {uri}


def test_image_build_false_runs_the_tag_the_team_pushes(mocked, tmp_path: Path) -> None:
    root = write(tmp_path / "p", PROJECT)
    s = settings("batch", imageBuild="false", imageTag="release-7")
    run = mocked(lambda: build(s, app(root)))
    assert run.of(IMAGE) == []
    repo_url = run.of("aws:ecr/repository:Repository")[0].outputs["repositoryUrl"]
    assert images(run) == {f"{repo_url}:release-7"}
    assert "imageUri" not in run.outputs


def test_image_settings_are_validated_in_one_line() -> None:
    with pytest.raises(ValueError, match=r"imageTag: must be an ECR tag") as err:
        settings("batch", imageBuild="false", imageTag="not a tag")
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=r"imageContext: must be a directory"):
        settings("batch", imageContext=" ")
    settings("batch", imageContext=" ", imageBuild="false")  # no build: no context needed
    settings("batch", imageTag="not a tag", imageUri="r.example/credit:1")


def test_main_stops_in_one_line_without_a_dockerfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    infra = write(tmp_path / "p", {"infra/Pulumi.yaml": "name: credit\n"}) / "infra"
    monkeypatch.chdir(infra)
    config = {"pattern": "batch", "namePrefix": "credit"}

    class Config:
        def __init__(self, namespace: str | None = None) -> None:
            self.namespace = namespace

        def get(self, key: str) -> str | None:
            return None if self.namespace == "aws" else config.get(key)

    monkeypatch.setattr(program.pulumi, "Config", Config)
    with pytest.raises(pulumi.RunError, match=r"^imageContext: no Dockerfile in \.\. ") as err:
        program.main()
    assert "\n" not in str(err.value)
