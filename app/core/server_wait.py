"""The server's own "wait until", for everything: kept in the store so that every process on
this data folder (the tray, each CLI command, an assistant endpoint) honours it.

It is set from a ``Retry-After`` that speaks for the whole server: a 429 on sign-in or on a
poll, a 503 (or other 5xx) that carries one. A 429 on one outbox item waits on that item
instead (its ``not_before`` in the outbox). A wait only ever grows, and ends by itself.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from app.api import errors
from app.api.timeutil import parse_datetime, to_wire
from app.core.clock import Clock
from offline_queue import Store

logger = logging.getLogger(__name__)

SERVER_WAIT_KEY = "server_wait"
MAX_WAIT_SECONDS = 3600.0  # a wrong header must not silence the client for a day


def retry_after(exc: errors.ApiError) -> float | None:
    """The server's Retry-After carried by ``exc`` (429 or 5xx), if any."""
    if isinstance(exc, errors.RateLimited | errors.ServerError):
        value = exc.retry_after
        if value is not None and value > 0:
            return min(float(value), MAX_WAIT_SECONDS)
    return None


def wait_text(until: datetime) -> str:
    return f"The server asked to wait; next try at {until.astimezone():%H:%M:%S}."


class ServerAskedToWait(errors.RateLimited):
    """Nothing was sent: the server's wait (recorded by this or another process) still runs."""

    def __init__(self, until: datetime, seconds: float) -> None:
        super().__init__(seconds)
        self.user_message = wait_text(until)
        self.args = (self.user_message,)
        self.until = until


class ServerWait:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def until(self) -> datetime | None:
        """The end of the server's wait, while it lasts."""
        cached = self._store.cache_get(SERVER_WAIT_KEY)
        if cached is None or not isinstance(cached.value, dict):
            return None
        until = parse_datetime(cached.value.get("until"))
        if until is None or until <= self._clock.now():
            return None
        return until

    def check(self) -> None:
        """Raise :class:`ServerAskedToWait` while the server's wait runs."""
        until = self.until()
        if until is not None:
            raise ServerAskedToWait(until, (until - self._clock.now()).total_seconds())

    def server_said(self, exc: errors.ApiError) -> datetime | None:
        """Record the wait ``exc`` asks for the whole server; the end of the wait, if any."""
        seconds = retry_after(exc)
        return None if seconds is None else self.wait_for(seconds, exc.user_message)

    def wait_for(self, seconds: float, why: str) -> datetime:
        """Leave the server alone for ``seconds`` (capped); a longer wait already set stays."""
        seconds = min(max(0.0, seconds), MAX_WAIT_SECONDS)
        until = self._clock.now() + timedelta(seconds=seconds)
        current = self.until()
        if current is not None and current >= until:
            return current
        logger.info("the server asked to wait %.0f s (%s)", seconds, why)
        self._store.cache_put(SERVER_WAIT_KEY, {"until": to_wire(until), "why": why})
        return until
