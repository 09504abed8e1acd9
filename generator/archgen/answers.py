"""Answers files and `.archgen.yaml`: load them with file:line in every error, dump them stably.

An answers file is the `.archgen.yaml` a generated project records, so any
project replays. Two shapes are accepted:

- the record: `answers:` (the questions) plus optional `pattern`,
  `archgen_version`, `pack`, `pack_answers` and `model_spec` (the user's
  prediction problem, inline; absent means the credit-decision example, so
  a spec equal to that example is not written either);
- a bare answers mapping: question keys (and optionally `pattern`) at the top
  level, handy for hand-written files. A mapping without `answers:` that holds
  at least one question key is read this way; any other key in it is reported
  as an unknown answer.

Every error is an `AnswersError` whose message names the field and, when the
value came from a file, `file:line`, and quotes at most a short, truncated
piece of the value. Files are read through `safe_io` (regular files only, size
capped, UTF-8, no NUL) and YAML anchors and aliases are refused, so no answers
file can block a run or exhaust its memory. `dump_record` writes keys in
question order so the same record always gives the same text.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from annotated_types import Ge, Gt, Le, Lt
from pydantic import ValidationError

from archgen.errors import AnswersError
from archgen.model_spec import DEFAULT_SPEC, spec_data
from archgen.patterns import Pattern
from archgen.record import ProjectRecord
from archgen.requirements import QUESTIONS, Requirements
from archgen.safe_io import quote
from archgen.yaml_lines import Loc, describe, dotted, error_loc, parse, read_located, where

RECORD_KEYS: tuple[str, ...] = tuple(ProjectRecord.model_fields)
ANSWER_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS)

HEADER = (
    "# archgen project record: the answers this project was made from.\n"
    "# Replay it with: archgen new --no-input --answers .archgen.yaml\n"
)


# -- describing what a field accepts -----------------------------------------------


def _num(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def accepted(key: str) -> str:
    """What a question accepts, in words: its choices or its type and range."""
    if key == "pattern":
        return "one of " + ", ".join(p.value for p in Pattern)
    if key not in Requirements.model_fields:
        return "a valid value"
    q = next((q for q in QUESTIONS if q.key == key), None)
    if q is not None and q.choices:
        return "one of " + ", ".join(q.choices)
    field = Requirements.model_fields[key]
    annotation = str(field.annotation)
    kind = "an integer" if "int" in annotation else "a number" if "float" in annotation else ""
    if not kind:
        if key == "project_name":
            return "3-40 lower-case letters, digits and dashes, starting with a letter"
        if key == "region":
            return "an AWS region name such as us-east-1"
        return "text"
    low: float | None = None
    high: float | None = None
    low_open = high_open = False
    for meta in field.metadata:
        if isinstance(meta, Ge):
            low = float(meta.ge)  # type: ignore[arg-type]
        elif isinstance(meta, Gt):
            low, low_open = float(meta.gt), True  # type: ignore[arg-type]
        elif isinstance(meta, Le):
            high = float(meta.le)  # type: ignore[arg-type]
        elif isinstance(meta, Lt):
            high, high_open = float(meta.lt), True  # type: ignore[arg-type]
    parts = [kind]
    if low is not None and high is not None and not low_open and not high_open:
        parts.append(f"from {_num(low)} to {_num(high)}")
    else:
        if low is not None:
            parts.append(f"{'above' if low_open else 'at least'} {_num(low)}")
        if high is not None:
            parts.append(f"{'below' if high_open else 'at most'} {_num(high)}")
    if field.default is None:
        parts.append("(or empty)")
    return " ".join(parts)


def clean_number(key: str, raw: Any) -> Any:
    """Accept `10,000` and `10_000` for numeric questions; leave everything else alone."""
    field = Requirements.model_fields.get(key)
    if field is None or not isinstance(raw, str):
        return raw
    annotation = str(field.annotation)
    if "int" in annotation or "float" in annotation:
        text = raw.strip().replace(",", "").replace("_", "")
        if text == "" and field.default is None:
            return None
        return text
    return raw


# -- validation with locations -------------------------------------------------------


def _message(err: Mapping[str, Any], key: str) -> str:
    kind = str(err.get("type", ""))
    given = err.get("input")
    if kind == "extra_forbidden":
        return f"unknown key {quote(key)}{_suggest(key)}"
    if kind == "missing":
        return "is required"
    if kind == "value_error" or kind == "assertion_error":
        text = str(err.get("msg", ""))
        return text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if key in Requirements.model_fields or key == "pattern":
        return f"must be {accepted(key)} (got {quote(given)})"
    return describe(err)


def _suggest(key: str) -> str:
    known = [k for k in (*RECORD_KEYS, *ANSWER_KEYS) if k != key]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _first_error(err: ValidationError) -> tuple[Loc, str]:
    first = err.errors()[0]
    loc = error_loc(first)
    key = str(loc[-1]) if loc else ""
    return loc, _message(first, key)


def _is_bare(data: Mapping[str, Any]) -> bool:
    keys = set(data)
    return "answers" not in keys and bool(keys & set(ANSWER_KEYS))


def _validate(data: Any, source: str, lines: Mapping[Loc, int]) -> ProjectRecord:
    if data is None:
        raise AnswersError(f"{where(source, lines, ())}: the answers file is empty")
    if not isinstance(data, Mapping):
        raise AnswersError(
            f"{where(source, lines, ())}: expected a mapping of keys to answers, "
            f"got {type(data).__name__}"
        )
    bare = _is_bare(data)
    if bare:
        pattern = data.get("pattern")
        answers = {k: v for k, v in data.items() if k != "pattern"}
        shaped: dict[str, Any] = {"answers": answers}
        if pattern is not None:
            shaped["pattern"] = pattern
        located = {
            (("answers", *loc) if loc and loc[0] != "pattern" else loc): line
            for loc, line in lines.items()
        }
    else:
        shaped = dict(data)
        located = dict(lines)
    for key in ("answers",):
        value = shaped.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise AnswersError(f"{where(source, located, (key,))}: {key}: expected a mapping")
    if isinstance(shaped.get("answers"), Mapping):
        shaped["answers"] = {k: clean_number(str(k), v) for k, v in shaped["answers"].items()}
    try:
        return ProjectRecord.model_validate(shaped)
    except ValidationError as err:
        loc, message = _first_error(err)
        field = dotted(loc)
        if bare and field.startswith("answers."):
            field = field.removeprefix("answers.")
        raise AnswersError(f"{where(source, located, loc)}: {field}: {message}") from err


def parse_record(data: Mapping[str, Any], source: str) -> ProjectRecord:
    """Validate an already-loaded record or bare answers mapping; errors name `source` and field."""
    return _validate(data, source, {})


def load_text(text: str, source: str) -> ProjectRecord:
    """Parse YAML text (an answers file or `.archgen.yaml`) into a record."""
    data, lines = parse(text, source, AnswersError)
    return _validate(data, source, lines)


def load_record(path: Path) -> ProjectRecord:
    """Read an answers file or a project's `.archgen.yaml`."""
    data, lines, source = read_located(path, AnswersError, "answers file")
    return _validate(data, source, lines)


