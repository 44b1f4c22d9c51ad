"""Sync health: is the server reachable, how long to wait before the next poll or drain, and
which queued item the server keeps failing on.

One object owns all of it, so that "online", the two backoffs and the per-item failure counts
never disagree: the poll loop, the drain and the Syncer report what happened, and read back the
delay to wait. Worker thread only (the Tracker reads :meth:`status` while building a snapshot,
on the same thread).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from app.api import errors
from app.core.backoff import Backoff
from app.core.status import Connection

POLL_BACKOFF_CAP = 120.0
DRAIN_BACKOFF_BASE = 2.0
DRAIN_BACKOFF_CAP = 300.0


class SyncHealth:
    def __init__(self, poll_interval: float) -> None:
        self._connection = Connection()
        self._poll_backoff = Backoff(base=poll_interval, cap=POLL_BACKOFF_CAP)
        self._drain_backoff = Backoff(base=DRAIN_BACKOFF_BASE, cap=DRAIN_BACKOFF_CAP)
        self._blocked = False
        self._polls_answered = 0  # to tell an item the server fails on from an outage
        self._server_errors: dict[str, int] = {}
        self._polls_at_error: dict[str, int] = {}

    # ---- reading ---------------------------------------------------------------------------
    def status(self) -> Connection:
        return self._connection

    @property
    def online(self) -> bool:
        return self._connection.online

    @property
    def blocked(self) -> bool:
        """The last drain stopped on a transient error or a lost session."""
        return self._blocked

    # ---- polls -----------------------------------------------------------------------------
    def poll_answered(self, at: datetime) -> None:
        """A full poll succeeded: reachable again, and a drain waiting out a backoff may go."""
        if not self._connection.online:
            self._drain_backoff.reset()
            self._connection = replace(self._connection, next_retry_at=None)
        self._poll_backoff.reset()
        self._connection = replace(self._connection, online=True, last_success_at=at)

    def server_answered(self) -> None:
        """Any poll (of the loop, a drain's follow-up, a sign-in) got its answer."""
        self._polls_answered += 1

    def reached(self, at: datetime) -> None:
        """A poll asked for by the user got its answer."""
        self._connection = replace(self._connection, online=True, last_success_at=at)

    def poll_failed(self, exc: errors.ApiError) -> float:
        """Seconds until the next poll after ``exc``."""
        offline = isinstance(exc, errors.Unreachable)
        self._connection = replace(
            self._connection, online=not offline, last_error=exc.user_message
        )
        retry = exc.retry_after if isinstance(exc, errors.RateLimited) else None
        return self._poll_backoff.next_delay(retry)

    def error_seen(self, exc: errors.ApiError) -> None:
        """A poll asked for by the user failed: say so, and whether the server was reached."""
        if isinstance(exc, errors.Unreachable):
            self._connection = replace(self._connection, online=False)
        self._connection = replace(self._connection, last_error=exc.user_message)

    def signed_in(self, at: datetime) -> None:
        self._connection = replace(
            self._connection, online=True, last_success_at=at, last_error=None
        )

    # ---- drains ----------------------------------------------------------------------------
    def retry_drain_now(self) -> None:
        """The user asked to sync: do not wait out the backoff."""
        self._drain_backoff.reset()

    def item_sent(self, item_id: str) -> None:
        self._drain_backoff.reset()
        self._forget(item_id)

    def item_failed(self, retry_after: float | None) -> float:
        """Seconds the drain waits after a transient failure."""
        return self._drain_backoff.next_delay(retry_after)

    def server_errors_on(self, item_id: str) -> int:
        """Count one more 5xx against ``item_id``, but only if the server answered a poll since
        its last one: during an outage every request fails and nothing is the item's fault."""
        previous = self._polls_at_error.get(item_id)
        count = self._server_errors.get(item_id, 0)
        if previous is None or self._polls_answered > previous:
            count += 1
        self._server_errors[item_id] = count
        self._polls_at_error[item_id] = self._polls_answered
        return count

    def item_parked(self, item_id: str) -> None:
        self._forget(item_id)

    def drain_finished(
        self,
        *,
        worked: bool,
        transient: errors.ApiError | None,
        retry_in: float | None,
        sign_in_needed: bool,
        at: datetime,
    ) -> None:
        self._blocked = transient is not None or sign_in_needed
        if transient is not None:
            self._connection = replace(
                self._connection,
                online=not isinstance(transient, errors.Unreachable),
                last_error=transient.user_message,
                next_retry_at=at + timedelta(seconds=retry_in or 0.0),
            )
        elif worked:
            self._connection = Connection(online=True, last_success_at=at)

    def _forget(self, item_id: str) -> None:
        self._server_errors.pop(item_id, None)
        self._polls_at_error.pop(item_id, None)
