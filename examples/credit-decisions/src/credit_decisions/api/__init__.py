"""The real-time HTTP API: `python -m credit_decisions.api`."""