# -- building answers from flags and prompts -------------------------------------------


def build_requirements(
    values: Mapping[str, Any], origins: Mapping[str, str] | None = None
) -> Requirements:
    """Validate answer values; an error names where the bad one came from (`--flag`, file:line)."""
    origins = origins or {}
    cleaned = {k: clean_number(k, v) for k, v in values.items()}
    try:
        return Requirements.model_validate(cleaned)
    except ValidationError as err:
        loc, message = _first_error(err)
        key = str(loc[0]) if loc else ""
        where = origins.get(key, "")
        prefix = f"{where}: " if where else ""
        name = key or "answers"
        raise AnswersError(f"{prefix}{name}: {message}") from err


def check_answer(key: str, raw: Any, current: Mapping[str, Any] | None = None) -> Any:
    """Validate one answer given the answers so far (for a prompt); returns the model's value."""
    base: dict[str, Any] = dict(current or {})
    base[key] = clean_number(key, raw)
    if key == "daily_volume":
        base.pop("scale_to_daily_volume", None)
    try:
        return getattr(Requirements.model_validate(base), key)
    except ValidationError as err:
        _, message = _first_error(err)
        raise AnswersError(f"{key}: {message}") from err


# -- dumping ---------------------------------------------------------------------------


def record_data(record: ProjectRecord) -> dict[str, Any]:
    """The record as plain data in its documented key order."""
    answers = record.answers.as_answers()
    data: dict[str, Any] = {
        "archgen_version": record.archgen_version,
        "pattern": record.pattern.value if record.pattern is not None else None,
        "answers": {key: answers[key] for key in ANSWER_KEYS},
    }
    if record.pack is not None:
        data["pack"] = record.pack.model_dump(mode="json")
    if record.pack_answers:
        data["pack_answers"] = {k: record.pack_answers[k] for k in sorted(record.pack_answers)}
    if record.model_spec is not None and record.model_spec != DEFAULT_SPEC:
        data["model_spec"] = spec_data(record.model_spec)
    return data


def dump_record(record: ProjectRecord) -> str:
    """`.archgen.yaml` text: a comment, then the record with answers in question order."""
    data = record_data(record)
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
    if yaml.safe_load(body) != data:
        # PyYAML writes some line-break characters (NEL, LS) raw, and they read back as
        # spaces; escaped, every character survives.
        body = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    return HEADER + body
