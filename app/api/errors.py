"""One error hierarchy for everything the backend can answer (or fail to answer).

The core decides what to do from the *class* alone: ``Unreachable``, ``ServerError`` and
``RateLimited`` are transient (retry later), ``SignInNeeded`` sends the user to the sign-in
dialog, ``Rejected`` is permanent for that request and carries the server's words. Every error
has a ``user_message`` fit to show as is; none of them ever contains a token or a password.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from app.api.timeutil import describe_wait, parse_http_date

logger = logging.getLogger(__name__)

_VALUE_ERROR_PREFIXES = ("Value error, ", "Assertion failed, ")
# Whole-request validators (pydantic model validators) report these as the field.
_WHOLE_REQUEST_FIELDS = {"", "request", "body", "__root__"}


@dataclass(frozen=True)
class FieldError:
    """One entry of the server's ``details``: which field, and pydantic's text about it."""

    field: str
    message: str

    @property
    def text(self) -> str:
        """The message without pydantic's ``"Value error, "`` prefix."""
        message = self.message
        for prefix in _VALUE_ERROR_PREFIXES:
            if message.startswith(prefix):
                message = message[len(prefix) :]
                break
        return message


class ApiError(Exception):
    """Base of every error raised by :class:`app.api.ApiClient`."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class Unreachable(ApiError):
    """No answer from the server: connect error, timeout or a dropped connection.

    ``may_have_reached`` is False only when the request certainly never left (connect refused,
    connect timeout, DNS, proxy refused): then a retry cannot duplicate anything. When True the
    server may have done the work, and a retry must check first (DESIGN rule 3).
    """

    def __init__(self, may_have_reached: bool, user_message: str | None = None) -> None:
        if user_message is None:
            user_message = (
                "The server did not answer in time; the last action may or may not have been saved."
                if may_have_reached
                else "Can't reach the server. Check your network connection."
            )
        super().__init__(user_message)
        self.may_have_reached = may_have_reached


class ServerError(ApiError):
    """The server answered with a 5xx (or something no server of ours would send, such as a
    redirect from a captive portal). Transient: try again later."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        user_message: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        if user_message is None:
            user_message = (
                f"The server had a problem (HTTP {status}). Timetray will try again."
                if status >= 500
                else f"The server sent an unexpected answer (HTTP {status})."
            )
        super().__init__(user_message)
        self.status = status
        self.message = message
        # A 503's Retry-After speaks for the whole server (how long to leave it alone).
        self.retry_after = retry_after


class BadResponse(ServerError):
    """A 2xx whose body is not what the contract promises (proxy, captive portal)."""

    def __init__(self, status: int, what: str) -> None:
        super().__init__(status, what, f"The server sent an unexpected answer ({what}).")


class ResponseTooLarge(ServerError):
    """The answer was bigger than any this API sends (``limit`` bytes); it was not read.
    Transient like a 5xx: a proxy or a misconfigured server, not something the user did."""

    def __init__(self, status: int, limit: int) -> None:
        megabytes = limit / (1024 * 1024)
        super().__init__(
            status,
            f"response over {limit} bytes",
            f"The server sent a much larger answer than expected (over {megabytes:g} MB); "
            "Timetray did not read it and will try again later.",
        )
        self.limit = limit


class RateLimited(ApiError):
    """429: wait ``retry_after`` seconds (from the ``Retry-After`` header; None if it had none)."""

    def __init__(
        self, retry_after: float | None, *, login: bool = False, message: str | None = None
    ) -> None:
        subject = "Too many sign-in attempts." if login else "Too many requests."
        if retry_after is not None:
            text = f"{subject} Try again in {describe_wait(retry_after)}."
        else:
            text = f"{subject} Try again later."
        super().__init__(text)
        self.retry_after = retry_after
        self.message = message


class SignInNeeded(ApiError):
    """No valid session: the access token was refused and could not be renewed."""

    def __init__(self, user_message: str | None = None) -> None:
        super().__init__(user_message or "Your session has ended. Please sign in again.")


