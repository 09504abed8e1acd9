"""Runs a month of an EventBridge Scheduler expression (`cron(...)`, `rate(...)`)."""

from __future__ import annotations

import re

HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = 30.4
_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_UNIT_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


def _count(field: str, span: int) -> float:
    """How many values a cron field matches out of `span` (`*`, `?`, lists, ranges, steps)."""
    if field in ("*", "?"):
        return float(span)
    total = 0.0
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = max(1, int(step_text))
        if part in ("*", ""):
            total += len(range(0, span, step))
        elif step > 1 and part.isdigit():
            total += len(range(int(part), span, step))
        elif "-" in part and part.replace("-", "").isdigit():
            low, high = (int(x) for x in part.split("-", 1))
            total += len(range(low, high + 1, step))
        else:
            total += 1
    return total


def runs_per_month(expression: str) -> float:
    """Average runs a month; 0 for an empty or unparsable expression."""
    text = expression.strip()
    rate = _RATE.fullmatch(text)
    if rate:
        period_h = int(rate.group(1)) * _UNIT_HOURS[rate.group(2).rstrip("s")]
        return HOURS_PER_MONTH / period_h
    if not (text.startswith("cron(") and text.endswith(")")):
        return 0.0
    fields = text[5:-1].split()
    if len(fields) != 6:
        return 0.0
    minutes, hours, day_of_month, month, day_of_week, _ = fields
    per_day = _count(minutes, 60) * _count(hours, 24)
    if day_of_month not in ("*", "?"):
        days = min(_count(day_of_month, 31), DAYS_PER_MONTH)
    elif day_of_week not in ("*", "?"):
        days = _count(day_of_week, 7) * DAYS_PER_MONTH / 7
    else:
        days = DAYS_PER_MONTH
    months = _count(month, 12) / 12
    return per_day * days * months
