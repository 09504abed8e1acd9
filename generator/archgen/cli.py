"""The `archgen` command line: a thin shell over `archgen.api`.

It parses options, prompts and prints; the work happens in one
`pipeline.Pipeline` per command. Every question of the catalogue is also a flag (`--daily-volume`,
...), derived from `QUESTIONS`, so the flags, the prompts and the answers file
never drift apart. Errors raised on purpose (`ArchgenError`) become one line on
stderr and their exit code; Ctrl-C prints `Aborted.` and exits 130 (SIGTERM 143,
SIGHUP 129: `archgen.interrupts`).
Start-up stays light: rich, the renderer and team packs load only when used.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from archgen import __version__, interrupts
from archgen.cli_base import ArchgenCommandGroup, UserPath
from archgen.errors import AnswersError, ArchgenError
from archgen.patterns import Pattern
from archgen.requirements import QUESTIONS, Question, Requirements
from archgen.safe_io import quote

if TYPE_CHECKING:  # the plan and record models load only when a command needs them
    from archgen.pipeline import Pipeline
    from archgen.plan import Plan
    from archgen.record import ProjectRecord

F = TypeVar("F", bound=Callable[..., Any])

EXAMPLE_FILE = "examples/credit-decisions/.archgen.yaml"

EPILOG = """\b
Examples:
  archgen recommend --answers examples/credit-decisions/.archgen.yaml
  archgen new --no-input --answers examples/credit-decisions/.archgen.yaml -o out

\b
Shell completion (add to your shell's start-up file):
  bash: eval "$(_ARCHGEN_COMPLETE=bash_source archgen)"
  zsh:  eval "$(_ARCHGEN_COMPLETE=zsh_source archgen)"
  fish: _ARCHGEN_COMPLETE=fish_source archgen | source
"""

LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "packs": ("archgen.cli_packs", "packs", "List and show the team packs archgen can see."),
    "update": (
        "archgen.cli_update",
        "update",
        "Merge newer templates or changed answers into a project.",
    ),
    "check": ("archgen.cli_update", "check", "Report how a project drifted from its templates."),
    "cost": ("archgen.cli_cost", "cost", "Price every resource a project's stack deploys."),
    "scan": ("archgen.cli_scan", "scan", "Check a project's stack with checkov's AWS rules."),
}
"""Commands defined in other modules, imported only when invoked (keeps `--help` fast)."""


def flag_name(q: Question) -> str:
    """`daily_volume` -> `--daily-volume`."""
    return "--" + q.key.replace("_", "-")


class ArchgenGroup(ArchgenCommandGroup):
    """A click group that loads some commands lazily and turns our errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in LAZY_COMMANDS:
            return command
        module_name, attr, _ = LAZY_COMMANDS[cmd_name]
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return None
        found = getattr(module, attr, None)
        return found if isinstance(found, click.Command) else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing lazy commands' help would import them; show a short line instead.
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(60)))
            else:
                rows.append((name, LAZY_COMMANDS[name][2]))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def answer_options(func: F) -> F:
    """One `--<question>` option per question of the catalogue (values checked by the model)."""
    for q in reversed(QUESTIONS):
        default = Requirements.model_fields[q.key].default
        shown = getattr(default, "value", default)
        unit = f" [{q.unit}]" if q.unit else ""
        choices = f" ({'|'.join(q.choices)})" if q.choices else ""
        help_text = f"{q.prompt}{unit}{choices} {q.help} Default: {shown}."

        def complete(
            ctx: click.Context, param: click.Parameter, incomplete: str, q: Question = q
        ) -> list[str]:
            return [c for c in q.choices if c.startswith(incomplete)]

        func = click.option(
            flag_name(q),
            q.key,
            default=None,
            metavar="|".join(q.choices) if q.choices else "VALUE",
            help=help_text,
            shell_complete=complete if q.choices else None,
        )(func)
    return func


def _pattern(value: str | None, source: str = "--pattern") -> Pattern | None:
    if value is None or value == "":
        return None
    try:
        return Pattern(value.strip().lower())
    except ValueError as err:
        allowed = ", ".join(p.value for p in Pattern)
        raise AnswersError(f"{source}: must be one of {allowed} (got {quote(value)})") from err


def build_record(
    answers_file: Path | None, flags: Mapping[str, Any], pattern: str | None = None
) -> ProjectRecord:
    """The record from an answers file (if any) with the flags given on top."""
    from archgen.answers import build_requirements, load_record
    from archgen.record import ProjectRecord

    base = load_record(answers_file) if answers_file is not None else ProjectRecord()
    given = {k: v for k, v in flags.items() if v is not None}
    values = {**base.answers.as_answers(), **given} if given else None
    origins = {k: flag_name(next(q for q in QUESTIONS if q.key == k)) for k in given}
    answers = build_requirements(values, origins) if values is not None else base.answers
    chosen = _pattern(pattern) if pattern is not None else base.pattern
    return base.model_copy(update={"answers": answers, "pattern": chosen})


