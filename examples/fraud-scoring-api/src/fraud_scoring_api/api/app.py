"""The prediction API: `POST /predict`, `GET /health` (liveness), `GET /ready` (readiness).

The model loads once, during startup (FastAPI lifespan), before uvicorn accepts
a connection; a model that cannot load stops the process, so the orchestrator
restarts it instead of routing traffic to it. On shutdown readiness turns
false first, then the prediction log is flushed. Request bodies are validated
by `Applicant` (invalid -> 422). Logs are JSON lines (see `logs.py`): startup,
shutdown and errors at INFO and above; one line per prediction at DEBUG
(LOG_LEVEL=DEBUG), because at full load that line alone costs about a tenth
of the throughput. The durable per-prediction record is the prediction log:
with PREDICTION_LOG_STREAM set, every prediction is queued for that stream.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from ..config import Settings
from ..model import Model
from ..monitoring.prediction_log import PredictionSink, open_prediction_log
from ..schema import Applicant, Prediction, predict
from ..storage import load_configured_model

log = logging.getLogger("fraud_scoring_api.api")

MAX_BODY_BYTES = 16 * 1024
"""An application is a few hundred bytes; anything far larger is refused before parsing."""


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

    app = FastAPI(title="Fraud Scoring API", version="0.1.0", lifespan=lifespan)
    # Routes match in order: the hot path first.

    @app.post(
        "/predict",
        response_model=Prediction,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": Applicant.model_json_schema()}},
            }
        },
    )
    async def predict_endpoint(request: Request) -> Response:
        """Probability of default and the decision for one applicant.

        The body is validated by pydantic-core straight from bytes and the answer is
        serialised once, which keeps the framework's per-request cost near a bare route.
        """
        started = time.perf_counter()
        state: ServiceState | None = getattr(request.app.state, "service", None)
        if state is None or state.model is None or not state.ready:
            raise HTTPException(status_code=503, detail="model not loaded")
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            raise HTTPException(status_code=413, detail="request body too large")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(status_code=413, detail="request body too large")
        try:
            applicant = Applicant.model_validate_json(body)
        except ValidationError as err:
            errors = [
                {**error, "loc": ("body", *error["loc"])} for error in err.errors(include_url=False)
            ]
            raise RequestValidationError(errors, body=body) from err
        prediction = predict(state.model, applicant, state.settings.decision_threshold)
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        if state.prediction_log is not None:
            state.prediction_log.write(
                {
                    "request_id": request_id,
                    **prediction.model_dump(),
                    "features": applicant.model_dump(exclude={"applicant_id"}),
                    "latency_ms": round((time.perf_counter() - started) * 1000.0, 3),
                    "time": time.time(),
                }
            )
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "prediction",
                extra={
                    "request_id": request_id,
                    "applicant_id": prediction.applicant_id,
                    "decision": prediction.decision,
                    "default_probability": prediction.default_probability,
                    "model_version": prediction.model_version,
                },
            )
        return Response(prediction.model_dump_json(), media_type="application/json")

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

    return app


app = create_app()
"""The ASGI app `uvicorn fraud_scoring_api.api.app:app` serves."""
