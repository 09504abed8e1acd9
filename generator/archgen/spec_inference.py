"""A model spec inferred from a sample of the user's data (`archgen new --sample FILE.csv`).

The first `SAMPLE_ROWS` rows of the CSV (never more than `safe_io.MAX_BYTES`,
1 MiB, of it: a larger file is read only that far, cut at a line end) are
read through `safe_io`, and each column is typed:

- exactly two values that spell a boolean (0/1, false/true, no/yes, f/t, n/y)
  -> `bool` (unless it is the target, which becomes a binary task);
- whole numbers -> `int`, other numbers -> `float`, with min and max widened by
  10 % of the observed range and rounded outward to a readable step (not
  below 0 for data that never is, and from 0 when the data starts nearer to 0
  than its range);
- text with at most `MAX_CATEGORY_VALUES` distinct values -> `category`;
  text with more is an id (all values unique) or free text (skipped);
- a column with one value, no values, or a name the generated code reserves is
  skipped, with a note saying so.

The target is `--target`, else a column named target, label or y, else the
last column; its values give the task: two values -> binary, a few whole
numbers or up to `MAX_CATEGORIES` texts -> multiclass, other numbers ->
regression. The id is the first other column named `id` or `*_id`, else a text
column whose values are all different; without one, requests carry
`record_id`. Anything that cannot make a spec (an empty file, one column,
ragged rows, no usable feature, a target with one value) is one SpecError line.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from archgen.errors import SpecError
from archgen.model_spec import MAX_BOUND, MAX_CATEGORIES, MAX_FEATURES, ModelSpec, spec_from_data
from archgen.safe_io import MAX_BYTES, UnsafeInput, quote, read_head
from archgen.spec_names import CLASS_PATTERN, check_name, check_value
from archgen.yaml_lines import source_name

SAMPLE_ROWS = 10_000
"""The most data rows read from a sample."""
MAX_CATEGORY_VALUES = 50
"""A text column with more distinct values than this is an id or free text, not a category."""
MAX_INT_CLASSES = 20
"""A whole-number target with at most this many distinct values is a class label."""
TARGET_NAMES = ("target", "label", "y")
BOOLEANS = (("0", "1"), ("false", "true"), ("no", "yes"), ("f", "t"), ("n", "y"))
"""Two-valued spellings of a boolean, negative first."""
INT_RE = re.compile(r"[+-]?[0-9]+")
FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

Kind = Literal["bool", "int", "float", "text", "empty"]


@dataclass(frozen=True)
class Inferred:
    """The spec read from a sample and what the reader decided on the way (one sentence each)."""

    spec: ModelSpec
    notes: list[str] = field(default_factory=list)


@dataclass
class Column:
    """One column of the sample: its header, field name and non-empty cells."""

    header: str
    name: str
    cells: list[str]

    @property
    def distinct(self) -> list[str]:
        return sorted(set(self.cells))

    @property
    def kind(self) -> Kind:
        distinct = self.distinct
        if not distinct:
            return "empty"
        if len(distinct) == 2 and _boolean(distinct) is not None:
            return "bool"
        if all(INT_RE.fullmatch(v) for v in distinct):
            return "int"
        if all(FLOAT_RE.fullmatch(v) for v in distinct):
            return "float"
        return "text"

    def numbers(self) -> list[float]:
        return [float(v) for v in self.cells]


def infer_spec(path: Path, target: str | None = None) -> Inferred:
    """Read a CSV sample and infer its model spec; any refusal is one SpecError line."""
    source = source_name(path)
    try:
        text, more = read_head(Path(path), limit=MAX_BYTES)
    except FileNotFoundError as err:
        raise SpecError(f"{source}: no such sample file") from err
    except UnsafeInput as err:
        raise SpecError(f"{source}: {err}") from err
    columns, rows = _read_columns(text, source)
    extent = f"the first 1 MiB of {source}" if more else source
    notes = [f"read {rows} rows of {extent}" + (f" (at most {SAMPLE_ROWS})" if more else "")]
    notes += [f"column {quote(c.header)} is named {c.name}" for c in columns if c.header != c.name]
    target_column = _pick_target(columns, target, source)
    rest = [c for c in columns if c is not target_column]
    id_column = _pick_id(rest)
    data: dict[str, Any] = {}
    if id_column is not None:
        rest = [c for c in rest if c is not id_column]
        data["entity"] = _entity(id_column.name)
        data["id"] = id_column.name
    else:
        data["entity"], data["id"] = "record", "record_id"
        notes.append(
            "no id column (named id or *_id, or text that never repeats): requests carry record_id"
        )
    data.update(_task(target_column, source))
    features: list[dict[str, Any]] = []
    for column in rest:
        feature, why = _feature(column)
        if feature is None:
            notes.append(f"column {column.name} is skipped: {why}")
        else:
            features.append(feature)
    if not features:
        raise SpecError(
            f"{source}: no usable features (every column but the target and id "
            "is empty, constant, free text or reserved)"
        )
    if len(features) > MAX_FEATURES:
        raise SpecError(
            f"{source}: {len(features)} usable features; a model spec holds at most {MAX_FEATURES}"
        )
    if data["id"] in {f["name"] for f in features}:
        raise SpecError(f"{source}: a column is named {data['id']}, which is not a usable id")
    data["features"] = features
    return Inferred(spec_from_data(data, source), notes)


def _read_columns(text: str, source: str) -> tuple[list[Column], int]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise SpecError(f"{source}: the sample is empty (a header row and data rows expected)")
        if len(header) < 2:
            raise SpecError(f"{source}:1: one column; a sample needs features and a target")
        names = [_field_name(cell, source) for cell in header]
        seen: dict[str, str] = {}
        for cell, name in zip(header, names, strict=True):
            if name in seen:
                raise SpecError(
                    f"{source}:1: columns {quote(seen[name])} and {quote(cell)} "
                    f"are both named {name}"
                )
            seen[name] = cell
        cells: list[list[str]] = [[] for _ in header]
        rows = 0
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise SpecError(
                    f"{source}:{reader.line_num}: {len(row)} fields in a row, "
                    f"{len(header)} in the header"
                )
            rows += 1
            for i, cell in enumerate(row):
                if cell.strip():
                    cells[i].append(cell.strip())
            if rows >= SAMPLE_ROWS:
                break
    except csv.Error as err:
        raise SpecError(f"{source}:{reader.line_num}: not CSV ({err})") from err
    if rows == 0:
        raise SpecError(f"{source}: a header but no data rows")
    columns = [
        Column(cell.strip(), name, values)
        for cell, name, values in zip(header, names, cells, strict=True)
    ]
    return columns, rows


def _field_name(header: str, source: str) -> str:
    """`Temperature (C)` -> `temperature_c`; a header with no letter to start from is refused."""
    name = re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")[:63]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise SpecError(
            f"{source}:1: column {quote(header)} cannot be a field name "
            "(it needs a letter to start with)"
        )
    return name


def _usable_name(name: str) -> bool:
    try:
        check_name(name)
    except ValueError:
        return False
    return True


def _pick_target(columns: list[Column], target: str | None, source: str) -> Column:
    if target is not None:
        for column in columns:
            if target in (column.name, column.header):
                return column
        names = ", ".join(c.name for c in columns[:10]) + (", ..." if len(columns) > 10 else "")
        raise SpecError(f"{source}:1: --target {quote(target)}: no such column ({names})")
    named = [c for c in columns if c.name in TARGET_NAMES]
    return named[0] if named else columns[-1]


def _pick_id(columns: list[Column]) -> Column | None:
    for column in columns:
        if (column.name == "id" or column.name.endswith("_id")) and _usable_name(column.name):
            return column
    for column in columns:
        cells = column.cells
        if (
            column.kind == "text"
            and len(set(cells)) == len(cells) > 1
            and _usable_name(column.name)
        ):
            return column
    return None


def _entity(id_name: str) -> str:
    entity = id_name.removesuffix("_id")
    return entity if entity != id_name and _usable_name(entity) else "record"


def _task(column: Column, source: str) -> dict[str, Any]:
    """`task`, `target` and `classes` or `target_range`, from the target's values."""
    if not _usable_name(column.name):
        raise SpecError(
            f"{source}:1: target column {quote(column.header)}: its name is "
            "reserved in the generated code; rename it"
        )
    distinct, kind = column.distinct, column.kind
    where = f"{source}: target {column.name}"
    if len(distinct) < 2:
        shown = quote(distinct[0]) if distinct else "no value"
        raise SpecError(f"{where}: {shown} in every row, nothing to learn")
    if len(distinct) == 2:
        classes = list(_boolean(distinct) or distinct)
        return {"task": "binary", "target": column.name, "classes": _classes(classes, where)}
    if kind == "int" and len(distinct) <= MAX_INT_CLASSES:
        classes = sorted(distinct, key=int)
        return {"task": "multiclass", "target": column.name, "classes": _classes(classes, where)}
    if kind == "text":
        if len(distinct) > MAX_CATEGORIES:
            raise SpecError(
                f"{where}: {len(distinct)} different texts, too many classes "
                f"(at most {MAX_CATEGORIES}) and not numbers"
            )
        return {"task": "multiclass", "target": column.name, "classes": _classes(distinct, where)}
    low, high = _range(column)
    if low is None or high is None:
        raise SpecError(f"{where}: values beyond +-{MAX_BOUND:g} or not finite")
    return {"task": "regression", "target": column.name, "target_range": {"min": low, "max": high}}


