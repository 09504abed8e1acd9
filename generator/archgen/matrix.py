"""The decision model as data: the seed's matrix, the answer fits, part burdens, weights, limits.

`data/matrix.yaml` holds it all so a reader sees the whole model at once and a
team can copy and change it; this module only reads and validates it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from archgen.catalogue import Part
from archgen.errors import DecisionError
from archgen.patterns import Level, Pattern

CRITERIA: tuple[str, ...] = (
    "latency",
    "volume",
    "complexity",
    "cost",
    "urgency",
    "data_arrival",
    "model_update",
    "budget",
)
"""Every criterion a pattern is scored on: the seed's four columns, then the fit to the answers."""

LABELS: dict[str, str] = {
    "latency": "latency",
    "volume": "volume",
    "complexity": "complexity",
    "cost": "cost",
    "urgency": "urgency",
    "data_arrival": "data arrival",
    "model_update": "model updates",
    "budget": "budget",
}
"""How each criterion is named in sentences."""

MATRIX_COLUMNS: tuple[str, ...] = ("latency", "volume", "complexity", "cost")
SIMPLICITY: tuple[Pattern, ...] = (
    Pattern.BATCH,
    Pattern.REALTIME,
    Pattern.STREAMING,
    Pattern.HYBRID,
)
"""Tie-break order: on equal totals the pattern with the smaller complexity burden wins."""


class Limits(BaseModel):
    """Thresholds of the hard constraints and of the latency and volume levels."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    batch_min_latency_ms: int
    streaming_min_sync_latency_ms: int
    api_max_peak_rps: float = Field(
        validation_alias=AliasChoices("api_max_peak_rps", "realtime_max_peak_rps")
    )
    """Peak at the growth target above which any pattern serving through the API fleet is out."""
    latency_low_ms: int
    latency_medium_ms: int
    volume_medium_per_day: int
    volume_high_per_day: int
    volume_very_high_per_day: int


class Complexity(BaseModel):
    """How the complexity criterion is computed from the parts a pattern deploys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    burden: dict[Part, float]
    """Operational burden of each catalogue part; a pattern's burden is the sum over its parts."""
    tolerated: dict[Level, float]
    """The burden each complexity tolerance (low, medium, high) accepts at full fit."""
    span: float = Field(gt=0)
    """Burden above the tolerated one that takes the fit from 1 to 0."""


class Matrix(BaseModel):
    """The decision model: the seed's matrix, the answer fits, the weights and the limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    source: str
    matrix: dict[Pattern, dict[str, Level]]
    fit: dict[str, dict[str, dict[Pattern, float]]]
    traits: dict[Pattern, dict[str, str]] = Field(default_factory=dict)
    complexity: Complexity
    volume_shortfall: list[float]
    """Fit lost when a pattern's matrix volume is 0, 1, 2, 3 levels below the need."""
    volume_overbuild: float = 0.0
    """Fit lost per level a pattern's matrix volume is above the need."""
    weights: dict[str, float] = Field(default_factory=dict)
    limits: Limits

    def weight(self, criterion: str) -> float:
        return self.weights.get(criterion, 0.0)


def load_matrix(path: Path | None = None) -> Matrix:
    """Read a decision model file (the built-in `data/matrix.yaml` when `path` is None)."""
    if path is None:
        return _builtin_matrix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Matrix.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as err:
        first = str(err).splitlines()[0]
        raise DecisionError(f"{path}: not a valid decision matrix: {first}") from err


@lru_cache(maxsize=1)
def _builtin_matrix() -> Matrix:
    text = resources.files("archgen").joinpath("data/matrix.yaml").read_text(encoding="utf-8")
    return Matrix.model_validate(yaml.safe_load(text))
