"""The synchronous HTTP client for the HR Monitoring time-tracking API.

The app calls it from one worker thread, but it is safe to share between threads: the only
shared mutable state is the session, and renewing it is single-flight. Every failure surfaces
as an :mod:`app.api.errors` exception; nothing is retried here except a GET whose connection
dropped (reading twice is harmless), and never a login or a refresh.

Session rules (contract §1.2, DESIGN rule 7):

* The access token lives in this object only. It is renewed when it expires within
  ``min(30 s, half its lifetime)`` (lifetime from the JWT ``exp``, on the server's clock) and
  after a 401, then the request is sent once more.
* A refresh holds an in-process lock and the token store's cross-process lock; a caller that saw
  a 401 with token T and finds a different token once it holds the lock just uses that one.
* The refresh token is re-read from the keyring right before refreshing (another process may
  have rotated it) and the new one is saved before the new access token is used.
* A refresh whose outcome is unknown (timeout, dropped connection) raises ``Unreachable`` and
  changes nothing. Trade-off: if the server did rotate, the token we keep is now "used", and the
  next refresh presenting it makes the server revoke the session (401 -> sign in again). That is
  the same end state as throwing the token away now, but when the request never got processed
  (the usual case for a timeout on a slow link) keeping it saves the user a sign-in. What we
  never do is resend it automatically in the same call.
* A refresh refused with 401 means "sign in again": the access token and the stored refresh
  token are dropped (the latter only if no other process replaced it meanwhile), nothing else.
"""

from __future__ import annotations

import logging
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from app import __version__
from app.api import bounded, errors, jwtclaims, redaction
from app.api.models import (
    AttendanceSession,
    Break,
    ModelError,
    Task,
    TimeLog,
    TimerSession,
    TokenPair,
    User,
)
from app.api.timeutil import parse_http_date, to_wire, utc_now
from app.api.tls import tls_context
from app.api.tokens import LockTimeout, TokenStore, normalize_server_url
from app.settings_schema import insecure_http_refusal

logger = logging.getLogger(__name__)

M = TypeVar("M", User, Task, TimerSession, TimeLog, AttendanceSession, Break)

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
REFRESH_MARGIN_SECONDS = 30.0
# The Date header has 1 s resolution: smaller changes of the measured offset are noise, and
# following them would make the on-screen timer jitter by a second back and forth.
CLOCK_OFFSET_HYSTERESIS = timedelta(seconds=1)


def default_user_agent() -> str:
    return (
        f"timetray/{__version__} ({platform.system()} {platform.release()}; "
        f"Python {platform.python_version()})"
    )


@dataclass(frozen=True, eq=False)
class _Access:
    token: str
    expires_at: datetime | None  # server clock
    margin: float  # renew when fewer seconds than this remain

    def __repr__(self) -> str:
        return f"_Access(<redacted>, expires_at={self.expires_at!r})"


