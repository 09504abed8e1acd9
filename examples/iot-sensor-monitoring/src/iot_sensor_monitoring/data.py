"""A synthetic credit-decision dataset, so the project trains and scores with no real data.

Each row is one applicant; the label says whether the applicant defaulted,
drawn from a known noisy rule so a model can learn it (and a test can check
that it did). The same seed always gives the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FEATURES: tuple[str, ...] = (
    "income",
    "debt_ratio",
    "credit_history_months",
    "delinquencies",
    "requested_amount",
)
"""Model inputs, in column order."""

LABEL = "defaulted"
ID_COLUMN = "applicant_id"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int8]


class DataFormatError(ValueError):
    """A CSV file does not have the columns this project reads."""


@dataclass(frozen=True)
class Dataset:
    """Applicant ids, a feature matrix (rows x FEATURES) and, for training data, labels."""

    ids: list[str]
    features: FloatArray
    labels: IntArray | None = None

    def __len__(self) -> int:
        return len(self.ids)


def default_logit(features: FloatArray) -> FloatArray:
    """The hidden rule behind the labels: log-odds of default for each row."""
    income, debt_ratio, history, delinquencies, amount = features.T
    logit: FloatArray = (
        -1.0
        + 4.0 * (debt_ratio - 0.35)
        - 0.8 * np.log(income / 50_000.0)
        - 0.02 * (history - 60.0)
        + 0.7 * delinquencies
        + 1.5 * (amount / income - 0.3)
    )
    return logit


def generate(rows: int, seed: int = 42) -> Dataset:
    """`rows` applicants with labels from the noisy rule; deterministic for a given seed."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(mean=np.log(52_000.0), sigma=0.45, size=rows), 2)
    debt_ratio = np.round(np.clip(rng.beta(2.0, 4.0, size=rows), 0.0, 1.0), 4)
    history = rng.integers(0, 361, size=rows).astype(np.float64)
    delinquencies = rng.poisson(0.4, size=rows).astype(np.float64)
    amount = np.round(income * rng.uniform(0.05, 0.8, size=rows), 2)
    features = np.column_stack([income, debt_ratio, history, delinquencies, amount])
    noisy = default_logit(features) + rng.logistic(0.0, 1.0, size=rows)
    labels = (noisy > 0.0).astype(np.int8)
    ids = [f"app-{seed}-{i:08d}" for i in range(rows)]
    return Dataset(ids=ids, features=features, labels=labels)


def header(with_label: bool) -> bytes:
    """The CSV header line this project writes and reads."""
    columns = (ID_COLUMN, *FEATURES, *((LABEL,) if with_label else ()))
    return (",".join(columns) + "\n").encode()


def to_csv(dataset: Dataset, with_header: bool = True) -> bytes:
    """Encode a dataset as CSV (label column included when the dataset has labels)."""
    row_format = "{},{:.2f},{:.4f},{:.0f},{:.0f},{:.2f}"
    columns: list[list[Any]] = [dataset.ids, *dataset.features.T.tolist()]
    if dataset.labels is not None:
        row_format += ",{}"
        columns.append(dataset.labels.tolist())
    rows = map(row_format.format, *columns)
    body = "\n".join(rows) + "\n" if len(dataset) else ""
    head = header(dataset.labels is not None).decode() if with_header else ""
    return (head + body).encode()


def parse_lines(lines: list[bytes], with_label: bool) -> Dataset:
    """Parse header-less CSV lines into a dataset (vectorised; ids are kept as text)."""
    lines = [line.rstrip(b"\r") for line in lines if line.strip()]
    if not lines:
        return Dataset(ids=[], features=np.empty((0, len(FEATURES))), labels=None)
    width = len(FEATURES) + 1 + int(with_label)
    try:
        table = np.loadtxt(lines, delimiter=",", usecols=range(1, width), dtype=np.float64, ndmin=2)
    except ValueError as err:
        raise DataFormatError(f"unreadable CSV row: {err}") from err
    ids = [line.split(b",", 1)[0].decode() for line in lines]
    features = np.ascontiguousarray(table[:, : len(FEATURES)])
    labels = table[:, len(FEATURES)].astype(np.int8) if with_label else None
    return Dataset(ids=ids, features=features, labels=labels)


def check_header(line: bytes) -> bool:
    """Validate a header line; return whether it carries the label column."""
    columns = tuple(line.strip().decode().split(","))
    if columns == (ID_COLUMN, *FEATURES, LABEL):
        return True
    if columns == (ID_COLUMN, *FEATURES):
        return False
    raise DataFormatError(
        f"expected columns {ID_COLUMN},{','.join(FEATURES)}[,{LABEL}], got {','.join(columns)}"
    )


def iter_csv(chunks: Iterable[bytes], rows_per_batch: int = 200_000) -> Iterator[Dataset]:
    """Stream CSV bytes (in arbitrary chunks) as datasets of at most `rows_per_batch` rows."""
    pending = b""
    with_label: bool | None = None
    batch: list[bytes] = []
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        if with_label is None and complete:
            with_label = check_header(complete.pop(0))
        batch.extend(complete)
        while len(batch) >= rows_per_batch:
            yield parse_lines(batch[:rows_per_batch], bool(with_label))
            batch = batch[rows_per_batch:]
    if pending:
        if with_label is None:
            with_label = check_header(pending)
        else:
            batch.append(pending)
    if batch:
        yield parse_lines(batch, bool(with_label))


def read_csv(data: bytes) -> Dataset:
    """Parse a whole CSV document (header first) into one dataset."""
    parts = list(iter_csv([data], rows_per_batch=max(1, data.count(b"\n") + 1)))
    if not parts:
        return Dataset(ids=[], features=np.empty((0, len(FEATURES))), labels=None)
    return parts[0]
