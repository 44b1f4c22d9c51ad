"""The error envelope ``{"error": {"code", "message", "details"}}`` used for every failure.

The real server derives ``code`` from the status only; schema validation 422s are the one case
with ``VALIDATION_ERROR`` and filled ``details``; business 422s are ``API_ERROR``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

_CODES = {
    401: "AUTH_ERROR",
    403: "PERMISSION_ERROR",
    404: "NOT_FOUND",
    409: "CONFLICT",
    429: "RATE_LIMIT_ERROR",
    500: "INTERNAL_ERROR",
}
_SECRET_FIELDS = {"password", "current_password", "new_password", "refresh_token", "token"}
_LOCATIONS = {"body", "query", "path", "header", "cookie"}

RATE_LIMIT_MESSAGE = "Too many requests. Please try again later."


class ApiError(Exception):
    """A business error: becomes the envelope with the status-derived code."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class InternalError(Exception):
    """Raised where the real server crashes with a 500 (e.g. naive vs aware datetimes)."""


def error_code(status: int) -> str:
    return _CODES.get(status, "API_ERROR")


def envelope(
    status: int, message: str, details: Sequence[Mapping[str, str]] = (), *, code: str | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code or error_code(status),
            "message": message,
            "details": [dict(d) for d in details],
        }
    }


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(envelope(status, message), status_code=status, headers=dict(headers or {}))


def validation_details(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic errors as ``{"field", "message"}``; the location prefix is dropped and an empty
    location (a model-level validator) is reported as ``"request"``."""
    details = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        if loc and loc[0] in _LOCATIONS:
            loc = loc[1:]
        field = ".".join(loc) or "request"
        message = "Invalid value." if _SECRET_FIELDS & set(loc) else str(err.get("msg", ""))
        details.append({"field": field, "message": message})
    return details


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    body = envelope(
        422,
        "Request validation failed.",
        validation_details(exc.errors()),
        code="VALIDATION_ERROR",
    )
    return JSONResponse(body, status_code=422)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, str(exc.detail), exc.headers)


async def _on_internal_error(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("simulated server crash on %s: %s", request.url.path, exc)
    return error_response(500, "Internal server error")


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s", request.url.path)
    return error_response(500, "Internal server error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(InternalError, _on_internal_error)
    app.add_exception_handler(Exception, _on_unexpected)