class Rejected(ApiError):
    """Any other 4xx: permanent for this request. ``message``/``details`` are the server's own."""

    def __init__(
        self, status: int, message: str, details: tuple[FieldError, ...] = (), code: str = ""
    ) -> None:
        super().__init__(_user_text(message, details, status))
        self.status = status
        self.message = message
        self.details = details
        self.code = code


def _user_text(message: str, details: tuple[FieldError, ...], status: int) -> str:
    """The useful sentence: the field details when there are any (the envelope message of a
    validation 422 is only "Request validation failed."), else the server's message."""
    if details:
        parts = []
        for detail in details:
            field = "" if detail.field in _WHOLE_REQUEST_FIELDS else detail.field
            parts.append(f"{field}: {detail.text}" if field else detail.text)
        return "; ".join(parts)
    if message:
        return message
    return f"The server refused the request (HTTP {status})."


@dataclass(frozen=True)
class ErrorBody:
    """The parts of an error body, whichever of the accepted shapes it came in."""

    code: str
    message: str
    details: tuple[FieldError, ...]


def parse_error_body(response: httpx.Response) -> ErrorBody:
    """Read the contract envelope ``{"error": {"code", "message", "details"}}``, also without
    ``details``, and FastAPI's plain ``{"detail": ...}`` (a string or a list of validation items).
    A body that is none of these gives the HTTP reason phrase."""
    fallback = ErrorBody("", response.reason_phrase or "", ())
    try:
        data: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return fallback
    if not isinstance(data, dict):
        return fallback
    error = data.get("error")
    if isinstance(error, dict):
        return ErrorBody(
            code=str(error.get("code") or ""),
            message=_as_text(error.get("message")) or fallback.message,
            details=_details(error.get("details")),
        )
    if isinstance(error, str):
        return ErrorBody("", error, ())
    if "detail" in data:
        detail = data["detail"]
        if isinstance(detail, str):
            return ErrorBody("", detail, ())
        if isinstance(detail, list):
            return ErrorBody("", "Request validation failed.", _details(detail))
        if isinstance(detail, dict):
            return ErrorBody(
                str(detail.get("code") or ""),
                _as_text(detail.get("message") or detail.get("msg")) or fallback.message,
                (),
            )
    return fallback


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _details(raw: object) -> tuple[FieldError, ...]:
    if not isinstance(raw, list):
        return ()
    found: list[FieldError] = []
    for item in raw:
        if not isinstance(item, dict):
            if isinstance(item, str):
                found.append(FieldError("", item))
            continue
        if "field" in item:
            field = _as_text(item.get("field"))
        else:  # FastAPI's own {"loc": ["body", "x"], "msg": ...}
            loc = item.get("loc")
            parts = [str(p) for p in loc] if isinstance(loc, list) else []
            if parts and parts[0] in ("body", "query", "path", "header"):
                parts = parts[1:]
            field = ".".join(parts)
        message = _as_text(item.get("message", item.get("msg")))
        found.append(FieldError(field, message))
    return tuple(found)


