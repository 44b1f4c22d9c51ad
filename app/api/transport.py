"""The HTTP plumbing under :class:`app.api.client.ApiClient`: one exchange at a time.

Kept apart from the session and the endpoints because it is the only part that knows httpx's
failure modes: it sends, bounds what it reads (:mod:`app.api.bounded`), maps transport failures
to :mod:`app.api.errors`, keeps a terminal command's network budget, and measures the server's
clock from the ``Date`` header. Nothing is retried here except a GET whose connection dropped
(reading twice is harmless).
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from app import __version__
from app.api import bounded, errors
from app.api.timeutil import parse_http_date
from app.api.tls import tls_context

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# The Date header has 1 s resolution: smaller changes of the measured offset are noise, and
# following them would make the on-screen timer jitter by a second back and forth.
CLOCK_OFFSET_HYSTERESIS = timedelta(seconds=1)


def default_user_agent() -> str:
    return (
        f"timetray/{__version__} ({platform.system()} {platform.release()}; "
        f"Python {platform.python_version()})"
    )


def parse_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise errors.BadResponse(response.status_code, "not JSON") from None


class Transport:
    """Sends requests to one server; holds no session (the caller passes the token)."""

    def __init__(
        self,
        server_url: str,
        *,
        ca_bundle: str | Path | None,
        timeout: httpx.Timeout | None,
        clock: Callable[[], datetime],
        transport: httpx.BaseTransport | None,
        user_agent: str | None,
    ) -> None:
        self.host = urlsplit(server_url).netloc or server_url
        # Size and time limits of every answer (app.api.bounded); tests replace them per client.
        self.read_limits = bounded.ReadLimits()
        self._clock = clock
        self._clock_offset: timedelta | None = None
        # A command's network budget (monotonic seconds), and whether a request ran out of
        # time under it: see set_deadline.
        self._deadline: float | None = None
        self._per_request: float | None = None
        self._gave_up = False
        self._http = httpx.Client(
            base_url=server_url + API_PREFIX,
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

    def close(self) -> None:
        self._http.close()

    # -- clocks and deadlines ----------------------------------------------------------------

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
                False, f"{self.host} did not answer in time; Timetray stopped waiting for it."
            )
        base = self._http.timeout
        return httpx.Timeout(
            min(base.read or left, left),
            connect=min(base.connect or left, left),
            write=min(base.write or left, left),
            pool=min(base.pool or left, left),
        )

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

    # -- exchanges ---------------------------------------------------------------------------

    def send(
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
                    f"{self.host} took more than {exc.deadline_s:g} seconds to answer; the last "
                    "action may or may not have been saved.",
                ) from None
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.TimeoutException):
                    self._gave_up = self._deadline is not None or self._per_request is not None
                error = errors.from_transport_error(exc, self.host)
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

    def error(self, response: httpx.Response, *, login: bool = False) -> errors.ApiError:
        """The exception for an unsuccessful answer, logged without its body."""
        error = errors.from_response(response, now=self.server_now(), login=login)
        logger.info(
            "%s %s -> HTTP %s (%s)",
            response.request.method,
            response.request.url.path,
            response.status_code,
            type(error).__name__,
        )
        return error
