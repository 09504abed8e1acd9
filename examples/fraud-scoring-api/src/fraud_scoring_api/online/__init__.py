"""Continuous model updates of the real-time API.

The API keeps what retraining needs (`records`: each served prediction and
each feedback, as JSON lines in the raw bucket), a scheduled job joins and
retrains on them (`retrain`), and the API swaps a published model in without
a restart (`api/swap.py`).
"""
