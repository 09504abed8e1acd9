"""Pulumi entry point of Fraud Scoring API: builds the stack its config describes.

The components in `components/` are archgen's stack modules, copied verbatim; the
stack config (`Pulumi.<stack>.yaml`) holds every size, schedule and threshold.
"""

from components.program import main

main()
