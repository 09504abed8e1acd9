"""Serve the API with uvicorn: `python -m fraud_scoring_api.api`.

HOST (default 0.0.0.0), PORT (default 8080) and GRACEFUL_SHUTDOWN_S (default 20)
come from the environment. On SIGTERM (ECS stopping a task) uvicorn stops
accepting connections, lets in-flight requests finish for up to
GRACEFUL_SHUTDOWN_S, then runs the app's shutdown, which flushes the prediction
log; keep it below the task's stop timeout (30 s by default) and the load
balancer's deregistration delay.
"""

from __future__ import annotations

import os

import uvicorn

from ..config import Settings
from . import logs


def main() -> None:
    """Run one uvicorn worker; scale out with more tasks, not more workers per task."""
    logs.configure(Settings.from_env().log_level)
    uvicorn.run(
        "fraud_scoring_api.api.app:app",
        host=os.environ.get("HOST", "0.0.0.0"),
        port=int(os.environ.get("PORT", "8080")),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(os.environ.get("GRACEFUL_SHUTDOWN_S", "20")),
        server_header=False,
    )


if __name__ == "__main__":
    main()
