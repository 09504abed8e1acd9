"""The prediction API: `POST /predict`, `GET /health` (liveness), `GET /ready` (readiness).

The model loads once, during startup (FastAPI lifespan), before uvicorn accepts
a connection. When nothing is published yet (a first deploy: the models bucket
has no `latest.json`), the service starts anyway: `/health` answers 200,
`/ready`, `/predict` and `/feedback` answer 503 until the watcher loads the
first model. A model that is published but cannot load stops the process, so the orchestrator
restarts it instead of routing traffic to it. On shutdown readiness turns
false first, then the prediction log is flushed. A request body is JSON in the
shape of `PredictionRequest` (the model spec's id and features); anything else
gets a 4xx with the `Problem` body of `errors.py`, never a 5xx. Logs are JSON
lines (see `logs.py`): startup, shutdown and errors at INFO and above; one line
per prediction at DEBUG (LOG_LEVEL=DEBUG), because at full load that line alone
costs about a tenth of the throughput. The durable per-prediction record is
the prediction log: with PREDICTION_LOG_STREAM set, every prediction's
`PredictionLogRecord` is queued for that stream.

Continuous updates (see `online/` and `swap.py`): every answer carries its
`x-request-id`; `POST /feedback` takes the true outcome for that id. With
RECORD_TRAINING_DATA on, each served prediction and each feedback is stored in
the raw bucket for the retrain job, and with MODEL_POLL_S set the service
swaps in a newly published model that passes its checks.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from ..config import Settings
from ..model import Model
from ..monitoring.prediction_log import PredictionSink, open_prediction_log
from ..online.records import FeedbackRecord, FeedbackRequest, RecordSink, open_record_writer
from ..schema import Prediction, PredictionLogRecord, PredictionRequest, predict
from ..spec import FEATURES
from ..storage import load_configured_model
from .auth import install_auth
from .errors import install_error_handlers, problem_responses
from .swap import ModelWatcher, awaiting_first_model, pointer_uri, start_watcher

log = logging.getLogger("{{ cookiecutter.package_name }}.api")

DESCRIPTION = (
    "Predictions from the model spec's features. Every error, whatever the input, is a JSON "
    "`Problem` with a 4xx status; a 422 lists the fields that failed without echoing them."
)
MAX_BODY_BYTES = 16 * 1024
"""A request is a few hundred bytes; anything far larger is refused before parsing."""
REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")


class Health(BaseModel):
    """Liveness: the process answers."""

    status: str


class Readiness(BaseModel):
    """Readiness: the model that serves, by version, and the one kept for rollback."""

    status: str
    model_version: str
    previous_version: str | None = None


class FeedbackAccepted(BaseModel):
    """A feedback was queued for the retrain job."""

    request_id: str
    status: str


@dataclass
class ServiceState:
    """What the running service holds: settings, the model, the prediction log, readiness."""

    settings: Settings
    model: Model | None = None
    prediction_log: PredictionSink | None = None
    ready: bool = False
    previous_model: Model | None = None
    records: RecordSink | None = None
    watcher: ModelWatcher | None = None


def running_state(request: Request) -> ServiceState:
    """The state of a service that is ready to predict, else 503."""
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is not None and state.ready and state.model is None:
        expected = pointer_uri(state.settings)
        detail = f"not ready: no model is published yet; expected at {expected}"
        raise HTTPException(status_code=503, detail=detail)
    if state is None or state.model is None or not state.ready:
        raise HTTPException(status_code=503, detail="model not loaded")
    return state


def require_json(request: Request) -> None:
    """415 unless the body is declared `application/json` (UTF-8, the only charset JSON has)."""
    media_type, _, parameters = request.headers.get("content-type", "").partition(";")
    charset = ""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if media_type.strip().lower() != "application/json" or charset not in ("", "utf-8", "utf8"):
        raise HTTPException(status_code=415, detail="the body must be application/json (UTF-8)")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, or 413 as soon as it is declared or read past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and (len(declared) > 12 or int(declared) > limit):
        raise HTTPException(status_code=413, detail=f"the body is over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status_code=413, detail=f"the body is over {limit} bytes")
    return bytes(body)


class _DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


def caller_of(request: Request) -> str | None:
    """The authenticated caller's name (the API key's), None with authentication off."""
    caller = getattr(request.state, "caller", None)
    return caller if isinstance(caller, str) else None


def request_id(request: Request) -> str:
    """The caller's `x-request-id` when it is a valid id (1-128 printable ASCII), else a new one."""
    given = request.headers.get("x-request-id", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


JSON_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "float": ((int, float), "a number"),
    "int": ((int, float), "an integer"),
    "bool": ((bool,), "a boolean"),
    "category": ((str,), "a string"),
}
"""Feature kind -> the JSON values its OpenAPI type admits (1.0 is an integer, `true` is not)."""


