"""The decision-matrix questions and the validated answers they produce.

The seed asks five questions (urgency, volume, latency, budget, complexity
tolerance); archgen adds how the data arrives, how often the model changes, the
growth the system must absorb, the availability objective and the region. Each
question is data: a key, a prompt, a unit, a default and help text, so the CLI,
the answers file and the docs all read the same catalogue.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from archgen.patterns import DataArrival, Level, ModelUpdate

_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")

DEFAULT_GROWTH = 10  # when no scale target is given, size for 10x today's volume

STACKS_DEPENDENCIES: tuple[str, ...] = (
    "archgen-stacks",
    "archgen",
    "pulumi",
    "pulumi-aws",
    "pulumi-docker-build",
    "pulumi-policy",
    "moto",
    "boto3",
    "pytest",
)
"""The component library every project pins and what it brings (its pyproject's
dependencies and the `testing` and `policy` extras the project installs)."""
IMPORT_NAMES: dict[str, tuple[str, ...]] = {"scikit-learn": ("sklearn",), "mypy": ("mypyc",)}
"""Modules of the dependencies that are not named after their distribution (normalised)."""
EXTRA_STDLIB: tuple[str, ...] = ("test",)
"""Standard-library packages `sys.stdlib_module_names` leaves out (its test modules)."""
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class Urgency(StrEnum):
    """How soon a prediction is needed, in the words people answer with.

    The first two are the source document's "urgent" (batch cannot serve them),
    the last two its "non-urgent". The old answers `high`, `medium` and `low`
    still load: they mean waiting, minutes and next day.
    """

    WAITING = "waiting"  # while the caller waits
    SECONDS = "seconds"  # within seconds
    MINUTES = "minutes"  # within minutes or hours
    NEXT_DAY = "next_day"  # next day or later

    @property
    def urgent(self) -> bool:
        """The document's urgent (a decision cannot wait for a scheduled run)."""
        return self in (Urgency.WAITING, Urgency.SECONDS)

    @property
    def phrase(self) -> str:
        """The answer in words: `while the caller waits`."""
        return URGENCY_PHRASES[self]

    @classmethod
    def _missing_(cls, value: object) -> Urgency | None:
        if isinstance(value, str):
            return LEGACY_URGENCY.get(value.strip().lower())
        return None


URGENCY_PHRASES: dict[Urgency, str] = {
    Urgency.WAITING: "while the caller waits",
    Urgency.SECONDS: "within seconds",
    Urgency.MINUTES: "within minutes or hours",
    Urgency.NEXT_DAY: "the next day or later",
}
LEGACY_URGENCY: dict[str, Urgency] = {
    "high": Urgency.WAITING,
    "medium": Urgency.MINUTES,
    "low": Urgency.NEXT_DAY,
}
"""The urgency values of archgen 0.2 answers files and flags, and what they mean now."""


@dataclass(frozen=True)
class Question:
    """One question of the review: what is asked, in which unit, with which default."""

    key: str
    prompt: str
    help: str
    unit: str = ""
    choices: tuple[str, ...] = ()


QUESTIONS: tuple[Question, ...] = (
    Question(
        "project_name",
        "Project name",
        "Lower-case letters, digits and dashes; it names the package, the stack and the resources.",
    ),
    Question(
        "urgency",
        "How urgent are the predictions?",
        "waiting: a caller waits for each answer; seconds: within seconds; "
        "minutes: within minutes or hours; next_day: the next day or later "
        "(the old high, medium and low still work and mean waiting, minutes and next_day).",
        choices=tuple(u.value for u in Urgency),
    ),
    Question(
        "daily_volume",
        "What's the data volume?",
        "Predictions per day today, on an average day.",
        unit="predictions/day",
    ),
    Question(
        "peak_factor",
        "Peak factor",
        "Busiest second over the average second (3 means the peak rate is 3x the daily mean).",
        unit="x",
    ),
    Question(
        "scale_to_daily_volume",
        "Must scale to",
        "Predictions per day the architecture must absorb without a redesign "
        f"(empty: {DEFAULT_GROWTH}x today's volume).",
        unit="predictions/day",
    ),
    Question(
        "latency_p99_ms",
        "What's the latency requirement?",
        "p99 milliseconds from the data (or request) to its prediction; "
        "3600000 (an hour) or more means results may be computed ahead of time.",
        unit="ms (p99)",
    ),
    Question(
        "monthly_budget_usd",
        "What's the budget?",
        "Monthly AWS spend you can accept for this system.",
        unit="USD/month",
    ),
    Question(
        "complexity_tolerance",
        "What's the complexity tolerance?",
        "low: a small team, few moving parts; medium: a platform team runs services; "
        "high: on-call for streams, autoscaling and several pipelines is fine.",
        choices=("low", "medium", "high"),
    ),
    Question(
        "data_arrival",
        "How does the data arrive?",
        "files: files or tables land at intervals; requests: a caller sends one case and waits; "
        "stream: a continuous event stream (IoT, clicks, transactions).",
        choices=tuple(d.value for d in DataArrival),
    ),
    Question(
        "model_update",
        "How often must the model be updated?",
        "How often the model is retrained or refreshed on new data.",
        choices=tuple(m.value for m in ModelUpdate),
    ),
    Question(
        "availability_pct",
        "Availability objective",
        "Share of time the service must answer (the seed's example runs at 99.9).",
        unit="%",
    ),
    Question("region", "AWS region", "Where the stack is deployed and priced."),
)


