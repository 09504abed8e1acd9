"""`archgen update` in a project made by an older archgen: the component pin moves, edits stay.

The older release is built here: a copy of the templates with one template change
undone, and a project rendered from it with the older version recorded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archgen import __version__
from archgen.api import make_plan
from archgen.patterns import Pattern
from archgen.record import ProjectRecord
from archgen.render import render_tree, template_dir
from archgen.requirements import Requirements
from archgen.update import check, update

SLUG = "{{cookiecutter.project_slug}}"
OLD = "0.1.9"
HELP_LINE = '\t@echo "make typecheck  mypy (strict)"\n'


@pytest.fixture
def older_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(project made by archgen 0.1.9, that release's templates)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    templates = tmp_path / f"archgen-{OLD}" / "templates"
    shutil.copytree(template_dir(), templates)
    makefile = templates / "base" / SLUG / "Makefile"
    text = makefile.read_text(encoding="utf-8")
    assert HELP_LINE in text
    makefile.write_text(text.replace(HELP_LINE, ""), encoding="utf-8")  # not in 0.1.9 yet
    record = ProjectRecord(
        archgen_version=OLD,
        answers=Requirements(
            project_name="older-service",
            region="eu-west-1",
            urgency="low",
            latency_p99_ms=86_400_000,
            data_arrival="files",
        ),
        pattern=Pattern.BATCH,
    )
    project = tmp_path / "older-service"
    render_tree(make_plan(record), project, template_root=templates)
    return project, templates


def test_the_older_side_pins_the_older_components(older_project: tuple[Path, Path]) -> None:
    project, _ = older_project
    assert f"archgen-stacks=={OLD}" in (project / "infra" / "requirements.txt").read_text()
    assert HELP_LINE not in (project / "Makefile").read_text()


def test_update_proposes_the_new_component_version_and_merges_template_changes(
    older_project: tuple[Path, Path],
) -> None:
    project, templates = older_project
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nTeam notes: on call is #loans.\n")
    before = check(project, from_dir=templates)
    assert any(f"pins archgen-stacks {OLD}" in note for note in before.notes), before.notes

    result = update(project, from_dir=templates, allow_dirty=True)
    assert not result.conflicts, result.diff
    assert (
        f"-archgen-stacks=={OLD}" in result.diff
        and f"+archgen-stacks=={__version__}" in result.diff
    )
    infra = (project / "infra" / "requirements.txt").read_text().splitlines()
    assert f"archgen-stacks=={__version__}" in infra
    assert (
        f"archgen-stacks[testing,policy]=={__version__}" in (project / "pyproject.toml").read_text()
    )
    assert HELP_LINE in (project / "Makefile").read_text()  # the template change arrived
    assert "Team notes: on call is #loans." in readme.read_text()  # the user's edit stayed
    assert f"archgen_version: {__version__}" in (project / ".archgen.yaml").read_text()