def plan_json(plan: Plan) -> dict[str, Any]:
    """The documented `recommend --json` object (see docs/recommend-json.md)."""
    from archgen.api import plan_to_json

    return plan_to_json(plan)


@click.group(
    cls=ArchgenGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, "--version", "-V", prog_name="archgen")
def cli() -> None:
    """Answer the architecture questions; get a recommended, sized, priced AI system project."""


RECOMMEND_EPILOG = """\b
Examples:
  archgen recommend --answers examples/credit-decisions/.archgen.yaml
  archgen recommend --urgency high --daily-volume 10000 --latency-p99-ms 100 --json
"""


@cli.command(epilog=RECOMMEND_EPILOG)
@click.option(
    "--answers",
    "answers_file",
    type=UserPath(path_type=Path),
    help="Answers file (YAML), e.g. a project's .archgen.yaml; flags override it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option(
    "--pattern",
    metavar="|".join(p.value for p in Pattern),
    help="See the plan for another pattern than the recommended one (and what it gives up).",
)
@answer_options
@click.option("--pack", metavar="PATH|NAME", help="Team pack whose rules the decision follows.")
def recommend(
    answers_file: Path | None, as_json: bool, pattern: str | None, pack: str | None, **flags: Any
) -> None:
    """Recommend a pattern with reasons, size it and price it."""
    from archgen.pipeline import Pipeline

    record = build_record(answers_file, flags, pattern)
    # recommend runs no hook, so a pack with hooks needs no --trust here
    plan = Pipeline(resolve_pack(pack), trust=True).run_recommend(record)
    if as_json:
        click.echo(json.dumps(plan_json(plan), indent=2))
        return
    from rich.console import Console

    from archgen.reporting import print_plan

    print_plan(plan, Console())


NEW_EPILOG = """\b
Examples:
  archgen new                       # asks every question, shows the recommendation
  archgen new --no-input --answers examples/credit-decisions/.archgen.yaml -o out
  archgen new --no-input --project-name fraud-scores --urgency high --latency-p99-ms 50
  archgen new --schema my-spec.yaml                 # your own prediction problem
  archgen new --sample readings.csv --target vibration_rms   # infer the spec from data
"""


def _ask(q: Question, current: dict[str, Any]) -> Any:
    """Ask one question until the answer is valid; returns the validated value."""
    from archgen.answers import check_answer

    default = current.get(q.key)
    shown = "" if default is None else str(getattr(default, "value", default))
    click.secho(f"  {q.help}", dim=True, err=True)
    suffix = f" [{q.unit}]" if q.unit else ""
    choices = f" ({'/'.join(q.choices)})" if q.choices else ""
    while True:
        raw = click.prompt(
            f"{q.prompt}{suffix}{choices}", default=shown, show_default=bool(shown), err=True
        )
        try:
            return check_answer(q.key, raw, current)
        except AnswersError as err:
            click.secho(f"  {err}", fg="red", err=True)


def prompt_answers(record: ProjectRecord, given: Mapping[str, Any]) -> ProjectRecord:
    """Ask every question the flags did not answer; the record's answers are the defaults."""
    from archgen.answers import build_requirements

    current: dict[str, Any] = record.answers.as_answers()
    current.update({k: v for k, v in given.items() if v is not None})
    for q in QUESTIONS:
        if given.get(q.key) is not None:
            continue
        value = _ask(q, current)
        current[q.key] = getattr(value, "value", value)
    return record.model_copy(update={"answers": build_requirements(current)})


def with_pack_defaults(
    record: ProjectRecord, flags: Mapping[str, Any], pipeline: Pipeline
) -> ProjectRecord:
    """Use the team pack's defaults (e.g. its region) for answers no flag gave."""
    from archgen.answers import build_requirements

    unset = {k: v for k, v in pipeline.answer_defaults().items() if flags.get(k) is None}
    if not unset:
        return record
    answers = build_requirements({**record.answers.as_answers(), **unset})
    return record.model_copy(update={"answers": answers})


def resolve_pack(flag: str | None) -> str | None:
    """The pack that applies: `--pack`, else `ARCHGEN_PACK`, the project's, the user config's."""
    sources = importlib.import_module("archgen.pack_sources")
    found = sources.resolve_pack_ref(flag)
    if found is None:
        return None
    ref, origin = found
    if origin != "--pack":
        click.echo(f"Using team pack {ref} (from {origin})", err=True)
    return str(ref)


def prompt_pack_answers(record: ProjectRecord, pipeline: Pipeline) -> ProjectRecord:
    """Ask the team pack's own questions, after the built-in ones; they land in `pack_answers`."""
    answers = dict(record.pack_answers)
    for q in pipeline.questions():
        default = answers.get(q.key, q.default)
        kind = click.Choice(q.choices) if q.choices else None
        text = f"{q.prompt} ({q.help})" if q.help else q.prompt
        answers[q.key] = click.prompt(text, default=default, type=kind, err=True)
    return record.model_copy(update={"pack_answers": answers})


