"""The plain data that flows from the answers to the rendered project.

answers -> Requirements -> Decision -> Sizing + CostReport -> Plan -> render.
Each stage is a pure function in its own module (decision.py, sizing.py,
cost.py); this module holds only their result shapes, so every consumer (the
CLI, the renderer, `--json`, team packs, update) reads one vocabulary.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from archgen.catalogue import Part
from archgen.patterns import Pattern
from archgen.record import ProjectRecord


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Constraints(_Frozen):
    """Limits a team pack puts on the decision: patterns, parts and AWS services it forbids
    (a pattern deploying a forbidden part or service is infeasible), a budget ceiling."""

    forbid: list[Pattern] = Field(default_factory=list)
    forbid_components: list[Part] = Field(default_factory=list)
    forbid_services: list[str] = Field(default_factory=list)
    max_budget_usd: float | None = None
    source: str = ""
    """Who imposed them, e.g. `team pack acme-platform 1.2.0`, quoted in the warnings."""


class Score(_Frozen):
    """How one pattern fares against the answers."""

    pattern: Pattern
    feasible: bool
    """False when a hard constraint rules the pattern out."""
    ruled_out_by: list[str] = Field(default_factory=list)
    """The hard constraints it fails, in plain sentences."""
    by_criterion: dict[str, float] = Field(default_factory=dict)
    """Criterion (latency, volume, complexity, cost, ...) -> fit in [0, 1]."""
    basis: dict[str, str] = Field(default_factory=dict)
    """Criterion -> the figures behind its fit, as the phrase the reasons quote."""
    total: float = 0.0
    """Weighted sum of the criteria; the highest feasible total wins."""


class Decision(_Frozen):
    """The recommendation, why, and why not the others."""

    recommended: Pattern
    chosen: Pattern
    """The pattern the project is built with: the recommendation unless the user overrode it."""
    scores: list[Score]
    reasons: list[str]
    """Why the recommended pattern, in plain sentences."""
    why_not: dict[Pattern, str]
    """For every other pattern, one sentence on why it was not recommended."""
    warnings: list[str] = Field(default_factory=list)
    """What an override gives up, constraints a team pack imposed, ..."""


class Figure(_Frozen):
    """One sized figure with the formula or assumption behind it."""

    key: str
    label: str
    value: float | int | str
    unit: str = ""
    basis: str = ""


class Sizing(_Frozen):
    """Capacity of the chosen pattern, and the stack config it becomes."""

    pattern: Pattern
    figures: list[Figure]
    stack_config: dict[str, Any]
    """StackSettings field values (snake_case) the stack is deployed with."""
    headroom: str = ""
    """How far the sized system scales before a redesign, in one sentence."""


class CostLine(_Frozen):
    item: str
    quantity: float
    unit: str
    unit_price_usd: float
    monthly_usd: float


class CostEstimate(_Frozen):
    pattern: Pattern
    lines: list[CostLine]
    total_usd: float


class PricingInfo(_Frozen):
    version: str
    region: str
    date: str
    source: str


class CostReport(_Frozen):
    """Monthly estimate of every pattern, itemised for the chosen one, against the budget."""

    chosen: CostEstimate
    per_pattern: dict[Pattern, float]
    budget_usd: float
    over_budget: bool
    drivers: list[str] = Field(default_factory=list)
    """The largest cost lines, said in sentences when over budget."""
    pricing: PricingInfo


class Plan(_Frozen):
    """Everything needed to render and explain a project."""

    record: ProjectRecord
    decision: Decision
    sizing: Sizing
    cost: CostReport
