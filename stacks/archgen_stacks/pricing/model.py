"""The estimate's data: a line per registered resource, each a list of charges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .table import Price


@dataclass(frozen=True)
class Charge:
    """One billed dimension of a resource: quantity x unit price."""

    item: str
    quantity: float
    price: Price
    per: float = 1.0
    """The price is per this many units (1,000 transitions, a million requests)."""

    @property
    def unit_price_usd(self) -> float:
        return self.price.usd / self.per

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.unit_price_usd

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "quantity": round(self.quantity, 4),
            "unit": self.price.unit if self.per == 1 else self.price.unit + f" / {self.per:g}",
            "unit_price_usd": self.unit_price_usd,
            "monthly_usd": round(self.monthly_usd, 2),
            "price_key": self.price.key,
            "source": self.price.source,
        }


@dataclass
class Line:
    """What one resource costs a month; `priced` False means archgen cannot price its type."""

    resource: str
    type: str
    component: str | None
    charges: list[Charge] = field(default_factory=list)
    priced: bool = True
    note: str = ""

    @property
    def monthly_usd(self) -> float:
        return round(sum(c.monthly_usd for c in self.charges), 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "type": self.type,
            "component": self.component,
            "priced": self.priced,
            "monthly_usd": self.monthly_usd,
            "note": self.note,
            "charges": [c.to_json() for c in self.charges],
        }


@dataclass
class Estimate:
    """Every resource of one stack config, priced; `not_priced` lists unknown types."""

    stack: str
    region: str
    prices_version: str
    lines: list[Line]
    usage: dict[str, float]

    @property
    def total_usd(self) -> float:
        return round(sum(line.monthly_usd for line in self.lines), 2)

    @property
    def not_priced(self) -> list[Line]:
        return [line for line in self.lines if not line.priced]

    def by_component(self) -> dict[str, list[Line]]:
        """Lines grouped by the component that owns them, in first-seen order."""
        groups: dict[str, list[Line]] = {}
        for line in self.lines:
            groups.setdefault(line.component or "(stack)", []).append(line)
        return groups

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "region": self.region,
            "prices_version": self.prices_version,
            "total_usd": self.total_usd,
            "not_priced": [line.resource for line in self.not_priced],
            "usage": self.usage,
            "lines": [line.to_json() for line in self.lines],
        }
