"""The model spec of `archgen new`: `--schema FILE`, `--sample FILE.csv` or a prompt.

A spec file is read by `model_spec.load_spec`; a CSV sample is turned into a
spec by `spec_inference.infer_spec`, printed as YAML for the user to confirm
(and, on request, written to a file to edit and pass with `--schema` later).
Without either, an interactive run asks for a spec file; the default keeps the
answers file's `model_spec:` or, without one, the credit-decision example. A
spec equal to that example is recorded as none, so `.archgen.yaml` stays the
same for projects made with and without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from archgen.errors import SpecError, UsageError

if TYPE_CHECKING:
    from archgen.model_spec import ModelSpec
    from archgen.record import ProjectRecord

SPEC_HELP = "Your prediction problem: entity, id, task, target, features (docs/model-spec.md)."


def choose_spec(
    record: ProjectRecord,
    *,
    schema: Path | None,
    sample: Path | None,
    target: str | None,
    interactive: bool,
) -> ProjectRecord:
    """The record with the model spec `--schema` or `--sample` gives (or the record's own)."""
    from archgen.model_spec import load_spec

    if schema is not None and sample is not None:
        raise UsageError("--schema and --sample both give the model spec; pass one of them")
    if target is not None and sample is None:
        raise UsageError("--target names the target column of a --sample; pass --sample too")
    spec: ModelSpec | None = record.model_spec
    if schema is not None:
        spec = load_spec(schema)
    elif sample is not None:
        spec = _from_sample(sample, target, interactive)
    return _with_spec(record, spec)


def ask_spec(record: ProjectRecord) -> ProjectRecord:
    """The record with the spec file the user names at the prompt (empty keeps its own)."""
    return _with_spec(record, _ask_spec(record.model_spec))


def _with_spec(record: ProjectRecord, spec: ModelSpec | None) -> ProjectRecord:
    from archgen.model_spec import DEFAULT_SPEC

    return record.model_copy(update={"model_spec": None if spec == DEFAULT_SPEC else spec})


def _from_sample(sample: Path, target: str | None, interactive: bool) -> ModelSpec:
    """Infer the spec, print it, and (interactively) offer to save it and ask to go on."""
    from archgen.model_spec import dump_spec
    from archgen.spec_inference import infer_spec

    inferred = infer_spec(sample, target)
    for note in inferred.notes:
        click.echo(f"note: {note}", err=True)
    text = dump_spec(inferred.spec)
    click.echo(f"# the model spec inferred from {sample.name}\n{text}", nl=False)
    if not interactive:
        return inferred.spec
    _offer_to_save(text)
    if not click.confirm("Build the project with this model spec?", default=True, err=True):
        raise SpecError(
            "stopped: the inferred model spec was not accepted (save it, edit it, "
            "and pass it with --schema)"
        )
    return inferred.spec


def _offer_to_save(text: str) -> None:
    """Ask for a file to write the spec to (empty: none); never overwrite a file."""
    while True:
        raw = click.prompt(
            "Save this spec to a file (empty: don't)", default="", show_default=False, err=True
        )
        if not raw.strip():
            return
        path = Path(raw.strip())
        try:
            with path.open("x", encoding="utf-8") as out:
                out.write(text)
        except (OSError, ValueError) as err:
            reason = getattr(err, "strerror", None) or err
            click.secho(f"  {path}: cannot write it ({reason})", fg="red", err=True)
            continue
        click.echo(f"Wrote {path}; pass it with --schema {path} next time", err=True)
        return


def _ask_spec(current: ModelSpec | None) -> ModelSpec | None:
    """Ask for a spec file until one loads; empty keeps `current` (none: the credit example)."""
    from archgen.model_spec import describe_spec, load_spec

    kept = describe_spec(current) if current is not None else "the credit-decision example"
    click.secho(f"  {SPEC_HELP} Empty keeps {kept}.", dim=True, err=True)
    while True:
        raw = click.prompt(
            "Model spec file (YAML)", default="", show_default=False, err=True
        ).strip()
        if not raw:
            return current
        try:
            return load_spec(Path(raw))
        except SpecError as err:
            click.secho(f"  {err}", fg="red", err=True)
