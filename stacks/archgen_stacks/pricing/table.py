"""The price table and usage assumptions (the light `archgen.prices`, shared with `cost.py`)."""

from __future__ import annotations

from archgen.prices import Price, PriceTable, Usage, usage, usage_defaults

__all__ = ["Price", "PriceTable", "Usage", "usage", "usage_defaults"]
