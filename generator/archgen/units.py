"""Quantities said the way a person says them."""

from __future__ import annotations

import math


def ms_text(ms: int | float) -> str:
    """A duration in the unit a person would say it in: `100 ms`, `1 min`, `24 h`, `7 days`."""
    if ms < 1000:
        return f"{ms:g} ms"
    if ms < 60_000:
        return f"{ms / 1000:g} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:g} min"
    hours = ms / 3_600_000
    if hours < 48 or not math.isclose(hours % 24, 0):
        return f"{hours:g} h"
    return f"{hours / 24:g} days"
