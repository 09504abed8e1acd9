"""Prices with provenance per region, and the usage assumptions a stack is priced with.

Both are data files (`data/prices.yaml`, `data/usage-defaults.yaml`); a project
overrides usage in `infra/usage.yaml`. `cost.py` (the estimate the decision and
the README use) and `archgen_stacks.pricing` (the price of the resources a stack
config registers) read the same table. No pulumi here: this is the light package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from archgen.errors import UsageError

PRICES_FILE = "data/prices.yaml"
USAGE_FILE = "data/usage-defaults.yaml"


@dataclass(frozen=True)
class Price:
    """One unit price and where it comes from; `fallback` when derived by a multiplier."""

    key: str
    usd: float
    unit: str
    page: str
    date: str
    sku: str | None = None
    fallback: str | None = None

    @property
    def source(self) -> str:
        """Page and date, and the fallback rule when the region has no figure of its own."""
        text = f"{self.page} ({self.date})"
        return f"{text}; {self.fallback}" if self.fallback else text


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files("archgen").joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


class PriceTable:
    """The prices of one region: its own figures, else us-east-1 x its multiplier."""

    def __init__(self, region: str) -> None:
        raw = _load(PRICES_FILE)
        self.region = region
        self.version = str(raw["version"])
        self.base_region = str(raw["base_region"])
        self._pages: dict[str, str] = dict(raw["pages"])
        self._base: dict[str, dict[str, Any]] = dict(raw["prices"])
        self._same = set(raw.get("same_everywhere") or [])
        known = dict(raw.get("regions") or {})
        entry = dict(known.get(region) or {})
        self.known_region = region == self.base_region or region in known
        self.multiplier = float(entry.get("multiplier", 1.0))
        self._own: dict[str, dict[str, Any]] = dict(entry.get("prices") or {})

    def __getitem__(self, key: str) -> Price:
        if key not in self._base:
            raise KeyError(key)
        base = self._base[key]
        unit = str(base.get("unit", ""))
        item = self._own.get(key)
        fallback: str | None = None
        if self.region == self.base_region or key in self._same:
            item = base
        elif item is None:
            item = {**base, "usd": float(base["usd"]) * self.multiplier}
            fallback = (
                f"fallback: {self.base_region} x {self.multiplier:g}"
                if self.known_region
                else f"fallback: priced as {self.base_region}, no figures for {self.region}"
            )
        return Price(
            key=key,
            usd=float(item["usd"]),
            unit=unit,
            page=self._pages.get(str(item["page"]), str(item["page"])),
            date=str(item["date"]),
            sku=item.get("sku"),
            fallback=fallback,
        )

    def keys(self) -> list[str]:
        """Every price key in the table."""
        return list(self._base)

    @property
    def own_keys(self) -> list[str]:
        """The keys this region has figures of its own for."""
        return [k for k in self._base if k in self._own]

    @property
    def dates(self) -> list[str]:
        """The dates of the base prices, oldest first."""
        return sorted({str(v["date"]) for v in self._base.values()})


@dataclass(frozen=True)
class Usage:
    """The usage assumptions, one attribute per key of `usage-defaults.yaml`."""

    values: Mapping[str, float]

    def __getattr__(self, key: str) -> float:
        try:
            return float(self.values[key])
        except KeyError as err:
            raise AttributeError(key) from err


def usage_defaults() -> dict[str, Any]:
    """The documented defaults (null where the answers fill them)."""
    return dict(_load(USAGE_FILE))


def usage(
    answers: Mapping[str, Any] | None = None, overrides: Mapping[str, Any] | None = None
) -> Usage:
    """Defaults, then the answers (`daily_volume`, `peak_factor`), then a project's overrides."""
    values = usage_defaults()
    answers = answers or {}
    if values.get("requests_per_day") is None:
        values["requests_per_day"] = answers.get("daily_volume", 10_000)
    if values.get("peak_factor") is None:
        values["peak_factor"] = answers.get("peak_factor", 2.0)
    for key, value in (overrides or {}).items():
        if key not in values:
            raise UsageError(
                f"usage file: unknown key {key!r} (known: {', '.join(sorted(values))})"
            )
        values[key] = value
    try:
        return Usage({k: float(v) for k, v in values.items()})
    except (TypeError, ValueError) as err:
        raise UsageError(f"usage file: every value must be a number ({err})") from err


ANSWERED = {"requests_per_day": "daily_volume", "peak_factor": "peak_factor"}
"""Usage keys whose default is an answer in `.archgen.yaml` (usage key -> answer key)."""


def usage_file_entries(answers: Mapping[str, Any]) -> str:
    """The entries of a project's `infra/usage.yaml`: every default with its comment.

    The text of `usage-defaults.yaml` after its header, with the keys that come
    from the answers set to the answers' values, so a team sees and edits every
    assumption the estimate uses and a three-way merge keeps its edits.
    """
    text = resources.files("archgen").joinpath(USAGE_FILE).read_text(encoding="utf-8")
    blocks = text.split("\n\n")[1:]  # the first block is the file's own header
    out = []
    for block in blocks:
        lines = block.rstrip("\n").split("\n")
        key, _, _ = lines[-1].partition(":")
        if key in ANSWERED:
            value = answers.get(ANSWERED[key])
            if value is None:
                value = usage({}).values[key]
            lines[-1] = f"{key}: {_number(value)}"
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() and "." not in str(value) else str(number)
