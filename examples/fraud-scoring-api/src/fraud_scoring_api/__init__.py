"""Fraud Scoring API: the transaction model, its data and its storage helpers."""

from __future__ import annotations

__version__ = "0.1.0"
