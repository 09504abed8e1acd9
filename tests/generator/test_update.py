"""archgen update / check: three-way merge of template changes into an edited project."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest
import yaml
from click.testing import CliRunner

from archgen import __version__, snapshots
from archgen import merge as merge_module
from archgen import render as render_module
from archgen import update as update_module
from archgen.cli_update import check as check_cmd
from archgen.cli_update import update as update_cmd
from archgen.errors import AnswersError, ConflictsError, UpdateError
from archgen.packs import apply_pack
from archgen.patterns import Pattern
from archgen.record import RECORD_FILE, ProjectRecord
from archgen.requirements import Requirements
from archgen.snapshots import old_template_root, snapshot_pack, snapshot_templates
from archgen.update import (
    RenderRequest,
    check,
    default_renderer,
    dump_project_record,
    update,
)

SLUG = "{{cookiecutter.project_slug}}"
TEMPLATES: dict[str, str] = {
    f"base/{SLUG}/README.md": "# {{ cookiecutter.project_slug }}\n\nIntro.\n\nUsage.\n",
    f"base/{SLUG}/src/app.py": "def main() -> int:\n    return 0\n\n\nVALUE = 1\n",
    f"base/{SLUG}/old_only.txt": "removed later\n",
    f"base/{SLUG}/edited_then_removed.txt": "removed later too\n",
    f"base/{SLUG}/infra/Pulumi.dev.yaml": (
        "config:\n"
        "  {{ cookiecutter.project_slug }}:scoreParallelism: {{ cookiecutter.shards }}\n"
        "  {{ cookiecutter.project_slug }}:logRetentionDays: 30\n"
    ),
    f"realtime/{SLUG}/api.py": "API = True\n",
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def fixture_renderer(request: RenderRequest, dest: Path) -> ProjectRecord:
    """Render the fixture layers with the record's answers, as render_tree does with real ones."""
    assert request.template_root is not None
    answers = request.record.answers
    pattern = request.record.pattern or (
        Pattern.REALTIME if answers.latency_p99_ms < 1000 else Pattern.BATCH
    )
    context = {
        "cookiecutter": {
            "project_slug": answers.project_name,
            "shards": math.ceil(answers.daily_volume / 100_000),
            **(request.pack.extra_context if request.pack else {}),
        }
    }
    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    layers = ["base"] + (["realtime"] if pattern is Pattern.REALTIME else [])
    layer_dirs = [request.template_root / layer for layer in layers]
    layer_dirs += request.pack.overlays_for(pattern) if request.pack else []
    for layer_dir in layer_dirs:
        for path in sorted(layer_dir.rglob("*")):
            if path.is_file():
                rel = env.from_string(str(path.relative_to(layer_dir)))
                target = dest / rel.render(context)
                target.parent.mkdir(parents=True, exist_ok=True)
                text = env.from_string(path.read_text(encoding="utf-8")).render(context)
                target.write_text(text, encoding="utf-8")
    record = request.record.model_copy(update={"pattern": pattern})
    (dest / answers.project_name / RECORD_FILE).write_text(dump_project_record(record))
    return record


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def old_templates(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "old-templates", TEMPLATES)


