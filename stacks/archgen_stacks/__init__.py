"""archgen's versioned Pulumi component library: the stacks a generated project pins and deploys."""

from __future__ import annotations

__version__ = "0.2.0"
