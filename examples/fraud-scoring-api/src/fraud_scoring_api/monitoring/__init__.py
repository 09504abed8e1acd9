"""Monitoring helpers: the prediction log that feeds the monitoring stream."""
