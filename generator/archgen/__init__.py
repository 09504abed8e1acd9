"""archgen: from the architecture questions to a sized, priced, tested, deployable AI system."""

from __future__ import annotations

__version__ = "0.2.0"