def choose_pattern(plan: Plan) -> Pattern:
    """Show the recommendation; let the user accept it or pick another feasible pattern."""
    from rich.console import Console

    from archgen.reporting import print_decision

    print_decision(plan, Console(stderr=True))
    feasible = [s.pattern.value for s in plan.decision.scores if s.feasible]
    recommended = plan.decision.recommended.value
    while True:
        raw = click.prompt(
            "Pattern to build", default=recommended, err=True, type=click.Choice(feasible)
        )
        picked = Pattern(raw)
        if picked is plan.decision.recommended:
            return picked
        loser = next(s for s in plan.decision.scores if s.pattern is picked)
        click.secho(
            f"warning: {picked.label} instead of {plan.decision.recommended.label}: "
            f"{plan.decision.why_not.get(picked, '')} (score {loser.total:.2f})",
            fg="yellow",
            err=True,
        )
        if click.confirm(f"Build {picked.label} anyway?", default=False, err=True):
            return picked


@cli.command(epilog=NEW_EPILOG)
@click.option(
    "--answers",
    "answers_file",
    type=UserPath(path_type=Path),
    help="Answers file (YAML) to replay, e.g. a project's .archgen.yaml.",
)
@click.option("--no-input", is_flag=True, help="Ask nothing: use the flags, the file, defaults.")
@click.option(
    "--schema",
    type=UserPath(path_type=Path),
    help="Model spec file (YAML): your prediction problem (docs/model-spec.md).",
)
@click.option(
    "--sample",
    type=UserPath(path_type=Path),
    help="CSV sample of your data: infer the model spec from its first rows (at most 1 MiB).",
)
@click.option("--target", metavar="COLUMN", help="The --sample column to predict.")
@answer_options
@click.option(
    "--pattern",
    metavar="|".join(p.value for p in Pattern),
    help="Build this pattern instead of the recommended one (a warning says what it gives up).",
)
@click.option(
    "-o",
    "--output-dir",
    type=UserPath(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="Where the project folder (named after the project) is created.",
)
@click.option("--force", is_flag=True, help="Write into an existing, non-empty project folder.")
@click.option("--pretend", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--pack", metavar="PATH|NAME", help="Team pack to apply (a folder, git URL or name).")
@click.option("--trust", is_flag=True, help="Allow the team pack's hooks to run.")
def new(
    answers_file: Path | None,
    no_input: bool,
    schema: Path | None,
    sample: Path | None,
    target: str | None,
    pattern: str | None,
    output_dir: Path,
    force: bool,
    pretend: bool,
    pack: str | None,
    trust: bool,
    **flags: Any,
) -> None:
    """Ask the questions, recommend a pattern and render the project."""
    from archgen.cli_spec import ask_spec, choose_spec
    from archgen.pipeline import Pipeline

    record = build_record(answers_file, flags, pattern)
    record = choose_spec(
        record, schema=schema, sample=sample, target=target, interactive=not no_input
    )
    pipeline = Pipeline(resolve_pack(pack), trust=trust)
    if pipeline.pack is not None and answers_file is None:
        record = with_pack_defaults(record, flags, pipeline)
    if not no_input:
        record = prompt_answers(record, flags)
        if schema is None and sample is None:
            record = ask_spec(record)
        record = prompt_pack_answers(record, pipeline)
        if pattern is None:
            plan = pipeline.plan(record.model_copy(update={"pattern": None}))
            record = record.model_copy(update={"pattern": choose_pattern(plan)})
    result = pipeline.run_new(record, output_dir, force=force, pretend=pretend)
    for warning in result.plan.decision.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    chosen = result.plan.decision.chosen
    verb = "Would write" if pretend else "Wrote"
    click.echo(f"{verb} {len(result.files)} files of a {chosen.label} project to {result.path}")
    if result.replaced:
        click.echo(
            f"note: {len(result.replaced)} files you had were replaced; "
            f"your copies are in {result.backup}",
            err=True,
        )
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if pretend:
        from archgen.model_spec import DEFAULT_SPEC, describe_spec

        click.echo(f"Model spec: {describe_spec(result.plan.record.model_spec or DEFAULT_SPEC)}")
        for name in result.files:
            click.echo(f"  {name}")


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: run the CLI; never show a traceback for an error made on purpose."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="archgen")
    except ArchgenError as err:  # raised outside a command (e.g. while loading one)
        click.echo(f"archgen: error: {err}", err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo("\nAborted.", err=True)
        sys.exit(interrupts.exit_code())
    except Exception as err:
        if os.environ.get("ARCHGEN_DEBUG"):
            raise
        click.echo(
            f"archgen: internal error: {type(err).__name__}: {err} "
            "(set ARCHGEN_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
