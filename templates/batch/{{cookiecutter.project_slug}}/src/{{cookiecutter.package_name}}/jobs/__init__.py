"""Batch jobs, each a container entrypoint: `python -m {{ cookiecutter.package_name }}.jobs.<job>`."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime


def default_run_date() -> date:
    """RUN_DATE from the environment (the scheduler can set it), else today in UTC."""
    value = os.environ.get("RUN_DATE", "")
    return date.fromisoformat(value) if value else datetime.now(UTC).date()