def package_name(project_name: str) -> str:
    """The Python package a project name gives: `fraud-scores` -> `fraud_scores`."""
    return project_name.replace("-", "_")


def normalise(name: str) -> str:
    """A distribution or module name compared the PEP 503 way (`-`, `_`, `.` equal, any case)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def template_dependencies() -> tuple[str, ...]:
    """The distribution names the built-in templates' layers depend on (`layer.yaml`)."""
    return _template_dependencies()


@cache
def _template_dependencies() -> tuple[str, ...]:
    import yaml  # here, not at import time: `archgen --help` stays light

    names: list[str] = []
    for layer in sorted(resources.files("archgen.templates").iterdir(), key=lambda t: t.name):
        meta_file = layer / "layer.yaml"
        if not meta_file.is_file():
            continue
        meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}
        for key in ("dependencies", "test_dependencies"):
            for entry in meta.get(key) or []:
                if "{stacks" in str(entry):  # a pin of the component library (render_plan)
                    names.append(STACKS_DEPENDENCIES[0])
                elif found := _REQUIREMENT_NAME.match(str(entry).strip()):
                    names.append(found.group(0))
    return tuple(dict.fromkeys(names))


@cache
def _dependency_names() -> dict[str, str]:
    """Normalised distribution and module name -> the dependency it belongs to."""
    shadowed: dict[str, str] = {}
    for dist in (*template_dependencies(), *STACKS_DEPENDENCIES):
        shadowed.setdefault(normalise(dist), dist)
        for module in IMPORT_NAMES.get(normalise(dist), ()):
            shadowed.setdefault(normalise(module), dist)
    return shadowed


def name_problem(project_name: str) -> str | None:
    """Why a well-formed project name would give a broken project, or None if it is fine."""
    package = package_name(project_name)
    if keyword.iskeyword(package):
        return (
            f"{project_name!r} is a Python keyword, so its package could never be "
            "imported; pick another name"
        )
    if package in sys.stdlib_module_names or package in EXTRA_STDLIB:
        return (
            f"{project_name!r} would shadow the standard-library module {package}; "
            "pick another name"
        )
    shadowed = _dependency_names()
    for candidate in (project_name, package):
        dist = shadowed.get(normalise(candidate))
        if dist is None:
            continue
        what = dist if normalise(dist) == normalise(candidate) else f"{candidate} ({dist})"
        return (
            f"{project_name!r} would shadow the {what} package the project depends on; "
            "pick another name"
        )
    return None


class Requirements(BaseModel):
    """The validated answers: everything the decision, the sizing and the cost read."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    project_name: str = "ai-service"
    urgency: Urgency = Urgency.MINUTES
    daily_volume: int = Field(10_000, ge=1, le=10_000_000_000)
    peak_factor: float = Field(3.0, ge=1.0, le=100.0)
    scale_to_daily_volume: int | None = Field(None, ge=1, le=100_000_000_000)
    latency_p99_ms: int = Field(1000, ge=1, le=7 * 24 * 3_600_000)
    monthly_budget_usd: float = Field(2000.0, gt=0, le=10_000_000)
    complexity_tolerance: Level = Level.MEDIUM
    data_arrival: DataArrival = DataArrival.REQUESTS
    model_update: ModelUpdate = ModelUpdate.DAILY
    availability_pct: float = Field(99.9, ge=90.0, le=99.999)
    region: str = "us-east-1"

    @field_validator(
        "daily_volume",
        "peak_factor",
        "scale_to_daily_volume",
        "latency_p99_ms",
        "monthly_budget_usd",
        "availability_pct",
        mode="before",
    )
    @classmethod
    def _not_a_bool(cls, value: Any) -> Any:
        # YAML's `true` would otherwise pass for 1
        if isinstance(value, bool):
            raise PydanticCustomError("bool_for_number", "a boolean is not a number")
        return value

    @field_validator("project_name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                "must be 3-40 characters: lower-case letters, digits and dashes, "
                "starting with a letter"
            )
        problem = name_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("complexity_tolerance")
    @classmethod
    def _three_levels(cls, value: Level) -> Level:
        if value is Level.VERY_HIGH:
            raise ValueError("must be one of low, medium, high")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError("must be an AWS region name such as us-east-1")
        return value

    @model_validator(mode="after")
    def _growth_not_below_today(self) -> Requirements:
        target = self.scale_to_daily_volume
        if target is not None and target < self.daily_volume:
            raise ValueError(
                f"scale_to_daily_volume ({target}) is below daily_volume ({self.daily_volume})"
            )
        return self

    @property
    def growth_target(self) -> int:
        """Predictions per day the design must absorb (the scale target, or 10x today)."""
        return self.scale_to_daily_volume or self.daily_volume * DEFAULT_GROWTH

    @property
    def peak_per_second(self) -> float:
        """Today's peak request rate: the daily mean rate times the peak factor."""
        return self.daily_volume / 86_400 * self.peak_factor

    def as_answers(self) -> dict[str, Any]:
        """The answers as plain YAML/JSON-ready values, in question order."""
        return self.model_dump(mode="json")


def question(key: str) -> Question:
    """The catalogue entry for `key`."""
    for q in QUESTIONS:
        if q.key == key:
            return q
    raise KeyError(key)


def default_answer(key: str) -> Any:
    """The default value of a question, as the user would type it."""
    field = Requirements.model_fields[key]
    value = field.default
    return getattr(value, "value", value)
