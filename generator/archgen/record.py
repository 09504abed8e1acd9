"""`.archgen.yaml`: what a generated project records, and what an answers file replays.

The same document serves both: `archgen new --answers <project>/.archgen.yaml`
reproduces the project. Loading it with file and line in every error lives in
`answers.py`; this module is only the shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from archgen.model_spec import ModelSpec
from archgen.patterns import Pattern
from archgen.requirements import Requirements

RECORD_FILE = ".archgen.yaml"


class PackRef(BaseModel):
    """The team pack a project was made with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    source: str = ""


class ProjectRecord(BaseModel):
    """The answers, the chosen pattern and the versions a project was generated with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    archgen_version: str = ""
    answers: Requirements = Field(default_factory=Requirements)
    pattern: Pattern | None = None
    """The pattern chosen: the recommendation, or the user's override of it."""
    pack: PackRef | None = None
    pack_answers: dict[str, Any] = Field(default_factory=dict)
    """Answers to a team pack's extra questions."""
    model_spec: ModelSpec | None = None
    """The user's prediction problem; none means the credit-decision example."""
