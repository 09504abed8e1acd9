"""Synthetic data for this project's problem, and the CSV format the jobs read and write.

`generate` draws rows whose features stay within the spec's bounds and
categories, and labels them from a hidden rule (fixed per project, noisy), so
the project trains, scores and tests offline with no real data, and a test
can check that a model learned something. The same seed gives the same rows;
`shift` moves every feature's distribution, which is how drift is tested.

CSV columns: the id, the features in spec order and, for training data, the
target (binary: 0/1 with 1 meaning the positive class; multiclass: the class
name; regression: a number). Booleans are written `true`/`false`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .spec import CLASSES, FEATURE_NAMES, FEATURES, ID_FIELD, TARGET, TARGET_RANGE, TASK, Feature

ObjectArray = npt.NDArray[Any]
FloatArray = npt.NDArray[np.float64]

RULE_SEED = 7_919
"""Seeds the hidden rule and the base distributions: the same for every dataset of a project."""


class DataFormatError(ValueError):
    """A CSV file does not have the columns or values this project reads."""


@dataclass(frozen=True)
class Dataset:
    """Ids, raw feature rows (rows x FEATURES, object dtype) and, for training data, targets."""

    ids: list[str]
    rows: ObjectArray
    target: npt.NDArray[Any] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def unlabelled(self) -> Dataset:
        """The same rows without targets (what the score job reads)."""
        return Dataset(ids=self.ids, rows=self.rows)


def empty() -> Dataset:
    return Dataset(ids=[], rows=np.empty((0, len(FEATURES)), dtype=object))


@dataclass(frozen=True)
class _Shape:
    """How one feature is drawn: centre and spread (log space for wide positive ranges)."""

    log: bool
    centre: float
    spread: float


def _shape(feature: Feature) -> _Shape:
    low, high = float(feature.minimum or 0.0), float(feature.maximum or 1.0)
    if low >= 0.0 and high > 1_000.0 * (low + 1.0):
        a, b = math.log(low + 1.0), math.log(high + 1.0)
        return _Shape(True, a + 0.55 * (b - a), 0.08 * (b - a))
    return _Shape(False, low + 0.5 * (high - low), 0.16 * (high - low))


def _draw_numeric(feature: Feature, rng: np.random.Generator, n: int, shift: float) -> FloatArray:
    shape = _shape(feature)
    values = rng.normal(shape.centre + shift * shape.spread, shape.spread, size=n)
    if shape.log:
        values = np.exp(values) - 1.0
    low, high = float(feature.minimum or 0.0), float(feature.maximum or 1.0)
    values = np.clip(values, low, high)
    if feature.kind == "int":
        return np.clip(np.round(values), math.ceil(low), math.floor(high))
    return np.round(values, 4)


def _standardise(feature: Feature, values: FloatArray) -> FloatArray:
    shape = _shape(feature)
    scaled = np.log(values + 1.0) if shape.log else values
    result: FloatArray = (scaled - shape.centre) / shape.spread
    return result


def _category_weights(feature: Feature, shift: float) -> FloatArray:
    base = np.random.default_rng([RULE_SEED, len(feature.name), len(feature.values)]).dirichlet(
        np.full(len(feature.values), 4.0)
    )
    tilt = np.linspace(-1.0, 1.0, len(feature.values)) * shift
    weights: FloatArray = base * np.exp(tilt)
    result: FloatArray = weights / weights.sum()
    return result


def _bool_share(feature: Feature, shift: float) -> float:
    base = 0.3 + 0.4 * ((len(feature.name) * 37) % 11) / 10.0
    return float(np.clip(base + 0.15 * shift, 0.02, 0.98))


def _draw(rng: np.random.Generator, n: int, shift: float) -> tuple[ObjectArray, FloatArray]:
    """Raw rows and their standardised numeric encoding (the hidden rule's inputs)."""
    rows = np.empty((n, len(FEATURES)), dtype=object)
    encoded: list[FloatArray] = []
    for index, feature in enumerate(FEATURES):
        if feature.numeric:
            values = _draw_numeric(feature, rng, n, shift)
            rows[:, index] = values.astype(np.int64) if feature.kind == "int" else values
            encoded.append(_standardise(feature, values)[:, None])
        elif feature.kind == "category":
            choice = rng.choice(len(feature.values), size=n, p=_category_weights(feature, shift))
            rows[:, index] = np.asarray(feature.values, dtype=object)[choice]
            encoded.append(np.eye(len(feature.values))[choice] * 2.0 - 0.5)
        else:
            flags = rng.random(n) < _bool_share(feature, shift)
            rows[:, index] = flags.astype(object)
            encoded.append((flags.astype(np.float64) * 2.0 - 1.0)[:, None])
    return rows, np.hstack(encoded) if encoded else np.zeros((n, 0))


def _rule(width: int, outputs: int) -> FloatArray:
    """The hidden rule's weights: fixed per project, so every dataset shares one truth."""
    rng = np.random.default_rng([RULE_SEED, width, outputs])
    weights: FloatArray = rng.normal(0.0, 1.0, size=(width, outputs)) / math.sqrt(max(1, width))
    return weights


def _targets(encoded: FloatArray, rng: np.random.Generator) -> npt.NDArray[Any]:
    n, width = encoded.shape
    if TASK == "multiclass":
        logits = 2.5 * encoded @ _rule(width, len(CLASSES)) + rng.gumbel(size=(n, len(CLASSES)))
        chosen: npt.NDArray[Any] = np.asarray(CLASSES, dtype=object)[np.argmax(logits, axis=1)]
        return chosen
    signal = (encoded @ _rule(width, 1))[:, 0]
    signal = signal / max(1e-9, float(np.std(signal))) if n > 1 else signal
    if TASK == "binary":
        noisy = 2.0 * signal - 0.8 + rng.logistic(0.0, 1.0, size=n)
        return (noisy > 0.0).astype(np.int8)
    low, high = TARGET_RANGE
    middle, half = (low + high) / 2.0, (high - low) / 2.0
    values = middle + 0.7 * half * np.tanh(signal / 2.0) + rng.normal(0.0, 0.05 * half, size=n)
    return np.round(np.clip(values, low, high), 6)


def generate(rows: int, seed: int = 42, shift: float = 0.0) -> Dataset:
    """`rows` labelled rows from the hidden rule; deterministic for a given seed and shift."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    # The rule's scale is fixed on unshifted data, so a shifted sample moves the targets too.
    raw, encoded = _draw(rng, rows, shift)
    target = _targets(encoded, np.random.default_rng([seed, 1]))
    ids = [f"{seed}-{i:08d}" for i in range(rows)]
    return Dataset(ids=ids, rows=raw, target=target)


def feature_dict(dataset: Dataset, index: int) -> dict[str, Any]:
    """Row `index`'s features as JSON-ready Python values, named as in the spec."""
    return {
        feature.name: _python(feature, dataset.rows[index, column])
        for column, feature in enumerate(FEATURES)
    }


def _python(feature: Feature, value: Any) -> Any:
    if feature.kind == "float":
        return float(value)
    if feature.kind == "int":
        return int(value)
    if feature.kind == "bool":
        return bool(value)
    return str(value)


# CSV -------------------------------------------------------------------------------------------


def columns(with_target: bool) -> tuple[str, ...]:
    return (ID_FIELD, *FEATURE_NAMES, *((TARGET,) if with_target else ()))


def header(with_target: bool) -> bytes:
    """The CSV header line this project writes and reads."""
    return (",".join(columns(with_target)) + "\n").encode()


def _cell(feature: Feature, value: Any) -> str:
    if feature.kind == "bool":
        return "true" if value else "false"
    if feature.kind == "float":
        return repr(float(value))
    return str(value)


def _target_cell(value: Any) -> str:
    return repr(float(value)) if TASK == "regression" else str(value)


def to_csv(dataset: Dataset, with_header: bool = True) -> bytes:
    """Encode a dataset as CSV (target column included when the dataset has targets)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    labelled = dataset.target is not None
    if with_header:
        writer.writerow(columns(labelled))
    for i, entity_id in enumerate(dataset.ids):
        cells = [_cell(f, dataset.rows[i, j]) for j, f in enumerate(FEATURES)]
        if dataset.target is not None:
            cells.append(_target_cell(dataset.target[i]))
        writer.writerow([entity_id, *cells])
    return out.getvalue().encode()


def _parse(feature: Feature, text: str) -> Any:
    if feature.kind == "bool":
        lowered = text.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise ValueError(f"{feature.name}: {text[:40]!r} is not true/false")
    if feature.kind == "category":
        if text not in feature.values:
            raise ValueError(f"{feature.name}: {text[:40]!r} is not one of {list(feature.values)}")
        return text
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{feature.name}: {text[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{feature.name}: {text[:40]!r} is not a finite number")
    if feature.kind == "int":
        if number != int(number):
            raise ValueError(f"{feature.name}: {text[:40]!r} is not a whole number")
        return int(number)
    return number


def _parse_target(text: str) -> Any:
    if TASK == "binary":
        if text not in ("0", "1"):
            raise ValueError(f"{TARGET}: {text[:40]!r} is not 0 or 1")
        return int(text)
    if TASK == "multiclass":
        if text not in CLASSES:
            raise ValueError(f"{TARGET}: {text[:40]!r} is not one of {list(CLASSES)}")
        return text
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{TARGET}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{TARGET}: {text[:40]!r} is not a finite number")
    return value


_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def _parse_column(feature: Feature, cells: Sequence[str]) -> Any:
    """A whole column at once (the fast path); any bad cell raises ValueError."""
    if feature.kind == "category":
        if not set(cells) <= set(feature.values):
            raise ValueError(feature.name)
        return np.asarray(cells, dtype=object)
    if feature.kind == "bool":
        return np.asarray([_BOOLS[c.strip().lower()] for c in cells], dtype=object)
    numbers = np.asarray(cells, dtype=np.float64)
    if not np.isfinite(numbers).all():
        raise ValueError(feature.name)
    if feature.kind == "int":
        if (numbers != np.round(numbers)).any():
            raise ValueError(feature.name)
        return numbers.astype(np.int64)
    return numbers


def parse_lines(lines: Sequence[str], with_target: bool, first_line: int = 2) -> Dataset:
    """Parse header-less CSV lines into a dataset; a bad row names its line."""
    width = len(FEATURES) + 1 + int(with_target)
    rows = enumerate(csv.reader(lines), start=first_line)
    numbered = [(number, cells) for number, cells in rows if cells]
    for number, cells in numbered:
        if len(cells) != width:
            raise DataFormatError(f"line {number}: expected {width} columns, got {len(cells)}")
    if not numbered:
        return empty()
    columns = list(zip(*(cells for _, cells in numbered), strict=True))
    table = np.empty((len(numbered), len(FEATURES)), dtype=object)
    for index, feature in enumerate(FEATURES):
        try:
            table[:, index] = _parse_column(feature, columns[index + 1])
        except (ValueError, KeyError):
            _raise_first_bad(numbered, index, feature)
    target = None
    if with_target:
        try:
            values = [_parse_target(cell) for cell in columns[-1]]
        except ValueError:
            for number, cells in numbered:
                try:
                    _parse_target(cells[-1])
                except ValueError as err:
                    raise DataFormatError(f"line {number}: {err}") from None
            raise
        target = np.asarray(values, dtype=_target_dtype())
    return Dataset(ids=list(columns[0]), rows=table, target=target)


def _raise_first_bad(numbered: list[tuple[int, list[str]]], index: int, feature: Feature) -> None:
    """Find the first cell of a column the fast path refused and name its line."""
    for number, cells in numbered:
        try:
            _parse(feature, cells[index + 1])
        except ValueError as err:
            raise DataFormatError(f"line {number}: {err}") from None
    raise DataFormatError(f"column {feature.name}: unreadable values")


def _target_dtype() -> Any:
    return {"binary": np.int8, "multiclass": object, "regression": np.float64}[TASK]


def check_header(line: str) -> bool:
    """Validate a header line; return whether it carries the target column."""
    found = tuple(next(csv.reader([line.strip()]), []))
    if found == columns(True):
        return True
    if found == columns(False):
        return False
    raise DataFormatError(
        f"expected columns {','.join(columns(False))}[,{TARGET}], got {','.join(found)[:200]}"
    )


def iter_csv(chunks: Iterable[bytes], rows_per_batch: int = 100_000) -> Iterator[Dataset]:
    """Stream CSV bytes (in arbitrary chunks) as datasets of at most `rows_per_batch` rows."""
    pending = b""
    with_target: bool | None = None
    batch: list[str] = []
    line_number = 2
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        lines = [_decode(line) for line in complete]
        if with_target is None and lines:
            with_target = check_header(lines.pop(0))
        batch.extend(lines)
        while len(batch) >= rows_per_batch:
            yield parse_lines(batch[:rows_per_batch], bool(with_target), line_number)
            batch = batch[rows_per_batch:]
            line_number += rows_per_batch
    if pending:
        if with_target is None:
            with_target = check_header(_decode(pending))
        else:
            batch.append(_decode(pending))
    if batch:
        yield parse_lines(batch, bool(with_target), line_number)


def _decode(line: bytes) -> str:
    try:
        return line.rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataFormatError(f"CSV is not UTF-8: {err}") from None


def read_csv(data: bytes) -> Dataset:
    """Parse a whole CSV document (header first) into one dataset."""
    parts = list(iter_csv([data], rows_per_batch=max(1, data.count(b"\n") + 1)))
    return parts[0] if parts else empty()
