"""The Syncer: the core's reads from the server and its drain of the outbox, on the worker.

It drains the outbox strictly in order (one item at a time, never two starts in parallel),
polls the server's timer and attendance, and refreshes tasks. It feeds what it learns to the
Tracker; it never decides what the user sees (that is the Tracker's snapshot), never owns the
session (it asks :class:`app.core.session.Session` for the client) and never owns sync health
(it reports to :class:`app.core.health.SyncHealth`). What each command means on the wire is
:mod:`app.core.sender`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from app.api import ApiClient, errors, models
from app.core import marker, records
from app.core.clock import Clock
from app.core.effects import Outcome
from app.core.facade import CommandResult
from app.core.health import SyncHealth
from app.core.sender import CommandSender
from app.core.server_wait import ServerWait, retry_after
from app.core.tracker import Tracker
from offline_queue import Completion, OutboxItem, Store

logger = logging.getLogger(__name__)

# A 5xx is transient (DESIGN rule 4) and is retried for as long as the server is in trouble.
# Only an item the server keeps failing while it answers the polls in between (a request the
# server cannot process, which would otherwise block the queue for ever) is parked, after
# this many attempts.
MAX_SERVER_ERRORS = 8
LEASE_SECONDS = 60.0
SERVER_STATE_KEY = "server_state"
TASKS_KEY = "tasks"


@dataclass
class DrainReport:
    results: dict[str, CommandResult] = field(default_factory=dict)
    transient: errors.ApiError | None = None
    retry_in: float | None = None
    sign_in_needed: bool = False
    worked: int = 0
    local: dict[str, Outcome] = field(default_factory=dict)


class Syncer:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        tracker: Tracker,
        health: SyncHealth,
        *,
        api: Callable[[], ApiClient | None],
        accepts: Callable[[], Callable[[OutboxItem], bool]],
        owner: str,
        server_wait: ServerWait,
        fetch_logs: Callable[[], list[models.TimeLog]],
    ) -> None:
        self._store = store
        self._clock = clock
        self._tracker = tracker
        self._health = health
        self._api = api
        self._accepts = accepts
        self._owner = owner
        self._server_wait = server_wait
        self._deferring = False  # inside a drain: completions ride on the next claim
        self._pending_done: Completion | None = None
        self._sender = CommandSender(
            store,
            tracker,
            clock.now,
            api=self._require_api,
            record_done=self._record_done,
            owner=owner,
            fetch_logs=fetch_logs,
        )

    # ------------------------------------------------------------------------------ cache ---
    def restore_cached(self) -> None:
        """At start-up, show what the server said last time until the first poll answers."""
        tasks = self._store.cache_get(TASKS_KEY)
        if tasks is not None and isinstance(tasks.value, list):
            with contextlib.suppress(models.ModelError, ValueError):
                self._tracker.set_tasks(models.Task.from_json(t) for t in tasks.value)
        state = self._store.cache_get(SERVER_STATE_KEY)
        if state is not None and isinstance(state.value, dict):
            with contextlib.suppress(models.ModelError, ValueError, TypeError):
                raw_timer = state.value.get("timer")
                raw_attendance = state.value.get("attendance")
                offset = timedelta(seconds=float(state.value.get("offset") or 0.0))
                self._tracker.set_server_state(
                    models.TimerSession.from_json(raw_timer) if raw_timer else None,
                    models.AttendanceSession.from_json(raw_attendance) if raw_attendance else None,
                    offset,
                )

    # ------------------------------------------------------------------------------- poll ---
    def poll(self) -> None:
        """Active timer + attendance, read together. Raises ApiError on failure (without a
        request while the server's wait runs)."""
        api = self._require_api()
        self._server_wait.check()
        try:
            timer = api.active_timer()
            attendance = api.active_attendance()
        except errors.ApiError as exc:
            self._server_wait.server_said(exc)
            raise
        self._tracker.set_server_state(timer, attendance, api.clock_offset)
        self._health.server_answered()
        self._prune_marker(timer)
        self._store.cache_put(
            SERVER_STATE_KEY,
            {
                "timer": records.timer_dict(timer) if timer else None,
                "attendance": records.attendance_dict(attendance) if attendance else None,
                "offset": api.clock_offset.total_seconds(),
            },
        )

    def _prune_marker(self, timer: models.TimerSession | None) -> None:
        current = self._tracker.marker
        if current is None or current.timer_id.startswith("local:"):
            return
        if timer is None or timer.id != current.timer_id or timer.status == "running":
            marker.save(self._store, None)
            self._tracker.set_marker(None)

    def refresh_tasks(self) -> list[models.Task]:
        api = self._require_api()
        self._server_wait.check()
        try:
            tasks = api.list_tasks()
        except errors.ApiError as exc:
            self._server_wait.server_said(exc)
            raise
        self._tracker.set_tasks(tasks)
        self._store.cache_put(
            TASKS_KEY,
            [
                {
                    "id": t.id,
                    "title": t.title,
                    "status": t.status,
                    "project_id": t.project_id,
                    "project_title": t.project_title,
                }
                for t in tasks
            ],
        )
        return tasks

    def _require_api(self) -> ApiClient:
        api = self._api()
        if api is None or not api.signed_in:
            raise errors.SignInNeeded("Please sign in first.")
        return api

    # ------------------------------------------------------------------------------ drain ---
    def drain(
        self,
        *,
        limit: int | None = None,
        before_send: Callable[[OutboxItem], Outcome | None] | None = None,
    ) -> DrainReport:
        """Send due items in order until the queue is empty, blocked, or the server is not
        usable right now. Never raises an ApiError: the report says what happened.

        ``before_send`` gives each claimed item its local effect first (it may have arrived
        after this drain began); an item it settles locally is not sent.
        """
        report = DrainReport()
        api = self._api()
        if api is None or not api.signed_in:
            report.sign_in_needed = self._store.counts().get("pending", 0) > 0
            return report
        try:
            self._server_wait.check()
        except errors.RateLimited as exc:
            if self._store.counts().get("pending", 0):
                report.transient = exc
                report.retry_in = exc.retry_after
            return report
        accept = self._accepts()
        self._deferring = True
        try:
            self._drain_items(report, accept, limit, before_send)
        finally:
            self._deferring = False
            self._flush_done()
        return report

    def _drain_items(
        self,
        report: DrainReport,
        accept: Callable[[OutboxItem], bool],
        limit: int | None,
        before_send: Callable[[OutboxItem], Outcome | None] | None,
    ) -> None:
        while limit is None or report.worked < limit:
            # One commit per item: the claim flags it maybe_sent and also records the previous
            # item's completion (see Outbox.claim_next).
            item = self._store.claim_next(
                self._owner,
                LEASE_SECONDS,
                mark_sent=True,
                accept=accept,
                complete=self._take_done(),
            )
            if item is None:
                break
            report.worked += 1
            if before_send is not None and (outcome := before_send(item)) is not None:
                report.local[item.id] = outcome
                continue
            try:
                result = self._sender.process(item)
            except errors.SignInNeeded as exc:
                # Refused before the server did anything: the flag is what it was before.
                self._store.retry_later(
                    item.id,
                    exc.user_message,
                    self._clock.now(),
                    maybe_sent=item.maybe_sent,
                    owner=self._owner,
                )
                report.sign_in_needed = True
                break
            except (errors.Unreachable, errors.ServerError, errors.RateLimited) as exc:
                self._transient(item, exc, report)
                break
            except errors.ApiError as exc:  # pragma: no cover - every subclass is handled above
                self._store.park(item.id, exc.user_message, owner=self._owner)
                result = CommandResult("rejected", exc.user_message, item_id=item.id)
            self._health.item_sent(item.id)
            report.results[item.id] = result

    def _record_done(
        self,
        item_id: str,
        server_id: str | None = None,
        result: dict[str, Any] | None = None,
        *,
        owner: str | None = None,
    ) -> None:
        """The server applied ``item_id``: during a drain the record rides on the next claim's
        commit; anywhere else (or if one is already waiting) it is committed now."""
        completion = Completion(item_id, server_id, result, owner)
        if self._deferring and self._pending_done is None:
            self._pending_done = completion
            return
        self._flush_done()
        self._store.complete(item_id, server_id, result, owner=owner)

    def _take_done(self) -> Completion | None:
        done, self._pending_done = self._pending_done, None
        return done

    def _flush_done(self) -> None:
        if (done := self._take_done()) is not None:
            self._store.complete(done.item_id, done.server_id, done.result, owner=done.owner)

    def _transient(self, item: OutboxItem, exc: errors.ApiError, report: DrainReport) -> None:
        wait = retry_after(exc)
        delay = self._health.item_failed(wait)
        if not isinstance(exc, errors.RateLimited):
            # A 5xx's Retry-After speaks for the whole server (a 429 for this request).
            self._server_wait.server_said(exc)
        # Certainly not applied: refused connection, or a 429 (the server said no).
        never = isinstance(exc, errors.RateLimited) or (
            isinstance(exc, errors.Unreachable) and not exc.may_have_reached
        )
        status = exc.status if isinstance(exc, errors.ServerError) else None
        if isinstance(exc, errors.RateLimited):
            status = 429
        if isinstance(exc, errors.ServerError):
            count = self._health.server_errors_on(item.id)
            if count >= MAX_SERVER_ERRORS:
                message = (
                    f"The server failed on this item {count} times in a row: {exc.user_message}"
                )
                self._store.park(item.id, message, status, owner=self._owner)
                report.results[item.id] = CommandResult(
                    "rejected", message, item_id=item.id, http_status=status
                )
                self._health.item_parked(item.id)
                return
        # Without a Retry-After the item stays due at once; the worker waits ``delay`` before
        # the next drain (a successful poll ends the wait early, so the queue resumes as soon
        # as the server is back). The server's own wait is kept on the item, in the store, so
        # that no process (nor "Sync now") sends it again before then.
        now = self._clock.now()
        self._store.retry_later(
            item.id,
            exc.user_message,
            now + timedelta(seconds=wait) if wait else now,
            status=status,
            # Certainly not applied this time: back to what it was before this attempt.
            maybe_sent=item.maybe_sent if never else None,
            owner=self._owner,
        )
        report.transient = exc
        report.retry_in = delay
