"""`archgen update` and `archgen check`, thin shells over `archgen.update`."""

from __future__ import annotations

from pathlib import Path

import click

from archgen.cli_base import ArchgenCommand, UserPath, project_option
from archgen.errors import ConflictsError
from archgen.update import check as check_project
from archgen.update import update as update_project


@click.command(
    "update",
    cls=ArchgenCommand,
    epilog="""\b
Examples (inside a generated project):
  archgen update --dry-run
  archgen update --set daily_volume=500000
  archgen update --from ../archgen-0.1.0/templates
""",
)
@click.option("--dry-run", is_flag=True, help="Show the diff; write nothing.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Change an answer.")
@click.option("--allow-dirty", is_flag=True, help="Run even with uncommitted git changes.")
@click.option(
    "--from",
    "from_dir",
    type=UserPath(file_okay=False, path_type=Path),
    help="Template folder of the archgen version the project was made with.",
)
@click.option(
    "--from-pack",
    type=UserPath(file_okay=False, path_type=Path),
    help="The team pack version the project was made with, when it is not cached.",
)
@project_option
def update(
    dry_run: bool,
    sets: tuple[str, ...],
    allow_dirty: bool,
    from_dir: Path | None,
    from_pack: Path | None,
    project: Path,
) -> None:
    """Merge the current templates (and changed answers) into a generated project."""
    result = update_project(
        project,
        dry_run=dry_run,
        sets=sets,
        allow_dirty=allow_dirty,
        from_dir=from_dir,
        from_pack=from_pack,
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if dry_run:
        click.echo(result.diff, nl=False)
    for change in result.changes:
        note = f" ({change.note})" if change.note else ""
        click.echo(f"{change.action:8} {change.path}{note}")
    if not result.changes:
        click.echo("already up to date")
    if result.conflicts:
        verb = "would conflict" if dry_run else "have conflicts; resolve the markers"
        listed = ", ".join(result.conflicts)
        raise ConflictsError(f"{len(result.conflicts)} file(s) {verb}: {listed}")


@click.command(
    "check",
    cls=ArchgenCommand,
    epilog="""\b
Examples:
  archgen check                     # in a generated project
  archgen check --project path/to/project
""",
)
@click.option(
    "--from",
    "from_dir",
    type=UserPath(file_okay=False, path_type=Path),
    help="Template folder of the archgen version the project was made with.",
)
@project_option
def check(from_dir: Path | None, project: Path) -> None:
    """Report drift between .archgen.yaml and the project; exit 1 when there is some."""
    report = check_project(project, from_dir=from_dir)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for drift in report.drift:
        click.echo(f"{drift.kind:8} {drift.path}: {drift.detail}")
    if report.ok:
        click.echo("no drift: the project matches .archgen.yaml")
    else:
        raise SystemExit(1)