def json_type_errors(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Values pydantic's lax mode would coerce but the OpenAPI document's types refuse."""
    errors: list[dict[str, Any]] = []
    for feature in FEATURES:
        value = document.get(feature.name)
        allowed, expected = JSON_TYPES[feature.kind]
        if not isinstance(value, allowed) or (feature.kind != "bool" and isinstance(value, bool)):
            errors.append(
                {
                    "loc": ("body", feature.name),
                    "msg": f"Input should be {expected}",
                    "type": f"{feature.kind}_type",
                }
            )
    return errors


def parse_request(body: bytes) -> PredictionRequest:
    """Validate `body` (JSON bytes) into a request; 422 for anything else.

    pydantic-core validates straight from bytes (bad UTF-8, NaN, infinities,
    out-of-range numbers and deep nesting are its errors), in lax mode because
    JSON Schema counts 95.0 as an integer. A valid body is read once more, to
    hold it to the types the OpenAPI document states (`true` is not an integer,
    "7" is not a number) and to refuse a key given twice rather than let the
    last one win silently.
    """
    try:
        request = PredictionRequest.model_validate_json(body, strict=False)
    except ValidationError as err:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in err.errors()]
        raise RequestValidationError(errors) from err
    errors = json_type_errors(read_once_more(body))
    if errors:
        raise RequestValidationError(errors)
    return request


def read_once_more(body: bytes) -> Any:
    """A body already valid, parsed again to refuse a key given twice (422)."""
    try:
        return json.loads(body, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey as err:
        duplicate = {"loc": ("body", str(err)), "msg": "key given twice", "type": "duplicate_key"}
        raise RequestValidationError([duplicate]) from err
    except ValueError as err:
        invalid = {"loc": ("body",), "msg": "invalid JSON", "type": "json_invalid"}
        raise RequestValidationError([invalid]) from err


def start_updates(state: ServiceState, records: RecordSink | None, waiting: bool = False) -> None:
    """Open the training-record writer and start following `latest.json` (see `swap.py`)."""
    state.records = records or open_record_writer(state.settings)
    state.watcher = start_watcher(state, state.settings, waiting)


def stop_updates(state: ServiceState) -> None:
    """Stop following the pointer, then write the buffered training records."""
    if state.watcher is not None:
        state.watcher.stop()
    if state.records is not None:
        state.records.close()


def create_app(
    settings: Settings | None = None,
    model: Model | None = None,
    prediction_log: PredictionSink | None = None,
    records: RecordSink | None = None,
) -> FastAPI:
    """Build the app; whatever is not passed in is loaded from the environment at startup.

    Every route but the probes and the OpenAPI document needs an API key (`auth.py`).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ServiceState(settings=settings or Settings.from_env())
        waiting = model is None and awaiting_first_model(state.settings)
        if not waiting:
            state.model = model or load_configured_model(state.settings)
        state.prediction_log = prediction_log or open_prediction_log(state.settings)
        start_updates(state, records, waiting)
        state.ready = True
        app.state.service = state
        if state.model is None:
            log.warning("waiting for a model", extra={"expected_at": pointer_uri(state.settings)})
        else:
            log.info("model loaded", extra={"model_version": state.model.metadata.version})
        try:
            yield
        finally:
            state.ready = False
            stop_updates(state)
            state.prediction_log.close()
            log.info("shut down")

    app = FastAPI(title="{{ cookiecutter.project_name }}", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    # Routes match in order: the hot path first.

    @app.post(
        "/predict",
        response_model=Prediction,
        responses=problem_responses(413, 415, 422, 503),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/PredictionRequest"}
                    }
                },
            }
        },
    )
    async def predict_endpoint(request: Request) -> Response:
        """The model's prediction for one request in the model spec's shape.

        The body is validated by pydantic-core straight from bytes and the answer is
        serialised once, which keeps the framework's per-request cost near a bare route.
        """
        started = time.perf_counter()
        state = running_state(request)
        require_json(request)
        features = parse_request(await read_body(request))
        serving = state.model
        assert serving is not None
        prediction = predict(serving, features, state.settings.decision_threshold)
        rid = request_id(request)
        if state.prediction_log or state.records or log.isEnabledFor(logging.DEBUG):
            record = PredictionLogRecord.build(
                features, prediction, rid, round((time.perf_counter() - started) * 1000.0, 3)
            )
            document = record.model_dump(mode="json")
            if state.prediction_log is not None:
                state.prediction_log.write(document)
            if state.records is not None:
                state.records.write("served", {**document, "caller": caller_of(request)})
            if log.isEnabledFor(logging.DEBUG):
                log.debug("prediction", extra=record.model_dump(mode="json", exclude={"features"}))
        return Response(
            prediction.model_dump_json(),
            media_type="application/json",
            headers={"x-request-id": rid},
        )

    @app.get("/health", response_model=Health)
    async def health() -> Health:
        """Liveness: the process answers."""
        return Health(status="ok")

    @app.get("/ready", response_model=Readiness, responses=problem_responses(503))
    async def ready(request: Request) -> JSONResponse:
        """Readiness: the model is loaded and the service is not shutting down."""
        state = running_state(request)
        serving, previous = state.model, state.previous_model
        assert serving is not None
        body = Readiness(
            status="ready",
            model_version=serving.metadata.version,
            previous_version=previous.metadata.version if previous else None,
        )
        return JSONResponse(body.model_dump(mode="json"))

    add_feedback_route(app)

    def openapi() -> dict[str, Any]:
        """FastAPI's document plus `PredictionRequest`, which the route parses itself."""
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=DESCRIPTION,
                routes=app.routes,
            )
            schema = PredictionRequest.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components.update(schema.pop("$defs", {}))
            components["PredictionRequest"] = schema
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return install_auth(app)


