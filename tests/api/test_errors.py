"""Every kind of answer maps to one error class, with the useful sentence for the user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.api import errors

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
REQ = httpx.Request("POST", "http://127.0.0.1/api/v1/time-logs/manual")


def resp(
    status: int, body: Any = None, headers: dict[str, str] | None = None, text: str | None = None
) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers=headers, request=REQ)
    return httpx.Response(status, json=body, headers=headers, request=REQ)


def envelope(code: str, message: str, details: list[dict[str, str]] | None = None) -> Any:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def test_manual_entry_422_shows_the_detail_not_the_generic_message() -> None:
    body = envelope(
        "VALIDATION_ERROR",
        "Request validation failed.",
        [{"field": "request", "message": "Value error, ended_at must be after started_at"}],
    )
    err = errors.from_response(resp(422, body), now=NOW)
    assert isinstance(err, errors.Rejected)
    assert err.status == 422
    assert err.user_message == "ended_at must be after started_at"
    assert err.message == "Request validation failed."
    assert err.details == (
        errors.FieldError("request", "Value error, ended_at must be after started_at"),
    )
    assert err.code == "VALIDATION_ERROR"


def test_field_details_name_the_field() -> None:
    body = envelope(
        "VALIDATION_ERROR",
        "Request validation failed.",
        [{"field": "task_id", "message": "Input should be a valid UUID"}],
    )
    err = errors.from_response(resp(422, body), now=NOW)
    assert err.user_message == "task_id: Input should be a valid UUID"


def test_envelope_without_details_uses_message() -> None:
    err = errors.from_response(
        resp(409, envelope("CONFLICT", "You already have an active or paused task timer.")), now=NOW
    )
    assert isinstance(err, errors.Rejected) and err.status == 409
    assert err.user_message == "You already have an active or paused task timer."
    assert err.details == ()


def test_business_422_without_details() -> None:
    err = errors.from_response(
        resp(422, envelope("API_ERROR", "Note is required for 'other' break type.", [])), now=NOW
    )
    assert isinstance(err, errors.Rejected)
    assert err.user_message == "Note is required for 'other' break type."


def test_plain_fastapi_detail_bodies() -> None:
    err = errors.from_response(resp(404, {"detail": "Task not found"}), now=NOW)
    assert isinstance(err, errors.Rejected) and err.user_message == "Task not found"
    err = errors.from_response(
        resp(
            422,
            {
                "detail": [
                    {"loc": ["body", "work_mode"], "msg": "Field required", "type": "missing"}
                ]
            },
        ),
        now=NOW,
    )
    assert isinstance(err, errors.Rejected)
    assert err.details == (errors.FieldError("work_mode", "Field required"),)
    assert err.user_message == "work_mode: Field required"


def test_non_json_error_body_falls_back_to_reason() -> None:
    err = errors.from_response(resp(400, text="<html>nope</html>"), now=NOW)
    assert isinstance(err, errors.Rejected) and err.user_message == "Bad Request"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_a_server_error(status: int) -> None:
    err = errors.from_response(resp(status, envelope("INTERNAL_ERROR", "boom", [])), now=NOW)
    assert isinstance(err, errors.ServerError) and err.status == status
    assert f"HTTP {status}" in err.user_message


def test_401_and_403_not_authenticated_mean_sign_in() -> None:
    e401 = errors.from_response(
        resp(
            401,
            envelope("AUTH_ERROR", "Could not validate credentials", []),
            headers={"WWW-Authenticate": "Bearer"},
        ),
        now=NOW,
    )
    assert isinstance(e401, errors.SignInNeeded)
    e403 = errors.from_response(
        resp(403, envelope("PERMISSION_ERROR", "Not authenticated", [])), now=NOW
    )
    assert isinstance(e403, errors.SignInNeeded)
    # A 403 for a real permission problem stays a rejection with the server's words.
    denied = errors.from_response(
        resp(403, envelope("PERMISSION_ERROR", "Access denied", [])), now=NOW
    )
    assert isinstance(denied, errors.Rejected) and denied.user_message == "Access denied"


def test_login_401_is_a_rejection_with_the_server_text() -> None:
    err = errors.from_response(
        resp(
            401,
            envelope("AUTH_ERROR", "Invalid email or password", []),
            headers={"WWW-Authenticate": "Bearer"},
        ),
        now=NOW,
        login=True,
    )
    assert isinstance(err, errors.Rejected)
    assert err.status == 401 and err.user_message == "Invalid email or password"


def test_429_carries_retry_after_and_says_when() -> None:
    body = envelope("RATE_LIMIT_ERROR", "Too many requests. Please try again later.", [])
    err = errors.from_response(resp(429, body, headers={"Retry-After": "900"}), now=NOW, login=True)
    assert isinstance(err, errors.RateLimited) and err.retry_after == 900.0
    assert err.user_message == "Too many sign-in attempts. Try again in 15 minutes."
    dated = errors.from_response(
        resp(429, body, headers={"Retry-After": "Sun, 22 Nov 2026 08:00:30 GMT"}), now=NOW
    )
    assert isinstance(dated, errors.RateLimited) and dated.retry_after == 30.0
    assert dated.user_message == "Too many requests. Try again in 30 seconds."
    bare = errors.from_response(resp(429, body), now=NOW)
    assert isinstance(bare, errors.RateLimited) and bare.retry_after is None


@pytest.mark.parametrize(
    ("exc", "reached"),
    [
        (httpx.ConnectError("refused", request=REQ), False),
        (httpx.ConnectTimeout("slow", request=REQ), False),
        (httpx.PoolTimeout("pool", request=REQ), False),
        (httpx.ReadTimeout("slow", request=REQ), True),
        (httpx.WriteTimeout("slow", request=REQ), True),
        (httpx.RemoteProtocolError("dropped", request=REQ), True),
        (httpx.ReadError("reset", request=REQ), True),
    ],
)
def test_transport_errors_know_whether_the_request_may_have_landed(
    exc: httpx.TransportError, reached: bool
) -> None:
    err = errors.from_transport_error(exc, "hr.example.com")
    assert isinstance(err, errors.Unreachable) and err.may_have_reached is reached
    assert "hr.example.com" in err.user_message


def test_tls_failure_points_to_the_ca_setting() -> None:
    exc = httpx.ConnectError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", request=REQ
    )
    err = errors.from_transport_error(exc, "hr.example.com")
    assert not err.may_have_reached and "CA bundle" in err.user_message


def test_redirect_from_a_portal_is_a_transient_server_error() -> None:
    err = errors.from_response(
        resp(302, text="", headers={"Location": "http://portal.example.net/login"}), now=NOW
    )
    assert isinstance(err, errors.ServerError) and err.status == 302
    assert err.user_message == "The server sent an unexpected answer (HTTP 302)."