def retry_after_seconds(response: httpx.Response, now: datetime) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date (compared with ``now``,
    the server's clock as best we know it)."""
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    when = parse_http_date(raw)
    if when is None:
        return None
    return max(0.0, (when - now).total_seconds())


def from_response(response: httpx.Response, *, now: datetime, login: bool = False) -> ApiError:
    """Map an unsuccessful response to the hierarchy. ``login`` marks the sign-in call, whose
    401/403 mean wrong credentials or a locked account (shown in the dialog), not a lost session."""
    status = response.status_code
    body = parse_error_body(response)
    if status == 429:
        return RateLimited(retry_after_seconds(response, now), login=login, message=body.message)
    if status >= 500 or status < 400:
        return ServerError(status, body.message, retry_after=retry_after_seconds(response, now))
    if not login and (
        status == 401
        or (
            status == 403
            and body.message == "Not authenticated"
            and "www-authenticate" not in response.headers
        )
    ):
        return SignInNeeded()
    return Rejected(status, body.message, body.details, body.code)


def address_problem(url: str) -> str | None:
    """What is wrong with a server address as typed, or None. Checked before anything is sent,
    so that a typo reads as a typo and not as network trouble ("Can't reach notaurl")."""
    text = url.strip()
    if not text:
        return "no server address given"
    if any(ch.isspace() for ch in text):
        return f"{text!r} is not a server address (it contains a space)"
    scheme, sep, rest = text.partition("://")
    if not sep:
        return (
            f"{text!r} is not a full server address: it needs its scheme, "
            f"e.g. https://{text.lstrip('/')}"
        )
    if scheme.lower() not in ("http", "https"):
        return f"{text!r}: the address must start with https:// (or http://), not {scheme}://"
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if not host or host.startswith(":"):
        return f"{text!r} has no server name after {scheme}://"
    return None


# getaddrinfo's "this name does not exist" answers (EAI_NONAME, EAI_NODATA, EAI_ADDRFAMILY);
# EAI_AGAIN (-3) is a resolver that could not be asked: network trouble, said as such.
_UNKNOWN_NAME_ERRNOS = {socket.EAI_NONAME, -5, getattr(socket, "EAI_ADDRFAMILY", -9)}


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of ``kind`` in the chain under an httpx error (httpx wraps httpcore,
    which wraps the socket or ssl error)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _tls_failure(exc: httpx.TransportError, host: str) -> Unreachable | None:
    text = str(exc)
    ssl_error = _cause(exc, ssl.SSLError)
    if ssl_error is None and "SSL" not in text:
        return None
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return Unreachable(
            False,
            f"The certificate of {host} could not be verified. If your organisation uses its own "
            "certificate authority, set its CA bundle in Settings (the ca_bundle setting).",
        )
    reason = getattr(ssl_error, "reason", None) or "handshake failed"
    if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST"):
        return Unreachable(
            False,
            f"The secure (TLS) connection to {host} failed: it does not answer https there. "
            "Check the address: if the server is plain http, the address starts with http://.",
        )
    return Unreachable(
        False,
        f"The secure (TLS) connection to {host} failed ({reason}). Check that the address "
        "starts with the right scheme; if your organisation uses its own certificate "
        "authority, set its CA bundle in Settings (the ca_bundle setting).",
    )


def from_transport_error(exc: httpx.TransportError, host: str) -> Unreachable:
    """Map an httpx transport failure, deciding whether the request may have been processed.
    A bad address, an unknown host name and a failed TLS handshake each say what is wrong
    and how to fix it; only the rest reads as network trouble."""
    never_sent = isinstance(
        exc,
        httpx.ConnectError
        | httpx.ConnectTimeout
        | httpx.PoolTimeout
        | httpx.ProxyError
        | httpx.UnsupportedProtocol,
    )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Unreachable(False, f"{host} is not a usable server address: {exc}")
    if isinstance(exc, httpx.ConnectError):
        tls = _tls_failure(exc, host)
        if tls is not None:
            return tls
        if _cause(exc, ConnectionRefusedError) is not None:
            return Unreachable(
                False,
                f"Nothing answers at {host} (connection refused): check the address and its "
                "port, or the server is down.",
            )
        name = _cause(exc, socket.gaierror)
        if isinstance(name, socket.gaierror) and name.errno in _UNKNOWN_NAME_ERRNOS:
            return Unreachable(
                False,
                f"The server name {host.rsplit(':', 1)[0]} is not known. Check the address "
                "for typos.",
            )
    if never_sent:
        return Unreachable(False, f"Can't reach {host}. Check your network connection.")
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable(
            True,
            f"{host} did not answer in time; the last action may or may not have been saved.",
        )
    return Unreachable(
        True, f"The connection to {host} was lost; the last action may or may not have been saved."
    )