@pytest.fixture
def new_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The 'current' templates: README gains a section, app.py a line, one file goes."""
    files = dict(TEMPLATES)
    files[f"base/{SLUG}/README.md"] = (
        "# {{ cookiecutter.project_slug }}\n\nIntro.\n\nUsage.\n\n## Security\n\nPatch often.\n"
    )
    files[f"base/{SLUG}/src/app.py"] = "def main() -> int:\n    return 0\n\n\nVALUE = 2\n"
    files[f"base/{SLUG}/NEW.md"] = "new in this version\n"
    del files[f"base/{SLUG}/old_only.txt"]
    del files[f"base/{SLUG}/edited_then_removed.txt"]
    root = write_tree(tmp_path / "new-templates", files)
    monkeypatch.setattr(snapshots, "builtin_template_root", lambda: root)
    return root


def generate(
    tmp_path: Path, templates: Path, *, pack: str | None = None, **answers: object
) -> Path:
    record = ProjectRecord(
        archgen_version="0.0.1",
        answers=Requirements.model_validate({"project_name": "demo-svc", **answers}),
    )
    applied = apply_pack(record, pack) if pack else None
    if applied is not None:
        record = applied.record
        snapshot_pack(applied.pack)
    out = tmp_path / "out"
    fixture_renderer(RenderRequest(record, templates, applied), out)
    return out / "demo-svc"


def renderer_for(new_templates: Path) -> update_module.Renderer:
    """The fixture renderer, with None (the current templates) meaning `new_templates`."""

    def render(request: RenderRequest, dest: Path) -> ProjectRecord:
        root = request.template_root or new_templates
        return fixture_renderer(RenderRequest(request.record, root, request.pack), dest)

    return render


def git_commit_all(root: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "gen"], cwd=root, check=True)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_update_keeps_user_edits_and_brings_template_changes(
    tmp_path: Path, old_templates: Path, new_templates: Path
) -> None:
    project = generate(tmp_path, old_templates)
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("Intro.", "Intro, by the team."))
    (project / "edited_then_removed.txt").write_text("we rely on this\n")
    (project / "mine.txt").write_text("user file\n")

    result = update(project, from_dir=old_templates, renderer=renderer_for(new_templates))

    text = readme.read_text()
    assert "Intro, by the team." in text and "## Security" in text
    assert "VALUE = 2" in (project / "src/app.py").read_text()
    assert (project / "NEW.md").read_text() == "new in this version\n"
    assert not (project / "old_only.txt").exists()
    assert (project / "edited_then_removed.txt").read_text() == "we rely on this\n"
    assert (project / "mine.txt").read_text() == "user file\n"
    actions = {c.path: c.action for c in result.changes}
    assert actions["README.md"] == "merge"
    assert actions["edited_then_removed.txt"] == "keep"
    assert actions["old_only.txt"] == "delete"
    assert result.conflicts == []
    recorded = yaml.safe_load((project / RECORD_FILE).read_text())
    assert recorded["archgen_version"] == __version__
    assert not (project / merge_module.WORK_DIR).exists()


def test_conflicting_edit_gets_markers_and_cli_exits_non_zero(
    tmp_path: Path, old_templates: Path, new_templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(tmp_path, old_templates)
    app = project / "src/app.py"
    app.write_text(app.read_text().replace("VALUE = 1", "VALUE = 42"))
    monkeypatch.setattr(update_module, "default_renderer", renderer_for(new_templates))

    result = CliRunner().invoke(
        update_cmd, ["--from", str(old_templates), "--project", str(project)]
    )

    assert result.exit_code != 0
    assert "src/app.py" in result.output
    merged = app.read_text()
    assert "<<<<<<< yours" in merged and "VALUE = 42" in merged and "VALUE = 2" in merged
    assert ">>>>>>> template" in merged
    # while the markers remain, a second update refuses
    with pytest.raises(ConflictsError, match="src/app.py"):
        update(project, from_dir=old_templates, renderer=renderer_for(new_templates))


def test_dry_run_prints_the_diff_and_writes_nothing(
    tmp_path: Path, old_templates: Path, new_templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(tmp_path, old_templates)
    before = snapshot(project)
    monkeypatch.setattr(update_module, "default_renderer", renderer_for(new_templates))

    result = CliRunner().invoke(
        update_cmd, ["--dry-run", "--from", str(old_templates), "--project", str(project)]
    )

    assert result.exit_code == 0, result.output
    assert "+## Security" in result.output
    assert "-VALUE = 1" in result.output and "+VALUE = 2" in result.output
    assert snapshot(project) == before


def test_dirty_git_tree_is_refused_unless_allowed(
    tmp_path: Path, old_templates: Path, new_templates: Path
) -> None:
    project = generate(tmp_path, old_templates)
    git_commit_all(project)
    (project / "README.md").write_text("# uncommitted\n")
    before = snapshot(project)
    render = renderer_for(new_templates)

    with pytest.raises(UpdateError, match="uncommitted"):
        update(project, from_dir=old_templates, renderer=render)
    assert snapshot(project) == before

    result = update(project, from_dir=old_templates, renderer=render, allow_dirty=True)
    assert result.applied


def test_clean_git_tree_updates(tmp_path: Path, old_templates: Path, new_templates: Path) -> None:
    project = generate(tmp_path, old_templates)
    git_commit_all(project)
    result = update(project, from_dir=old_templates, renderer=renderer_for(new_templates))
    assert result.applied and "## Security" in (project / "README.md").read_text()


def test_interrupted_update_leaves_the_tree_as_it_was(
    tmp_path: Path, old_templates: Path, new_templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(tmp_path, old_templates)
    before = snapshot(project)
    real_apply = merge_module._apply_one
    calls: list[str] = []

    def fail_on_third(root: Path, rel: str, staged: Path | None) -> None:
        calls.append(rel)
        if len(calls) == 3:
            raise OSError("disk full")
        real_apply(root, rel, staged)

    monkeypatch.setattr(merge_module, "_apply_one", fail_on_third)
    with pytest.raises(UpdateError, match="rolled back"):
        update(project, from_dir=old_templates, renderer=renderer_for(new_templates))
    assert len(calls) == 3
    assert snapshot(project) == before


def test_journal_left_by_a_killed_update_is_rolled_back(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "p", {"a.txt": "changed by update\n"})
    work = project / merge_module.WORK_DIR
    write_tree(work / "backup", {"a.txt": "original\n"})
    files = [{"path": "a.txt", "existed": True}, {"path": "b.txt", "existed": False}]
    journal = {"version": 1, "root": str(project.resolve()), "files": files}
    (work / "journal.json").write_text(json.dumps(journal))
    (project / "b.txt").write_text("added by update\n")

    assert merge_module.recover(project)
    assert (project / "a.txt").read_text() == "original\n"
    assert not (project / "b.txt").exists() and not work.exists()


def test_set_resizes_and_warns_about_a_new_pattern(
    tmp_path: Path, old_templates: Path, new_templates: Path
) -> None:
    project = generate(tmp_path, old_templates, daily_volume=100_000, latency_p99_ms=3_600_000)
    render = renderer_for(new_templates)

    result = update(
        project,
        from_dir=old_templates,
        renderer=render,
        sets=["daily_volume=500000", "latency_p99_ms=200"],
    )

    config = yaml.safe_load((project / "infra/Pulumi.dev.yaml").read_text())["config"]
    assert config["demo-svc:scoreParallelism"] == 5
    assert (project / "api.py").is_file()
    assert any("realtime" in w and "batch" in w for w in result.warnings)
    recorded = yaml.safe_load((project / RECORD_FILE).read_text())
    assert recorded["answers"]["daily_volume"] == 500_000
    assert recorded["pattern"] == "realtime"


@pytest.mark.parametrize("item", ["daily_volume=-3", "nonsense=1", "no-equals"])
def test_bad_set_is_an_answers_error(
    tmp_path: Path, old_templates: Path, new_templates: Path, item: str
) -> None:
    project = generate(tmp_path, old_templates)
    with pytest.raises(AnswersError):
        update(project, from_dir=old_templates, renderer=renderer_for(new_templates), sets=[item])


def test_old_templates_come_from_flag_then_snapshot_then_current(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "src", {"base/x.txt": "x\n"})
    record = ProjectRecord(archgen_version="0.0.9")
    with pytest.raises(UpdateError, match="--from"):
        old_template_root(record)
    snap = snapshot_templates("0.0.9", source=source)
    assert old_template_root(record) == snap
    assert (snap / "base/x.txt").read_text() == "x\n"
    assert old_template_root(record, tmp_path / "src") == tmp_path / "src"
    assert old_template_root(ProjectRecord(archgen_version=__version__)) is None


def test_snapshot_replaces_an_older_copy(tmp_path: Path) -> None:
    first = write_tree(tmp_path / "a", {"base/x.txt": "1\n"})
    second = write_tree(tmp_path / "b", {"base/y.txt": "2\n"})
    snapshot_templates("1.0", source=first)
    snap = snapshot_templates("1.0", source=second)
    assert sorted(p.name for p in snap.rglob("*.txt")) == ["y.txt"]


def test_check_is_clean_on_a_fresh_project_and_reports_drift(
    tmp_path: Path, old_templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(tmp_path, old_templates)
    monkeypatch.setattr(update_module, "default_renderer", renderer_for(old_templates))
    runner = CliRunner()
    args = ["--from", str(old_templates), "--project", str(project)]
    fresh = runner.invoke(check_cmd, args)
    assert fresh.exit_code == 0, fresh.output
    before = snapshot(project)

    config_file = project / "infra/Pulumi.dev.yaml"
    edited = config_file.read_text().replace("logRetentionDays: 30", "logRetentionDays: 7")
    config_file.write_text(edited)
    (project / "src/app.py").unlink()
    drifted = runner.invoke(check_cmd, args)

    assert drifted.exit_code != 0
    assert "demo-svc:logRetentionDays is 7" in drifted.output
    assert "src/app.py" in drifted.output
    report = check(project, from_dir=old_templates, renderer=renderer_for(old_templates))
    assert {d.kind for d in report.drift} == {"config", "missing"}
    del before["src/app.py"]
    before["infra/Pulumi.dev.yaml"] = config_file.read_bytes()
    assert snapshot(project) == before


def test_outside_a_generated_project_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(check_cmd, ["--project", str(tmp_path)])
    assert result.exit_code != 0
    assert "no .archgen.yaml" in result.output and "Traceback" not in result.output


# -- with the real templates and renderer ------------------------------------------


def test_update_with_the_builtin_templates_and_an_older_revision(tmp_path: Path) -> None:
    current = render_module.template_dir()
    old = tmp_path / "templates-old"
    shutil.copytree(current, old, ignore=shutil.ignore_patterns("__pycache__"))
    gitignore = old / "base" / SLUG / ".gitignore"
    gitignore.write_text(gitignore.read_text().replace(".ruff_cache/\n", ""))
    dockerfile = old / "base" / SLUG / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("EXPOSE 8080", "EXPOSE 8000"))
    record = ProjectRecord(
        archgen_version=__version__, answers=Requirements(project_name="credit-svc")
    )
    project = tmp_path / "credit-svc"
    default_renderer(RenderRequest(record, old), project)
    assert ".ruff_cache/" not in (project / ".gitignore").read_text()
    with (project / ".gitignore").open("a") as fh:
        fh.write("notebooks/scratch/\n")
    (project / "Dockerfile").write_text(
        (project / "Dockerfile").read_text().replace("EXPOSE 8000", "EXPOSE 9000")
    )

    result = update(project, from_dir=old)

    ignored = (project / ".gitignore").read_text().splitlines()
    assert "notebooks/scratch/" in ignored and ".ruff_cache/" in ignored
    assert result.conflicts == ["Dockerfile"]
    docker = (project / "Dockerfile").read_text()
    assert "EXPOSE 9000" in docker and "EXPOSE 8080" in docker and "<<<<<<< yours" in docker
    untouched = {c.path for c in result.changes}
    assert "pyproject.toml" not in untouched

    again = check(project)
    assert again.ok, again.drift


def test_check_on_a_real_project_fresh_then_hand_edited(tmp_path: Path) -> None:
    record = ProjectRecord(
        archgen_version=__version__,
        answers=Requirements(project_name="risk-api", latency_p99_ms=100, daily_volume=2_000_000),
    )
    project = tmp_path / "risk-api"
    default_renderer(RenderRequest(record, None), project)
    runner = CliRunner()
    fresh = runner.invoke(check_cmd, ["--project", str(project)])
    assert fresh.exit_code == 0, fresh.output

    config_path = project / "infra/Pulumi.dev.yaml"
    data = yaml.safe_load(config_path.read_text())
    sized = data["config"]["risk-api:apiMaxTasks"]
    data["config"]["risk-api:apiMaxTasks"] = sized + 7
    config_path.write_text(yaml.safe_dump(data))
    drifted = runner.invoke(check_cmd, ["--project", str(project)])

    assert drifted.exit_code == 1
    assert f"risk-api:apiMaxTasks is {sized + 7}" in drifted.output
    assert f"sizes it {sized}" in drifted.output


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("logRetentionDays", 45, "allowed: 1, 3, 5, 7, 14, 30"),
        ("batchScheduleTimezone", "Mars/Olympus", "IANA"),
        ("apiCpu", 256, "allowed"),
    ],
)
def test_check_names_a_value_aws_would_reject_and_what_it_allows(
    tmp_path: Path, key: str, value: object, allowed: str
) -> None:
    record = ProjectRecord(
        archgen_version=__version__,
        answers=Requirements(project_name="risk-api", urgency="high", daily_volume=2_000_000),
    )
    project = tmp_path / "risk-api"
    default_renderer(RenderRequest(record, None), project)
    config_path = project / "infra/Pulumi.dev.yaml"
    data = yaml.safe_load(config_path.read_text())
    data["config"][f"risk-api:{key}"] = value
    if key == "apiCpu":
        data["config"]["risk-api:apiMemoryMb"] = 8192  # 0.25 vCPU allows at most 2 GB
    config_path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(check_cmd, ["--project", str(project)])
    assert result.exit_code == 1
    invalid = [line for line in result.output.splitlines() if line.startswith("invalid")]
    assert any(key in line and allowed in line for line in invalid), result.output


PACK_V1 = {
    "archgen-pack.yaml": "name: acme\nversion: 1.0.0\nlayers:\n  base: layers/base\n",
    f"layers/base/{SLUG}/Dockerfile": "FROM acme/python:1\nUSER app\n",
}


def test_update_merges_a_new_pack_version_with_user_edits(
    tmp_path: Path, old_templates: Path, new_templates: Path
) -> None:
    pack = write_tree(tmp_path / "pack", PACK_V1)
    project = generate(tmp_path, old_templates, pack=str(pack))
    assert (project / "Dockerfile").read_text() == "FROM acme/python:1\nUSER app\n"
    (project / "Dockerfile").write_text("FROM acme/python:1\nUSER app\nHEALTHCHECK CMD true\n")
    write_tree(
        pack,
        {
            "archgen-pack.yaml": PACK_V1["archgen-pack.yaml"].replace("1.0.0", "2.0.0"),
            f"layers/base/{SLUG}/Dockerfile": "FROM acme/python:2\nUSER app\n",
        },
    )

    result = update(project, from_dir=old_templates, renderer=renderer_for(new_templates))

    assert (project / "Dockerfile").read_text() == (
        "FROM acme/python:2\nUSER app\nHEALTHCHECK CMD true\n"
    )
    assert result.record.pack is not None and result.record.pack.version == "2.0.0"
    assert yaml.safe_load((project / RECORD_FILE).read_text())["pack"]["version"] == "2.0.0"


def test_missing_old_pack_version_is_warned_about(
    tmp_path: Path, old_templates: Path, new_templates: Path
) -> None:
    pack = write_tree(tmp_path / "pack", PACK_V1)
    project = generate(tmp_path, old_templates, pack=str(pack))
    shutil.rmtree(tmp_path / "cache")
    (pack / "archgen-pack.yaml").write_text(PACK_V1["archgen-pack.yaml"].replace("1.0", "1.1"))

    result = update(
        project, from_dir=old_templates, renderer=renderer_for(new_templates), dry_run=True
    )

    assert any("--from-pack" in w and "acme 1.0.0" in w for w in result.warnings)


def test_set_on_a_real_project_resizes_the_stack_config(tmp_path: Path) -> None:
    record = ProjectRecord(
        archgen_version=__version__,
        answers=Requirements(project_name="risk-api", latency_p99_ms=100, daily_volume=200_000),
    )
    project = tmp_path / "risk-api"
    default_renderer(RenderRequest(record, None), project)
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOwned by the risk team.\n")
    git_commit_all(project)
    config_path = project / "infra/Pulumi.dev.yaml"
    before = yaml.safe_load(config_path.read_text())["config"]

    result = CliRunner().invoke(
        update_cmd, ["--set", "daily_volume=2,000,000", "--project", str(project)]
    )

    assert result.exit_code == 0, result.output
    after = yaml.safe_load(config_path.read_text())["config"]
    assert after["risk-api:apiMaxTasks"] > before["risk-api:apiMaxTasks"]
    assert "infra/Pulumi.dev.yaml" in result.output
    assert readme.read_text().endswith("Owned by the risk team.\n")
    assert yaml.safe_load((project / RECORD_FILE).read_text())["answers"]["daily_volume"] == (
        2_000_000
    )
    assert check(project).ok


def test_modes_are_kept_and_binary_clashes_keep_the_users_file(tmp_path: Path) -> None:
    old = write_tree(tmp_path / "old", {"run.sh": "echo 1\n", "logo.bin": "a\0b"})
    new = write_tree(tmp_path / "new", {"run.sh": "echo 2\n", "logo.bin": "a\0c", "x.sh": "x\n"})
    (new / "x.sh").chmod(0o755)
    mine = write_tree(tmp_path / "mine", {"run.sh": "echo 1\n", "logo.bin": "a\0mine"})
    (mine / "run.sh").chmod(0o750)
    files = {
        name: {p.name: p for p in root.iterdir()}
        for name, root in [("old", old), ("new", new), ("mine", mine)]
    }

    changes, results = merge_module.three_way(files["old"], files["new"], files["mine"])
    merge_module.apply_results(mine, results, {"x.sh": 0o100755})

    assert (mine / "run.sh").read_text() == "echo 2\n"
    assert (mine / "run.sh").stat().st_mode & 0o777 == 0o750
    assert (mine / "x.sh").stat().st_mode & 0o777 == 0o755
    assert (mine / "logo.bin").read_bytes() == b"a\0mine"
    assert {c.path: c.action for c in changes}["logo.bin"] == "keep"
