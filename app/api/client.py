"""The synchronous HTTP client for the HR Monitoring time-tracking API: the endpoints.

The app calls it from one worker thread, but it is safe to share between threads (see
:mod:`app.api.session`). Every failure surfaces as an :mod:`app.api.errors` exception. The work
is split by job: :mod:`app.api.transport` sends and bounds each exchange, measures the server's
clock and keeps a command's deadline; :mod:`app.api.session` holds the tokens and renews them
(its docstring has the session rules); this module names the endpoints and parses their answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx

from app.api import bounded, errors
from app.api.models import (
    AttendanceSession,
    Break,
    ModelError,
    Task,
    TimeLog,
    TimerSession,
    User,
)
from app.api.session import REFRESH_MARGIN_SECONDS, AuthSession
from app.api.timeutil import to_wire, utc_now
from app.api.tokens import TokenStore, normalize_server_url
from app.api.transport import (
    API_PREFIX,
    CLOCK_OFFSET_HYSTERESIS,
    DEFAULT_TIMEOUT,
    Transport,
    default_user_agent,
)
from app.settings_schema import insecure_http_refusal

__all__ = [
    "API_PREFIX",
    "CLOCK_OFFSET_HYSTERESIS",
    "DEFAULT_TIMEOUT",
    "REFRESH_MARGIN_SECONDS",
    "ApiClient",
    "default_user_agent",
]

logger = logging.getLogger(__name__)

M = TypeVar("M", User, Task, TimerSession, TimeLog, AttendanceSession, Break)


class ApiClient:
    """One signed-in session against one server (rules: :mod:`app.api.session`)."""

    def __init__(
        self,
        base_url: str,
        token_store: TokenStore | None = None,
        ca_bundle: str | Path | None = None,
        timeout: httpx.Timeout | None = None,
        clock: Callable[[], datetime] = utc_now,
        *,
        transport: httpx.BaseTransport | None = None,
        user_agent: str | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        self.server_url = normalize_server_url(base_url)
        problem = errors.address_problem(self.server_url)
        if problem is not None:
            raise ValueError(problem[0].upper() + problem[1:] + ".")
        # Defence in depth: whoever builds a client, no password or token goes out in clear.
        refusal = insecure_http_refusal(self.server_url, allowed=allow_insecure_http)
        if refusal is not None:
            raise ValueError(f"Refusing {self.server_url}: {refusal}.")
        self._store = token_store if token_store is not None else TokenStore(self.server_url)
        self._user: User | None = None
        self._transport = Transport(
            self.server_url,
            ca_bundle=ca_bundle,
            timeout=timeout,
            clock=clock,
            transport=transport,
            user_agent=user_agent,
        )
        self._session = AuthSession(self._transport, self._store)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- state -------------------------------------------------------------------------------

    @property
    def read_limits(self) -> bounded.ReadLimits:
        """Size and time limits of every answer (app.api.bounded); tests replace them."""
        return self._transport.read_limits

    @read_limits.setter
    def read_limits(self, limits: bounded.ReadLimits) -> None:
        self._transport.read_limits = limits

    @property
    def token_store(self) -> TokenStore:
        return self._store

    @property
    def signed_in(self) -> bool:
        """True while a session is held (an access token, or a stored refresh token after
        ``login``/``restore_session``) and no request has proved it dead."""
        return self._session.active

    @property
    def email(self) -> str | None:
        return self._store.email

    @property
    def user(self) -> User | None:
        """The user from the last login or ``me()``."""
        return self._user

    @property
    def clock_offset(self) -> timedelta:
        """server_time - client_time, to about a second (see Transport.clock_offset)."""
        return self._transport.clock_offset

    def server_now(self) -> datetime:
        """The current time on the server's clock, as best we know it."""
        return self._transport.server_now()

    def set_deadline(self, seconds: float | None, per_request: float | None = None) -> None:
        """For someone waiting at a terminal: every later request of this client gets at most
        ``seconds`` in all, from now, and at most ``per_request`` each (None: no such bound;
        both None: the client's own timeouts, as the tray uses). Under a bound, once a request
        runs out of time later ones fail at once instead of waiting again, so a server that
        accepts and never answers costs one timeout, not one per request: a token renewal
        that timed out is never tried again in the same command."""
        self._transport.set_deadline(seconds, per_request)

    # -- session -----------------------------------------------------------------------------

    def login(self, email: str, password: str) -> User:
        """Sign in. Never retried here: a 429 (``RateLimited``, with ``retry_after``) is shown to
        the user; wrong credentials and locked accounts are ``Rejected`` with the server's words."""
        user = self._session.login(email, password)
        if user is None:
            return self.me()
        if user.email is None:
            user = replace(user, email=self._store.email)
        self._user = user
        return user

    def restore_session(self, email: str | None = None) -> bool:
        """Resume the session kept in the keyring (at app start), without any network call, so
        that it works offline. ``email`` defaults to the last one signed in on this server. The
        first request renews the access token; a dead session then raises ``SignInNeeded``."""
        return self._session.restore(email)

    def logout(self) -> bool:
        """Sign out: revoke the refresh token on the server (best effort) and forget the session
        here. Returns whether the server confirmed; the local session is gone either way."""
        confirmed = self._session.logout()
        self._user = None
        return confirmed

    # -- users and tasks ---------------------------------------------------------------------

    def me(self) -> User:
        user = _model(User, self._session.call("GET", "/users/me"))
        self._user = user
        return user

    def list_tasks(self, status: str | None = None, project_id: str | None = None) -> list[Task]:
        params = {k: v for k, v in (("status", status), ("project_id", project_id)) if v}
        return _models(Task, self._session.call("GET", "/tasks", params=params or None))

    def get_task(self, task_id: str) -> Task:
        return _model(Task, self._session.call("GET", f"/tasks/{_seg(task_id)}"))

    # -- timer and time logs -----------------------------------------------------------------

    def start_timer(self, task_id: str) -> TimerSession:
        return _model(
            TimerSession, self._session.call("POST", "/time-logs/start", json=_task(task_id))
        )

    def pause_timer(self, task_id: str) -> TimerSession:
        return _model(
            TimerSession, self._session.call("POST", "/time-logs/pause", json=_task(task_id))
        )

    def resume_timer(self, task_id: str) -> TimerSession:
        return _model(
            TimerSession, self._session.call("POST", "/time-logs/resume", json=_task(task_id))
        )

    def stop_timer(self, task_id: str, notes: str | None = None) -> TimeLog:
        body = _task(task_id)
        if notes is not None:
            body["notes"] = notes
        return _model(TimeLog, self._session.call("POST", "/time-logs/stop", json=body))

    def active_timer(self) -> TimerSession | None:
        data = self._session.call("GET", "/time-logs/active-timer")
        return None if data is None else _model(TimerSession, data)

    def log_manual(
        self, task_id: str, started_at: datetime, ended_at: datetime, notes: str | None = None
    ) -> TimeLog:
        """A manual entry. Naive datetimes raise ``ValueError`` before anything is sent."""
        body = _task(task_id)
        body["started_at"] = to_wire(started_at, "started_at")
        body["ended_at"] = to_wire(ended_at, "ended_at")
        if notes is not None:
            body["notes"] = notes
        return _model(TimeLog, self._session.call("POST", "/time-logs/manual", json=body))

    def my_logs(self) -> list[TimeLog]:
        return _models(TimeLog, self._session.call("GET", "/time-logs/me"))

    # -- attendance --------------------------------------------------------------------------

    def active_attendance(self) -> AttendanceSession | None:
        data = self._session.call("GET", "/attendance/active")
        return None if data is None else _model(AttendanceSession, data)

    def my_attendance(
        self, date_from: date | None = None, date_to: date | None = None
    ) -> list[AttendanceSession]:
        """History, newest first; the dates are UTC days (the server compares in UTC)."""
        params = {}
        if date_from is not None:
            params["date_from"] = date_from.isoformat()
        if date_to is not None:
            params["date_to"] = date_to.isoformat()
        data = self._session.call("GET", "/attendance/me", params=params or None)
        return _models(AttendanceSession, data)

    def check_in(self, work_mode: str = "office") -> AttendanceSession:
        data = self._session.call("POST", "/attendance/check-in", json={"work_mode": work_mode})
        return _model(AttendanceSession, data)

    def check_out(
        self,
        early_checkout_reason: str | None = None,
        checkout_after_shift_reason: str | None = None,
        checkout_after_shift_note: str | None = None,
    ) -> AttendanceSession:
        fields = {
            "early_checkout_reason": early_checkout_reason,
            "checkout_after_shift_reason": checkout_after_shift_reason,
            "checkout_after_shift_note": checkout_after_shift_note,
        }
        body = {k: v for k, v in fields.items() if v is not None}
        data = self._session.call("POST", "/attendance/check-out", json=body)
        return _model(AttendanceSession, data)

    def start_break(self, break_type: str, note: str | None = None) -> Break:
        body: dict[str, str] = {"break_type": break_type}
        if note is not None:
            body["note"] = note
        return _model(Break, self._session.call("POST", "/attendance/breaks/start", json=body))

    def end_break(self) -> Break:
        return _model(Break, self._session.call("POST", "/attendance/breaks/end"))

    def current_break(self) -> Break | None:
        data = self._session.call("GET", "/attendance/breaks/current")
        return None if data is None else _model(Break, data)

    def health(self) -> bool:
        """Whether the server answers its health check (no sign-in needed; never raises)."""
        try:
            response = self._transport.send("GET", self.server_url + "/health")
        except (errors.Unreachable, errors.ResponseTooLarge):
            return False
        return response.status_code == 200


def _model(cls: type[M], data: Any) -> M:
    try:
        return cls.from_json(data)
    except ModelError as exc:
        logger.warning("Unexpected %s from the server: %s", cls.__name__, exc)
        raise errors.BadResponse(200, f"an incomplete {cls.__name__}") from None


def _models(cls: type[M], data: Any) -> list[M]:
    if not isinstance(data, list):
        raise errors.BadResponse(200, f"not a list of {cls.__name__}")
    return [_model(cls, item) for item in data]


def _task(task_id: str) -> dict[str, str]:
    return {"task_id": str(task_id)}


def _seg(value: str) -> str:
    return quote(str(value), safe="")
