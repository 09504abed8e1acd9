"""The shape of a team pack: the `archgen-pack.yaml` models and a loaded `Pack`.

A pack is a folder holding `archgen-pack.yaml` with overlay layers, extra
questions, company defaults, constraints, replacement components and hooks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from archgen import catalogue
from archgen.patterns import Pattern
from archgen.record import PackRef

MANIFEST = "archgen-pack.yaml"
BUILTIN_LAYERS = catalogue.ALL_LAYERS
"""Template layers a pack may override or extend, one overlay directory each."""
HookStage = Literal["pre_gen", "post_gen"]


class StrictModel(BaseModel):
    """A pack file model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PackQuestion(StrictModel):
    """An extra question a pack asks after the built-in ones."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    prompt: str
    help: str = ""
    default: str | int | float | bool | None = None
    choices: list[str] = Field(default_factory=list)
    tag: str = ""
    """When set, the answer is also put on every resource as this tag."""


class PackDefaults(StrictModel):
    """Company defaults: they reach the answers' defaults, the template context and the stack."""

    region: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    name_prefix: str | None = None
    existing_vpc_id: str | None = None
    existing_private_subnet_ids: list[str] = Field(default_factory=list)
    existing_public_subnet_ids: list[str] = Field(default_factory=list)
    kms_key_arn: str | None = None
    cost_centre: str | None = None
    """Put on every resource as the `CostCentre` tag."""


class PackConstraints(StrictModel):
    """Limits on the decision: patterns the team does not run, a budget ceiling."""

    forbid: list[Pattern] = Field(default_factory=list)
    max_budget_usd: float | None = Field(default=None, gt=0)


class PackHooks(StrictModel):
    """Scripts run before and after generation, only for trusted packs."""

    pre_gen: list[str] = Field(default_factory=list)
    post_gen: list[str] = Field(default_factory=list)


ReplaceablePart = Literal["batch", "api", "stream"]
"""The parts a pack may replace: the fields of archgen_stacks' `ComponentClasses`."""

COMPONENT_TARGET = re.compile(r"components(\.[a-z_][a-z0-9_]*)+:[A-Za-z_][A-Za-z0-9_]*")


class PackManifest(StrictModel):
    """The shape of `archgen-pack.yaml`."""

    name: str = Field(pattern=r"^[a-z][a-z0-9._-]*$")
    version: str
    description: str = ""
    layers: dict[str, str] = Field(default_factory=dict)
    """Built-in layer name -> overlay directory inside the pack."""
    questions: list[PackQuestion] = Field(default_factory=list)
    defaults: PackDefaults = Field(default_factory=PackDefaults)
    constraints: PackConstraints = Field(default_factory=PackConstraints)
    hooks: PackHooks = Field(default_factory=PackHooks)
    components: dict[ReplaceablePart, str] = Field(default_factory=dict)
    """Part (batch, api, stream) -> `components.<module>:<Class>`, a module the pack's
    overlays render under `infra/components/`; the project's stack uses it instead of archgen's."""

    @field_validator("components")
    @classmethod
    def _component_paths(cls, value: dict[str, str]) -> dict[str, str]:
        for part, target in value.items():
            if not COMPONENT_TARGET.fullmatch(target):
                raise ValueError(
                    f"components.{part}: {target!r} is not `components.<module>:<Class>`"
                )
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


@dataclass(frozen=True)
class Pack:
    """A loaded, validated pack: its manifest, where it lives and where it came from."""

    manifest: PackManifest
    root: Path
    source: str

    @property
    def ref(self) -> PackRef:
        return PackRef(name=self.manifest.name, version=self.manifest.version, source=self.source)

    def hooks(self) -> list[tuple[HookStage, str]]:
        """Every hook as (stage, script path relative to the pack)."""
        hooks = self.manifest.hooks
        return [("pre_gen", h) for h in hooks.pre_gen] + [("post_gen", h) for h in hooks.post_gen]


def line_of(text: str, needle: str) -> int:
    """The first line of a pack file's `text` that contains `needle` (1 when none does)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1
