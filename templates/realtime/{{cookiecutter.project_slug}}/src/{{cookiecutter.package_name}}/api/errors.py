"""The API's one error shape and the handlers that answer every failure with it.

Whatever a client sends, the answer is JSON: `Problem` for 4xx (and for a 500
the service itself caused). A 422 names the fields that failed and why, but
never echoes the submitted value: a raw NaN, an undecodable byte or a 400-digit
integer is not JSON the encoder can write, and echoing input back is how one
client's data ends up in another's logs. Every string is bounded and made
encodable, so building an error body cannot fail in turn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("{{ cookiecutter.package_name }}.api")

MAX_ERRORS = 20
"""A body with thousands of bad fields gets the first few, not an answer larger than itself."""
MAX_TEXT = 200

ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
    503: "not_ready",
}


class FieldError(BaseModel):
    """One reason a request was refused: where (`loc`), what (`type`) and a sentence (`msg`)."""

    model_config = ConfigDict(frozen=True)

    loc: list[str | int] = Field(description="Path to the value, e.g. ['body', 'age'].")
    msg: str
    type: str = Field(description="pydantic's error type, e.g. 'less_than_equal'.")


class Problem(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(frozen=True)

    error: str = Field(description="A stable code: " + ", ".join(sorted(set(ERROR_CODES.values()))))
    message: str
    detail: list[FieldError] = Field(
        default_factory=list, description="Field errors (422 only); the input is never echoed."
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entries of the error statuses a route can answer."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses
    }


def _text(value: object) -> str:
    """`value` as a short string that UTF-8 (hence JSON) can always encode."""
    text = str(value)[:MAX_TEXT]
    return text.encode("utf-8", "replace").decode("utf-8")


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """pydantic's errors without `input`, `ctx` or `url`, and bounded."""
    cleaned: list[FieldError] = []
    for error in errors:
        if len(cleaned) == MAX_ERRORS:
            break
        loc = [part if isinstance(part, int) else _text(part) for part in error.get("loc", ())]
        cleaned.append(
            FieldError(loc=loc, msg=_text(error.get("msg", "")), type=_text(error.get("type", "")))
        )
    return cleaned


def problem_response(
    status: int,
    message: str,
    detail: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A `Problem` answer with `status`."""
    body = Problem(
        error=ERROR_CODES.get(status, "client_error" if status < 500 else "server_error"),
        message=_text(message),
        detail=detail or [],
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


async def _validation_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = field_errors(exc.errors())
    return problem_response(422, "the request does not match the schema", detail)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem_response(exc.status_code, message, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "unhandled error",
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"path": request.url.path, "method": request.method},
    )
    return problem_response(500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    """Answer validation errors, HTTP errors and anything unexpected with `Problem`."""
    app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
