"""The prediction API: `POST /predict`, `GET /health` (liveness), `GET /ready` (readiness).

The model loads once, during startup (FastAPI lifespan), before uvicorn accepts
a connection; a model that cannot load stops the process, so the orchestrator
restarts it instead of routing traffic to it. On shutdown readiness turns
false first, then the prediction log is flushed. Request bodies are validated
by `Applicant` (invalid -> 422). Each prediction is logged as one JSON line and,
when PREDICTION_LOG_STREAM is set, queued for the monitoring stream.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from ..config import Settings
from ..model import Model
from ..monitoring.prediction_log import PredictionSink, open_prediction_log
from ..schema import Applicant, Prediction, predict
from ..storage import load_configured_model

log = logging.getLogger("{{ cookiecutter.package_name }}.api")


@dataclass
class ServiceState:
    """What the running service holds: settings, the model, the prediction log, readiness."""

    settings: Settings
    model: Model | None = None
    prediction_log: PredictionSink | None = None
    ready: bool = False


def create_app(
    settings: Settings | None = None,
    model: Model | None = None,
    prediction_log: PredictionSink | None = None,
) -> FastAPI:
    """Build the app; whatever is not passed in is loaded from the environment at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ServiceState(settings=settings or Settings.from_env())
        state.model = model or load_configured_model(state.settings)
        state.prediction_log = prediction_log or open_prediction_log(state.settings)
        state.ready = True
        app.state.service = state
        log.info("model loaded", extra={"model_version": state.model.metadata.version})
        try:
            yield
        finally:
            state.ready = False
            state.prediction_log.close()
            log.info("shut down")

    app = FastAPI(title="{{ cookiecutter.project_name }}", version="0.1.0", lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        """Readiness: the model is loaded and the service is not shutting down."""
        state: ServiceState | None = getattr(request.app.state, "service", None)
        if state is None or not state.ready or state.model is None:
            return JSONResponse({"status": "not ready"}, status_code=503)
        return JSONResponse({"status": "ready", "model_version": state.model.metadata.version})

    @app.post("/predict")
    async def predict_endpoint(
        applicant: Applicant,
        request: Request,
        x_request_id: str | None = Header(default=None, max_length=128),
    ) -> Prediction:
        """Probability of default and the decision for one applicant."""
        started = time.perf_counter()
        state: ServiceState | None = getattr(request.app.state, "service", None)
        if state is None or state.model is None or not state.ready:
            raise HTTPException(status_code=503, detail="model not loaded")
        prediction = predict(state.model, applicant, state.settings.decision_threshold)
        request_id = x_request_id or uuid.uuid4().hex
        latency_ms = round((time.perf_counter() - started) * 1000.0, 3)
        record = {
            "request_id": request_id,
            **prediction.model_dump(),
            "features": applicant.model_dump(exclude={"applicant_id"}),
            "latency_ms": latency_ms,
            "time": time.time(),
        }
        if state.prediction_log is not None:
            state.prediction_log.write(record)
        log.info("prediction", extra={"request_id": request_id, **prediction.model_dump()})
        return prediction

    return app


app = create_app()
"""The ASGI app `uvicorn {{ cookiecutter.package_name }}.api.app:app` serves."""
