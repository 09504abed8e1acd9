"""Rendering: layer composition, the render plan, atomic writes, overlays and errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.main import cookiecutter  # type: ignore[import-untyped]
from packaging.requirements import Requirement

from archgen import render
from archgen.errors import RenderError, TargetExistsError
from archgen.patterns import Pattern
from archgen.render import build_context, layers_for, render_project, render_tree
from archgen.stack_settings import StackSettings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_plans import make_plan  # noqa: E402

TEMPLATES = Path(render.template_dir())
ROOT = Path(__file__).resolve().parents[2]


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, relative path -> bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def write_layer(root: Path, files: dict[str, str]) -> Path:
    """A template layer (or overlay) built in tmp_path from path -> text."""
    for rel, text in files.items():
        target = root / "{{cookiecutter.project_slug}}" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hybrid")
    return render_project(make_plan(Pattern.HYBRID), out).path


def test_layers_compose_hybrid_from_the_building_blocks() -> None:
    assert layers_for(Pattern.BATCH) == ["base", "batch", "monitoring"]
    assert layers_for(Pattern.REALTIME) == ["base", "realtime", "monitoring"]
    assert layers_for(Pattern.STREAMING) == ["base", "streaming", "monitoring"]
    hybrid = layers_for(Pattern.HYBRID)
    assert set(hybrid) == {
        *layers_for(Pattern.BATCH),
        *layers_for(Pattern.REALTIME),
        *layers_for(Pattern.STREAMING),
    }
    assert hybrid[0] == "base" and hybrid[-1] == "monitoring"
    assert sorted(p.name for p in TEMPLATES.iterdir() if (p / "layer.yaml").is_file()) == sorted(
        hybrid
    )


@pytest.mark.parametrize("pattern", list(Pattern))
def test_context_dependencies_come_from_the_pattern_layers(pattern: Pattern) -> None:
    context = build_context(make_plan(pattern))
    deps = context["_archgen"]["dependencies"]
    assert ("fastapi>=0.110,<1" in deps) == (pattern in (Pattern.REALTIME, Pattern.HYBRID))
    assert ("aws-lambda-powertools>=3,<4" in deps) == (
        pattern in (Pattern.STREAMING, Pattern.HYBRID)
    )
    assert "pydantic>=2.7,<3" in deps and len(deps) == len(set(deps))
    assert context["package_name"] == "loan_desk" and context["project_slug"] == "loan-desk"
    services = context["_archgen"]["services"]
    assert ("kinesis" in services) == (pattern in (Pattern.STREAMING, Pattern.HYBRID))
    assert ("sfn" in services) == (pattern in (Pattern.BATCH, Pattern.HYBRID))


def test_extra_context_wins() -> None:
    context = build_context(make_plan(), {"description": "Team-made", "team": "risk"})
    assert context["description"] == "Team-made" and context["team"] == "risk"


def test_base_cookiecutter_defaults_carry_every_plan_key() -> None:
    defaults = json.loads((TEMPLATES / "base" / "cookiecutter.json").read_text())
    assert set(defaults["_archgen"]) == set(build_context(make_plan())["_archgen"])


@pytest.mark.parametrize("layer", layers_for(Pattern.HYBRID))
def test_our_walk_matches_plain_cookiecutter(layer: str, tmp_path: Path) -> None:
    plan = make_plan(Pattern.HYBRID)
    context = build_context(plan)
    made = Path(
        cookiecutter(
            str(TEMPLATES / layer),
            no_input=True,
            output_dir=str(tmp_path / "cc"),
            extra_context=context,
            default_config=True,
        )
    )
    ours = tmp_path / "ours"
    env = render._environment()
    render._render_layer(env, layer, TEMPLATES / layer, context, ours)
    assert tree(made) == tree(ours)


def test_base_renders_alone_with_plain_cookiecutter_defaults(tmp_path: Path) -> None:
    made = Path(
        cookiecutter(
            str(TEMPLATES / "base"), no_input=True, output_dir=str(tmp_path), default_config=True
        )
    )
    files = tree(made)
    for rel in ("README.md", "pyproject.toml", "infra/Pulumi.dev.yaml", "Makefile"):
        text = files[rel].decode()
        assert text.strip() and "{{ cookiecutter" not in text and "{%" not in text, rel
    config = yaml.safe_load(files["infra/Pulumi.dev.yaml"])["config"]
    slug = made.name
    assert StackSettings.from_mapping(
        {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(f"{slug}:")}
    )


def test_project_has_the_pattern_layers_infra_and_record(hybrid: Path) -> None:
    files = set(tree(hybrid))
    for rel in (
        "pyproject.toml",
        "README.md",
        "Makefile",
        "Dockerfile",
        ".gitignore",
        ".github/workflows/ci.yml",
        ".github/workflows/pulumi.yml",
        "docs/adr/0001-architecture-pattern.md",
        "infra/Pulumi.yaml",
        "infra/Pulumi.dev.yaml",
        "infra/Pulumi.local.yaml",
        "infra/__main__.py",
        "infra/requirements.txt",
        "infra/policy/PulumiPolicy.yaml",
        "infra/policy/__main__.py",
        ".archgen.yaml",
        "src/loan_desk/api/app.py",
        "src/loan_desk/jobs/score.py",
        "src/loan_desk/stream/handler.py",
        "src/loan_desk/monitoring/prediction_log.py",
        "mk/api.mk",
        "mk/batch.mk",
        "mk/streaming.mk",
    ):
        assert rel in files, rel
    assert not [f for f in files if "{{" in f or "__pycache__" in f or f.endswith(".pyc")]
    for rel, data in tree(hybrid).items():
        text = data.decode()
        assert "{{ cookiecutter" not in text and "{%" not in text, rel


def test_project_pins_the_component_library_instead_of_copying_it(hybrid: Path) -> None:
    import archgen_stacks
    from archgen import __version__

    assert archgen_stacks.__version__ == __version__
    assert not (hybrid / "infra" / "components").exists()
    assert not list(hybrid.rglob("emulator.py")) and not list(hybrid.rglob("esm_runner.py"))
    infra = (hybrid / "infra" / "requirements.txt").read_text().splitlines()
    assert f"archgen-stacks=={__version__}" in infra
    policy = (hybrid / "infra" / "policy" / "requirements.txt").read_text().splitlines()
    assert f"archgen-stacks[policy]=={__version__}" in policy
    project = tomllib.loads((hybrid / "pyproject.toml").read_text())
    tests = project["project"]["optional-dependencies"]["test"]
    assert f"archgen-stacks[testing,policy]=={__version__}" in tests
    assert not [
        d for d in tests if d.split("[")[0].split(">")[0] in ("moto", "pulumi", "pulumi-aws")
    ]
    main = (hybrid / "infra" / "__main__.py").read_text()
    assert "from archgen_stacks.program import main" in main


def test_component_library_pins_the_archgen_it_is_released_with() -> None:
    import archgen_stacks

    stacks = tomllib.loads((ROOT / "stacks" / "pyproject.toml").read_text())
    assert f"archgen=={archgen_stacks.__version__}" in stacks["project"]["dependencies"]


@pytest.mark.parametrize("pattern", list(Pattern))
def test_single_patterns_leave_out_other_blocks(pattern: Pattern, tmp_path: Path) -> None:
    files = set(render_tree(make_plan(pattern), tmp_path / "p"))
    assert ("src/loan_desk/api/app.py" in files) == (pattern in (Pattern.REALTIME, Pattern.HYBRID))
    assert ("src/loan_desk/jobs/train.py" in files) == (pattern in (Pattern.BATCH, Pattern.HYBRID))
    assert ("mk/streaming.mk" in files) == (pattern in (Pattern.STREAMING, Pattern.HYBRID))
    dockerfile = (tmp_path / "p" / "Dockerfile").read_text()
    cmd = json.loads(dockerfile.rsplit("CMD ", 1)[1])
    expected = {
        Pattern.BATCH: "loan_desk.jobs.score",
        Pattern.REALTIME: "loan_desk.api",
        Pattern.STREAMING: "loan_desk",
        Pattern.HYBRID: "loan_desk.api",
    }[pattern]
    assert cmd[:3] == ["python", "-m", expected]
    assert "USER app" in dockerfile


@pytest.mark.parametrize("pattern", [Pattern.STREAMING, Pattern.HYBRID])
def test_stream_projects_deploy_the_image_and_build_no_zip(
    pattern: Pattern, tmp_path: Path
) -> None:
    """The consumer is an image Lambda: awslambdaric is a dependency of the image's package,
    and nothing anywhere builds, names or deploys a consumer zip."""
    root = tmp_path / "p"
    files = render_tree(make_plan(pattern), root)
    project = tomllib.loads((root / "pyproject.toml").read_text())
    requirements = [Requirement(d) for d in project["project"]["dependencies"]]
    (ric,) = [r for r in requirements if r.name == "awslambdaric"]
    assert ric.specifier.contains("4.2.2")  # the release on PyPI today
    assert ric.marker is not None and ric.marker.evaluate({"sys_platform": "linux"})
    for name in files:
        path = root / name
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        for stale in ("consumerCodePath", "package-lambda", "build/consumer"):
            assert stale not in text, f"{name} still names {stale}"
    readme = (root / "README.md").read_text()
    assert readme.count("make image ") == 1
    assert "--platform linux/amd64" in (root / "Makefile").read_text()


def test_dev_config_is_the_sized_stack_config(tmp_path: Path) -> None:
    plan = make_plan(Pattern.REALTIME, api_max_tasks=7, api_min_tasks=3, api_desired_tasks=3)
    project = render_project(plan, tmp_path).path
    config = yaml.safe_load((project / "infra" / "Pulumi.dev.yaml").read_text())["config"]
    settings = StackSettings.from_mapping(
        {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("loan-desk:")}
    )
    assert (settings.api_max_tasks, settings.api_min_tasks, settings.pattern) == (7, 3, "realtime")
    assert config["aws:region"] == "us-east-2"
    assert settings.package_name == "loan_desk" and settings.consumer_handler == ""
    hybrid = render_tree(make_plan(Pattern.HYBRID), tmp_path / "h")
    assert "infra/Pulumi.dev.yaml" in hybrid
    text = (tmp_path / "h" / "infra" / "Pulumi.dev.yaml").read_text()
    # the hybrid's stream carries the API's prediction log: its consumer monitors, never scores
    assert "loan-desk:consumerHandler: loan_desk.monitoring.consumer.lambda_handler" in text
    assert "loan-desk:driftAlarmPsi: 0.25" in text
    render_tree(make_plan(Pattern.STREAMING), tmp_path / "s")
    streaming = (tmp_path / "s" / "infra" / "Pulumi.dev.yaml").read_text()
    assert "loan-desk:consumerHandler: loan_desk.stream.handler.lambda_handler" in streaming
    local = yaml.safe_load((project / "infra" / "Pulumi.local.yaml").read_text())["config"]
    endpoints = local["aws:endpoints"][0]
    assert {"ecs", "elbv2", "s3"} <= set(endpoints) and "kinesis" not in endpoints
    assert local["aws:skipRequestingAccountId"] is True


def test_readme_and_adr_explain_the_decision(hybrid: Path) -> None:
    readme = (hybrid / "README.md").read_text()
    plan = make_plan(Pattern.HYBRID)
    assert plan.decision.reasons[0] in readme
    assert "```mermaid\nflowchart LR" in readme
    assert "$60.25" in readme and "Fargate vCPU-hours" in readme
    assert "Peak requests per second" in readme and "pulumi up" in readme
    adr = (hybrid / "docs" / "adr" / "0001-architecture-pattern.md").read_text()
    for pattern, sentence in plan.decision.why_not.items():
        assert f"**{pattern.label}**: {sentence}" in adr
    assert "ruled out: answers within 50 ms" in adr


def test_record_round_trips(hybrid: Path) -> None:
    data = yaml.safe_load((hybrid / ".archgen.yaml").read_text())
    assert data["pattern"] == "hybrid"
    assert data["answers"]["project_name"] == "loan-desk"
    assert data["archgen_version"]


def test_output_is_deterministic(tmp_path: Path) -> None:
    a = render_project(make_plan(), tmp_path / "a").path
    b = render_project(make_plan(), tmp_path / "b").path
    assert tree(a) == tree(b)


def test_pretend_lists_files_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = render_project(make_plan(), out, pretend=True)
    assert not out.exists()
    assert result.path == out / "loan-desk"
    assert "README.md" in result.files and result.files == sorted(result.files)
    real = render_project(make_plan(), out)
    assert real.files == result.files == sorted(tree(real.path))


def test_non_empty_target_is_refused(tmp_path: Path) -> None:
    mine = tmp_path / "loan-desk" / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("mine")
    with pytest.raises(TargetExistsError):
        render_project(make_plan(), tmp_path)
    assert tree(tmp_path) == {"loan-desk/notes.txt": b"mine"}


def test_empty_target_is_used(tmp_path: Path) -> None:
    (tmp_path / "loan-desk").mkdir()
    assert (render_project(make_plan(), tmp_path).path / "README.md").is_file()


def test_force_replaces_generated_files_and_keeps_the_users(tmp_path: Path) -> None:
    project = tmp_path / "loan-desk"
    (project / "docs").mkdir(parents=True)
    (project / "docs" / "runbook.md").write_text("keep me")
    (project / "README.md").write_text("old readme")
    result = render_project(make_plan(), tmp_path, force=True)
    assert (project / "docs" / "runbook.md").read_text() == "keep me"
    assert "old readme" not in (project / "README.md").read_text()
    assert result.replaced == ["README.md"] and result.backup is not None
    assert result.backup.parent == project / ".archgen-backup"
    backup = result.backup.relative_to(project).as_posix()
    assert set(tree(project)) == {*result.files, "docs/runbook.md", f"{backup}/README.md"}
    assert (result.backup / "README.md").read_text() == "old readme"
    assert not [p for p in tmp_path.iterdir() if p.name != "loan-desk"]


def test_template_error_names_layer_file_and_line(tmp_path: Path) -> None:
    overlay = write_layer(tmp_path / "team", {"ops.md": "ok\n{{ cookiecutter.nope }}\n"})
    with pytest.raises(RenderError, match=r"team.*ops\.md.*line 2"):
        render_project(make_plan(), tmp_path / "out", overlays=[overlay])
    assert not (tmp_path / "out").exists()
    broken = write_layer(tmp_path / "broken", {"x.txt": "a\nb\n{% for %}\n"})
    with pytest.raises(RenderError, match=r"x\.txt, line 3"):
        render_tree(make_plan(), tmp_path / "t", overlays=[broken])


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failure_leaves_everything_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException, force: bool
) -> None:
    project = tmp_path / "loan-desk"
    if force:
        project.mkdir()
        (project / "README.md").write_text("user readme")
        (project / "data.csv").write_text("1,2")
    before = snapshot(tmp_path)
    real_write = Path.write_bytes
    calls = {"n": 0}

    def failing_write(self: Path, data: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 20:
            raise failure
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    expected = KeyboardInterrupt if isinstance(failure, KeyboardInterrupt) else RenderError
    with pytest.raises(expected):
        render_project(make_plan(), tmp_path, force=force)
    assert snapshot(tmp_path) == before


def test_failure_while_moving_into_place_restores_user_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "loan-desk"
    (project / "src").mkdir(parents=True)
    (project / "README.md").write_text("user readme")
    (project / "src" / "own.py").write_text("x = 1\n")
    before = snapshot(tmp_path)
    real_replace = Path.replace
    calls = {"n": 0}

    def failing_replace(src: Path, dst: Any) -> Path:
        calls["n"] += 1
        if calls["n"] == 15:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(RenderError, match="No space left"):
        render_project(make_plan(), tmp_path, force=True)
    assert calls["n"] >= 15
    assert snapshot(tmp_path) == before


def test_missing_output_parents_are_removed_on_failure(tmp_path: Path) -> None:
    overlay = write_layer(tmp_path / "bad", {"x.txt": "{{ cookiecutter.missing }}"})
    with pytest.raises(RenderError):
        render_project(make_plan(), tmp_path / "a" / "b", overlays=[overlay])
    assert not (tmp_path / "a").exists()


def test_overlays_replace_and_add_files(tmp_path: Path) -> None:
    overlay = write_layer(
        tmp_path / "pack",
        {"README.md": "# {{ cookiecutter.project_name }} by the risk team\n", "OWNERS": "risk\n"},
    )
    result = render_project(make_plan(), tmp_path / "out", overlays=[overlay])
    assert (result.path / "README.md").read_text() == "# Loan Desk by the risk team\n"
    assert (result.path / "OWNERS").read_text() == "risk\n"
    assert "OWNERS" in result.files


def test_template_root_replaces_the_builtin_templates(tmp_path: Path) -> None:
    root = tmp_path / "old"
    for layer in layers_for(Pattern.BATCH):
        write_layer(root / layer, {f"{layer}.txt": f"{layer} {{{{ cookiecutter.pattern }}}}\n"})
    files = render_tree(make_plan(Pattern.BATCH), tmp_path / "p", template_root=root)
    assert (tmp_path / "p" / "batch.txt").read_text() == "batch batch\n"
    assert "README.md" not in files and ".archgen.yaml" in files


def test_rendered_project_passes_ruff_and_its_infra_tests(hybrid: Path) -> None:
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=hybrid,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/infra"],
        cwd=hybrid,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
    assert " passed" in suite.stdout


def test_an_override_is_explained(tmp_path: Path) -> None:
    plan = make_plan(Pattern.REALTIME, name="fraud-scoring-api")
    decision = plan.decision.model_copy(
        update={
            "recommended": Pattern.HYBRID,
            "warnings": ["Real-Time gives up scheduled retraining."],
        }
    )
    plan = plan.model_copy(update={"decision": decision})
    project = render_project(plan, tmp_path).path
    readme = (project / "README.md").read_text()
    assert readme.startswith("# Fraud Scoring API\n")
    assert "**Pattern: Real-Time**, chosen over the recommended Hybrid." in readme
    assert "> **Warning:** Real-Time gives up scheduled retraining." in readme
    adr = (project / "docs" / "adr" / "0001-architecture-pattern.md").read_text()
    assert "pattern, chosen over the recommended Hybrid." in adr


def test_an_undeployable_stack_config_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="apiMinTasks"):
        render_project(make_plan(Pattern.REALTIME, api_min_tasks=5, api_max_tasks=2), tmp_path)
    with pytest.raises(RenderError, match="no_such_key"):
        render_project(make_plan(Pattern.REALTIME, no_such_key=1), tmp_path)
    assert not any(tmp_path.iterdir())
