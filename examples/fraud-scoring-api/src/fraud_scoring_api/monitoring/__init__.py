"""Monitoring: the prediction log the API writes and the window that measures drift."""