def parse_feedback(body: bytes) -> FeedbackRequest:
    """Validate a feedback body; 422 (the API's `Problem`) for anything the spec refuses."""
    try:
        feedback = FeedbackRequest.model_validate_json(body, strict=True)
    except ValidationError as err:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in err.errors()]
        raise RequestValidationError(errors) from err
    read_once_more(body)
    return feedback


def add_feedback_route(app: FastAPI) -> None:
    """`POST /feedback`: the true outcome of a past prediction, stored for the retrain job."""

    @app.post(
        "/feedback",
        status_code=202,
        response_model=FeedbackAccepted,
        responses=problem_responses(413, 415, 422, 503),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": FeedbackRequest.model_json_schema()}},
            }
        },
    )
    async def feedback_endpoint(request: Request) -> JSONResponse:
        """Record the outcome for the `x-request-id` a `/predict` answer carried.

        The outcome is one of the spec's classes (binary, multiclass) or a number in its
        target range (regression). 503 when this deployment keeps no training records.
        """
        state: ServiceState | None = getattr(request.app.state, "service", None)
        if state is None or not state.ready or state.model is None:
            raise HTTPException(status_code=503, detail="not ready")
        require_json(request)
        feedback = parse_feedback(await read_body(request))
        if state.records is None or not state.records.enabled:
            raise HTTPException(status_code=503, detail="this service keeps no training records")
        record = FeedbackRecord(
            **feedback.model_dump(), time=time.time(), caller=caller_of(request)
        )
        state.records.write("feedback", record.model_dump(mode="json"))
        accepted = FeedbackAccepted(request_id=feedback.request_id, status="recorded")
        return JSONResponse(accepted.model_dump(mode="json"), status_code=202)


app = create_app()
"""The ASGI app `uvicorn {{ cookiecutter.package_name }}.api.app:app` serves."""