def _classes(values: list[str], where: str) -> list[str]:
    bad = next((v for v in values if not re.fullmatch(CLASS_PATTERN, v)), None)
    if bad is not None:
        raise SpecError(f"{where}: class {quote(bad)} must be letters, digits, '_', '.', '-'")
    return values


def _boolean(distinct: list[str]) -> tuple[str, str] | None:
    """The two values, negative first, when they spell a boolean."""
    lowered = {v.lower(): v for v in distinct}
    for negative, positive in BOOLEANS:
        if set(lowered) == {negative, positive}:
            return lowered[negative], lowered[positive]
    return None


def _feature(column: Column) -> tuple[dict[str, Any] | None, str]:
    """The feature a column makes, or None and why not."""
    if not _usable_name(column.name):
        return None, "its name is reserved in the generated code (rename it to use it)"
    kind, distinct = column.kind, column.distinct
    if kind == "empty":
        return None, "it holds no values"
    if len(distinct) == 1:
        return None, f"it holds one value ({quote(distinct[0])})"
    if kind == "bool":
        return {"name": column.name, "type": "bool"}, ""
    if kind in ("int", "float"):
        low, high = _range(column)
        if low is None or high is None:
            return None, f"values beyond +-{MAX_BOUND:g} or not finite"
        return {"name": column.name, "type": kind, "min": low, "max": high}, ""
    if len(distinct) > MAX_CATEGORY_VALUES:
        return None, f"{len(distinct)} different texts (free text, or an id that repeats)"
    for value in distinct:
        try:
            check_value(value)
        except ValueError as err:
            return None, str(err)
    return {"name": column.name, "type": "category", "values": distinct}, ""


def _range(column: Column) -> tuple[float | None, float | None]:
    """Observed min and max widened by 10 % of the range, rounded outward to a readable step."""
    values = column.numbers()
    low, high = min(values), max(values)
    if not (math.isfinite(low) and math.isfinite(high)) or max(-low, high) > MAX_BOUND:
        return None, None
    span = (high - low) or max(abs(high), 1.0)
    margin = 0.1 * span
    step = 10.0 ** (math.floor(math.log10(span + margin)) - 1)
    if column.kind == "int":
        step = max(step, 1.0)
    digits = max(0, -math.floor(math.log10(step)))
    wide_low = math.floor((low - margin) / step) * step
    wide_high = math.ceil((high + margin) / step) * step
    if low >= 0:
        wide_low = 0.0 if low <= span else max(0.0, wide_low)
    rounded = round(wide_low, digits), round(wide_high, digits)
    if not -MAX_BOUND <= rounded[0] < rounded[1] <= MAX_BOUND:
        return None, None
    return rounded
