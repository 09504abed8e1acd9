"""The real-time HTTP API: `python -m fraud_scoring_api.api`."""
