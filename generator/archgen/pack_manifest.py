"""The shape of a team pack: the `archgen-pack.yaml` models and a loaded `Pack`.

A pack is a folder holding `archgen-pack.yaml` with overlay layers, extra
questions, company defaults, constraints, replacement components and hooks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from archgen import catalogue
from archgen.patterns import Pattern
from archgen.record import PackRef
from archgen.requirements import QUESTIONS, Requirements
from archgen.safe_io import quote

MANIFEST = "archgen-pack.yaml"
BUILTIN_LAYERS = catalogue.ALL_LAYERS
"""Template layers a pack may override or extend, one overlay directory each."""
HookStage = Literal["pre_gen", "post_gen"]

BUILTIN_CONTEXT_KEYS = frozenset(
    {
        "project_name",
        "project_slug",
        "package_name",
        "pattern",
        "region",
        "archgen_version",
        "description",
        "_archgen",
    }
)
"""The `cookiecutter.` values archgen's renderer provides to every template."""
PACK_CONTEXT_KEYS = frozenset({"pack_name", "pack_version", "company_tags"})
"""The `cookiecutter.` values archgen adds for a pack (its answers sit beside them)."""
RESERVED_KEYS = frozenset(q.key for q in QUESTIONS) | BUILTIN_CONTEXT_KEYS | PACK_CONTEXT_KEYS
"""Keys a pack question may not take: built-in questions and template values."""
SERVICES: tuple[str, ...] = tuple(
    sorted({s for c in catalogue.COMPONENTS.values() for s in c.services})
)
"""The AWS services (botocore names) archgen's components deploy; a pack may forbid any."""


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

    @field_validator("key")
    @classmethod
    def _not_builtin(cls, value: str) -> str:
        if value in RESERVED_KEYS:
            hint = " (set the region a pack prefers with defaults: region:)"
            raise ValueError(
                f"{quote(value)} is a built-in question or template value; a pack question "
                f"may not redefine it{hint if value == 'region' else ''}"
            )
        return value

    @model_validator(mode="after")
    def _default_is_a_choice(self) -> PackQuestion:
        if self.choices and self.default is not None and str(self.default) not in self.choices:
            raise ValueError(
                f"default {quote(self.default)} is not one of {', '.join(self.choices)}"
            )
        return self


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

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        """Validated exactly as the built-in `region` answer is."""
        if value is not None:
            try:
                Requirements(region=value)
            except ValidationError as err:
                message = str(err.errors()[0]["msg"]).removeprefix("Value error, ")
                raise ValueError(f"{quote(value)} {message}") from None
        return value


class PackConstraints(StrictModel):
    """Limits on the decision: patterns, components and AWS services the team does not run,
    a budget ceiling. A pattern that deploys a forbidden component or service is ruled out."""

    forbid: list[Pattern] = Field(default_factory=list)
    forbid_components: list[catalogue.Part] = Field(default_factory=list)
    """Parts (`catalogue.Part` values: stream, api, ...) no project may deploy."""
    forbid_services: list[str] = Field(default_factory=list)
    """AWS services (botocore names, as in `catalogue.COMPONENTS`: kinesis, ...) none may use."""
    max_budget_usd: float | None = Field(default=None, gt=0)

    @field_validator("forbid_services")
    @classmethod
    def _known_services(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SERVICES]
        if unknown:
            raise ValueError(f"unknown service {quote(unknown[0])} (one of {', '.join(SERVICES)})")
        return value


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