class ApiClient:
    """One signed-in session against one server. See the module docstring for the rules."""

    # Size and time limits of every answer (app.api.bounded); tests replace them per client.
    read_limits: bounded.ReadLimits = bounded.ReadLimits()

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
        self._host = urlsplit(self.server_url).netloc or self.server_url
        self._store = token_store if token_store is not None else TokenStore(self.server_url)
        self._clock = clock
        self._refresh_lock = threading.Lock()
        self._access: _Access | None = None
        self._session = False
        self._user: User | None = None
        self._clock_offset: timedelta | None = None
        # A command's network budget (monotonic seconds), and whether a request ran out of
        # time under it: see set_deadline.
        self._deadline: float | None = None
        self._per_request: float | None = None
        self._gave_up = False
        self._http = httpx.Client(
            base_url=self.server_url + API_PREFIX,
            verify=tls_context(ca_bundle),  # the OS trust store, or exactly the given PEM
            trust_env=True,  # system proxy settings (HTTP(S)_PROXY, NO_PROXY)
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            headers={
                "User-Agent": user_agent or default_user_agent(),
                "Accept": "application/json",
            },
            follow_redirects=False,
            transport=transport,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

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
    def token_store(self) -> TokenStore:
        return self._store

    @property
    def signed_in(self) -> bool:
        """True while a session is held (an access token, or a stored refresh token after
        ``login``/``restore_session``) and no request has proved it dead."""
        return self._session

    @property
    def email(self) -> str | None:
        return self._store.email

    @property
    def user(self) -> User | None:
        """The user from the last login or ``me()``."""
        return self._user

    @property
    def clock_offset(self) -> timedelta:
        """server_time - client_time, from the ``Date`` header of the latest response.

        Resolution is about one second (the header has whole seconds; the estimate takes the
        middle of that second and of the request's round trip), and changes below one second are
        ignored so that displayed durations do not jitter. Zero until the first response.
        """
        return self._clock_offset if self._clock_offset is not None else timedelta(0)

    def server_now(self) -> datetime:
        """The current time on the server's clock, as best we know it."""
        return self._clock() + self.clock_offset

    def set_deadline(self, seconds: float | None, per_request: float | None = None) -> None:
        """For someone waiting at a terminal: every later request of this client gets at most
        ``seconds`` in all, from now, and at most ``per_request`` each (None: no such bound;
        both None: the client's own timeouts, as the tray uses). Under a bound, once a request
        runs out of time later ones fail at once instead of waiting again, so a server that
        accepts and never answers costs one timeout, not one per request: a token renewal
        that timed out is never tried again in the same command."""
        self._deadline = None if seconds is None else time.monotonic() + seconds
        self._per_request = per_request
        self._gave_up = False

    def _budget(self) -> httpx.Timeout | None:
        """The timeouts this request may use under the bounds (None: the client's own)."""
        if self._deadline is None and self._per_request is None:
            return None
        left = self._per_request if self._per_request is not None else float("inf")
        if self._deadline is not None:
            left = min(left, self._deadline - time.monotonic())
        if self._gave_up or left <= 0.05:
            self._gave_up = True
            raise errors.Unreachable(
                False, f"{self._host} did not answer in time; Timetray stopped waiting for it."
            )
        base = self._http.timeout
        return httpx.Timeout(
            min(base.read or left, left),
            connect=min(base.connect or left, left),
            write=min(base.write or left, left),
            pool=min(base.pool or left, left),
        )

    # -- transport ---------------------------------------------------------------------------

    def _observe_date(self, response: httpx.Response, sent: datetime, received: datetime) -> None:
        server = parse_http_date(response.headers.get("date"))
        if server is None:
            return
        midpoint = sent + (received - sent) / 2
        measured = server + timedelta(milliseconds=500) - midpoint
        current = self._clock_offset
        if current is None or abs(measured - current) > CLOCK_OFFSET_HYSTERESIS:
            if current is not None:
                logger.info("Clock offset to the server is now %.1f s", measured.total_seconds())
            self._clock_offset = measured

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        """One HTTP exchange; transport failures become ``Unreachable``. A GET whose connection
        dropped is sent once more (reading twice changes nothing on the server)."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        attempts = 2 if method == "GET" else 1
        for attempt in range(1, attempts + 1):
            budget = self._budget()
            limits = self.read_limits
            if budget is not None and budget.read is not None:
                limits = replace(limits, deadline_s=min(limits.deadline_s, budget.read))
            sent = self._clock()
            started = time.monotonic()
            try:
                request = self._http.build_request(
                    method,
                    path,
                    json=json,
                    params=params,
                    headers=headers,
                    timeout=budget if budget is not None else httpx.USE_CLIENT_DEFAULT,
                )
                response = bounded.exchange(self._http, request, limits)
            except bounded.BodyTooLarge as exc:
                logger.warning("%s %s: answer over %d bytes; not read", method, path, exc.limit)
                raise errors.ResponseTooLarge(exc.status, exc.limit) from None
            except bounded.DeadlinePassed as exc:
                self._gave_up = self._deadline is not None or self._per_request is not None
                logger.warning("%s %s: no complete answer in %g s", method, path, exc.deadline_s)
                raise errors.Unreachable(
                    True,
                    f"{self._host} took more than {exc.deadline_s:g} seconds to answer; the last "
                    "action may or may not have been saved.",
                ) from None
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.TimeoutException):
                    self._gave_up = self._deadline is not None or self._per_request is not None
                error = errors.from_transport_error(exc, self._host)
                retry = (
                    attempt < attempts
                    and error.may_have_reached
                    and not isinstance(exc, httpx.TimeoutException)
                )
                logger.warning(
                    "%s %s failed: %s (may have reached the server: %s)%s",
                    method,
                    path,
                    type(exc).__name__,
                    error.may_have_reached,
                    "; retrying once" if retry else "",
                )
                if retry:
                    continue
                raise error from None
            received = self._clock()
            self._observe_date(response, sent, received)
            logger.debug(
                "%s %s -> %s in %.0f ms",
                method,
                path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise errors.BadResponse(response.status_code, "not JSON") from None

    def _error(self, response: httpx.Response, *, login: bool = False) -> errors.ApiError:
        error = errors.from_response(response, now=self.server_now(), login=login)
        logger.info(
            "%s %s -> HTTP %s (%s)",
            response.request.method,
            response.request.url.path,
            response.status_code,
            type(error).__name__,
        )
        return error

    # -- session -----------------------------------------------------------------------------

    def _set_access(self, token: str) -> _Access:
        redaction.hold(token)
        expires_at = jwtclaims.expiry(token)
        margin = REFRESH_MARGIN_SECONDS
        if expires_at is not None:
            lifetime = (expires_at - self.server_now()).total_seconds()
            margin = max(0.0, min(REFRESH_MARGIN_SECONDS, lifetime / 2))
        access = _Access(token, expires_at, margin)
        self._access = access
        return access

    def _expiring(self, access: _Access) -> bool:
        if access.expires_at is None:
            return False
        return (access.expires_at - self.server_now()).total_seconds() < access.margin

    def _sign_in_needed(self, message: str | None = None) -> errors.SignInNeeded:
        self._access = None
        self._session = False
        return errors.SignInNeeded(message)

    def _access_token(self) -> _Access:
        """A usable access token: the current one, renewed first when it is about to expire."""
        access = self._access
        if access is None:
            if not self._session:
                raise errors.SignInNeeded("You are not signed in.")
            return self._refresh(seen=None)
        if not self._expiring(access):
            return access
        try:
            return self._refresh(seen=access)
        except (errors.Unreachable, errors.ServerError, errors.RateLimited):
            # Renewal failed for now; a token that has not yet expired still works.
            if access.expires_at is not None and access.expires_at > self.server_now():
                logger.info("Token renewal failed; using the current token until it expires")
                return access
            raise

    def _refresh(self, seen: _Access | None) -> _Access:
        """Single-flight renewal. ``seen`` is the access the caller found wanting; compared by
        identity, because two tokens minted in the same second can be byte-identical."""
        with self._refresh_lock:
            current = self._access
            if current is not None and current is not seen and not self._expiring(current):
                return current  # another thread renewed it while we waited
            try:
                with self._store.exclusive():
                    return self._refresh_locked()
            except LockTimeout:
                raise errors.Unreachable(
                    False,
                    "Another Timetray window is renewing your sign-in; try again in a moment.",
                ) from None

    def _refresh_locked(self) -> _Access:
        refresh_token = self._store.load()
        if refresh_token is None:
            raise self._sign_in_needed()
        logger.info("Renewing the access token")
        # Unreachable propagates untouched: the token may or may not have rotated (see module doc).
        response = self._send("POST", "/auth/refresh", json={"refresh_token": refresh_token})
        if response.status_code in (401, 422):
            logger.warning("The server refused the sign-in renewal; a new sign-in is needed")
            self._store.clear(only_if=refresh_token)
            raise self._sign_in_needed()
        if not response.is_success:
            raise self._error(response)
        try:
            pair = TokenPair.from_json(self._json(response))
        except ModelError:
            raise errors.BadResponse(response.status_code, "no tokens") from None
        self._store.save(pair.refresh_token)  # before the new access token is used
        access = self._set_access(pair.access_token)
        self._session = True
        return access

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """An authenticated call: renew and resend once on a 401 (or the 403 of a missing
        header), which is safe because the server checks credentials before doing anything."""
        access = self._access_token()
        response = self._send(method, path, json=json, params=params, token=access.token)
        if self._is_auth_failure(response):
            access = self._refresh(seen=access)
            response = self._send(method, path, json=json, params=params, token=access.token)
            if self._is_auth_failure(response):
                raise self._sign_in_needed()
        if not response.is_success:
            raise self._error(response)
        return self._json(response)

    def _is_auth_failure(self, response: httpx.Response) -> bool:
        if response.status_code not in (401, 403):
            return False
        mapped = errors.from_response(response, now=self.server_now())
        return isinstance(mapped, errors.SignInNeeded)

    def login(self, email: str, password: str) -> User:
        """Sign in. Never retried here: a 429 (``RateLimited``, with ``retry_after``) is shown to
        the user; wrong credentials and locked accounts are ``Rejected`` with the server's words."""
        response = self._send(
            "POST", "/auth/login", json={"email": email.strip(), "password": password}
        )
        if not response.is_success:
            raise self._error(response, login=True)
        data = self._json(response)
        try:
            pair = TokenPair.from_json(data)
        except ModelError:
            raise errors.BadResponse(response.status_code, "no tokens") from None
        try:
            user: User | None = User.from_json(data.get("user"))
        except ModelError:
            user = None  # fetched from /users/me below
        with self._refresh_lock:
            self._store.email = email
            self._store.save(pair.refresh_token)
            self._set_access(pair.access_token)
            self._session = True
        self._store.remember_email()
        logger.info("Signed in to %s", self._host)
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
        email = email or self._store.last_email()
        if not email:
            return False
        with self._refresh_lock:
            self._store.email = email
            if self._store.load() is None:
                self._session = False
                return False
            self._access = None
            self._session = True
        return True

    def logout(self) -> bool:
        """Sign out: revoke the refresh token on the server (best effort) and forget the session
        here. Returns whether the server confirmed; the local session is gone either way."""
        confirmed = False
        if self._session:
            try:
                access = self._access_token()
                refresh_token = self._store.load()
                body = {"refresh_token": refresh_token} if refresh_token else None
                response = self._send("POST", "/auth/logout", json=body, token=access.token)
                confirmed = response.is_success
                if not confirmed:
                    logger.warning(
                        "Sign-out was refused by the server (HTTP %s)", response.status_code
                    )
            except errors.ApiError as exc:
                logger.warning(
                    "Could not tell the server about the sign-out: %s", type(exc).__name__
                )
        with self._refresh_lock:
            self._access = None
            self._session = False
            self._user = None
            self._store.clear()
        return confirmed

    # -- users and tasks ---------------------------------------------------------------------

    def me(self) -> User:
        user = self._model(User, self._call("GET", "/users/me"))
        self._user = user
        return user

    def list_tasks(self, status: str | None = None, project_id: str | None = None) -> list[Task]:
        params = {k: v for k, v in (("status", status), ("project_id", project_id)) if v}
        return self._models(Task, self._call("GET", "/tasks", params=params or None))

    def get_task(self, task_id: str) -> Task:
        return self._model(Task, self._call("GET", f"/tasks/{_seg(task_id)}"))

    # -- timer and time logs -----------------------------------------------------------------

    def start_timer(self, task_id: str) -> TimerSession:
        return self._model(
            TimerSession, self._call("POST", "/time-logs/start", json=_task(task_id))
        )

    def pause_timer(self, task_id: str) -> TimerSession:
        return self._model(
            TimerSession, self._call("POST", "/time-logs/pause", json=_task(task_id))
        )

    def resume_timer(self, task_id: str) -> TimerSession:
        return self._model(
            TimerSession, self._call("POST", "/time-logs/resume", json=_task(task_id))
        )

    def stop_timer(self, task_id: str, notes: str | None = None) -> TimeLog:
        body = _task(task_id)
        if notes is not None:
            body["notes"] = notes
        return self._model(TimeLog, self._call("POST", "/time-logs/stop", json=body))

    def active_timer(self) -> TimerSession | None:
        data = self._call("GET", "/time-logs/active-timer")
        return None if data is None else self._model(TimerSession, data)

    def log_manual(
        self, task_id: str, started_at: datetime, ended_at: datetime, notes: str | None = None
    ) -> TimeLog:
        """A manual entry. Naive datetimes raise ``ValueError`` before anything is sent."""
        body = _task(task_id)
        body["started_at"] = to_wire(started_at, "started_at")
        body["ended_at"] = to_wire(ended_at, "ended_at")
        if notes is not None:
            body["notes"] = notes
        return self._model(TimeLog, self._call("POST", "/time-logs/manual", json=body))

    def my_logs(self) -> list[TimeLog]:
        return self._models(TimeLog, self._call("GET", "/time-logs/me"))

    # -- attendance --------------------------------------------------------------------------

    def active_attendance(self) -> AttendanceSession | None:
        data = self._call("GET", "/attendance/active")
        return None if data is None else self._model(AttendanceSession, data)

    def my_attendance(
        self, date_from: date | None = None, date_to: date | None = None
    ) -> list[AttendanceSession]:
        """History, newest first; the dates are UTC days (the server compares in UTC)."""
        params = {}
        if date_from is not None:
            params["date_from"] = date_from.isoformat()
        if date_to is not None:
            params["date_to"] = date_to.isoformat()
        data = self._call("GET", "/attendance/me", params=params or None)
        return self._models(AttendanceSession, data)

    def check_in(self, work_mode: str = "office") -> AttendanceSession:
        data = self._call("POST", "/attendance/check-in", json={"work_mode": work_mode})
        return self._model(AttendanceSession, data)

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
        data = self._call("POST", "/attendance/check-out", json=body)
        return self._model(AttendanceSession, data)

    def start_break(self, break_type: str, note: str | None = None) -> Break:
        body: dict[str, str] = {"break_type": break_type}
        if note is not None:
            body["note"] = note
        return self._model(Break, self._call("POST", "/attendance/breaks/start", json=body))

    def end_break(self) -> Break:
        return self._model(Break, self._call("POST", "/attendance/breaks/end"))

    def current_break(self) -> Break | None:
        data = self._call("GET", "/attendance/breaks/current")
        return None if data is None else self._model(Break, data)

    def health(self) -> bool:
        """Whether the server answers its health check (no sign-in needed; never raises)."""
        try:
            response = self._send("GET", self.server_url + "/health")
        except (errors.Unreachable, errors.ResponseTooLarge):
            return False
        return response.status_code == 200

    # -- parsing -----------------------------------------------------------------------------

    def _model(self, cls: type[M], data: Any) -> M:
        try:
            return cls.from_json(data)
        except ModelError as exc:
            logger.warning("Unexpected %s from the server: %s", cls.__name__, exc)
            raise errors.BadResponse(200, f"an incomplete {cls.__name__}") from None

    def _models(self, cls: type[M], data: Any) -> list[M]:
        if not isinstance(data, list):
            raise errors.BadResponse(200, f"not a list of {cls.__name__}")
        return [self._model(cls, item) for item in data]


def _task(task_id: str) -> dict[str, str]:
    return {"task_id": str(task_id)}


def _seg(value: str) -> str:
    return quote(str(value), safe="")
