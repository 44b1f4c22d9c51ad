"""The poll loop, the task refresh, the tick, and the facade calls that need the network
(sign in, sync now, task refresh).

Everything here runs on the one worker thread. The poll loop runs while the core was opened to
poll (a tray), at a jittered interval that backs off while the server cannot be reached; the
tick notices sleep and clock jumps, keeps the local timer's heartbeat, and gives reminders.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from app.api import errors
from app.core import local_timer, wording
from app.core.auto import AutoPauser
from app.core.backoff import jittered
from app.core.clock import ShiftDetector
from app.core.context import CoreContext
from app.core.drain import Drainer
from app.core.facade import CommandResult
from app.core.health import SyncHealth
from app.core.logbook import Logbook
from app.core.reachability import Reachability
from app.core.reminders import Reminders
from app.core.server_wait import ServerWait, wait_text
from app.core.session import Session
from app.core.snapshot import Snapshot
from app.core.syncer import Syncer

logger = logging.getLogger(__name__)

ENDED = "Your session has ended; please sign in again."
# Signed in but neither checked in nor timing: nobody is working, so a quarter of the polls.
QUIET_POLL_SECONDS = 60.0


def poll_interval(snap: Snapshot, base: float) -> float:
    """Seconds to the next poll: ``base`` while the person works, slower while they do not
    (the server's load from a fleet of idle trays drops fourfold outside working hours)."""
    timing = snap.timer is not None and snap.timer.state == "running"
    at_work = not snap.attendance.known or snap.attendance.checked_in
    if snap.signed_in and not timing and not at_work:
        return max(base, QUIET_POLL_SECONDS)
    return base


class Poller:
    def __init__(
        self,
        ctx: CoreContext,
        syncer: Syncer,
        session: Session,
        health: SyncHealth,
        drainer: Drainer,
        auto: AutoPauser,
        logbook: Logbook,
        reminders: Reminders,
        detector: ShiftDetector,
        snapshot: Callable[[], Snapshot],
        server_wait: ServerWait,
        *,
        reachability: Reachability,
        poll_interval: float,
        tasks_interval: float,
    ) -> None:
        self._ctx = ctx
        self._syncer = syncer
        self._session = session
        self._health = health
        self._drainer = drainer
        self._auto = auto
        self._logbook = logbook
        self._reminders = reminders
        self._detector = detector
        self._snapshot = snapshot
        self._server_wait = server_wait
        self._reachability = reachability
        self._poll_interval = poll_interval
        self._tasks_interval = tasks_interval
        # Whether the poll and task jobs schedule their next run (a tray: yes; a CLI: no).
        self.repeat = False
        self.quiet = False  # the next poll waits the quiet interval (nobody at work)

    # ---- scheduling ------------------------------------------------------------------------
    def schedule_poll(self, delay: float) -> None:
        self._ctx.worker.schedule("poll", self.poll, delay)

    def schedule_tasks(self, delay: float) -> None:
        self._ctx.worker.schedule("tasks", self.tasks, delay)

    # ---- poll ------------------------------------------------------------------------------
    def poll(self) -> None:
        delay: float | None = None
        try:
            self._syncer.poll()
        except errors.SignInNeeded:
            self._session.lost()
            self._ctx.publish()
            return
        except errors.ApiError as exc:
            delay = self._health.poll_failed(exc)
        else:
            self._health.poll_answered(self._ctx.clock.now())
            self._auto.apply()
            if self._ctx.store.counts().unsent:
                self._drainer.run(poll_after=False)
        self._ctx.publish()
        interval = poll_interval(self._snapshot(), self._poll_interval)
        self.quiet = delay is None and interval > self._poll_interval
        if self.repeat:
            self.schedule_poll(delay if delay is not None else jittered(interval))

    def quicken(self) -> None:
        """The person is here (a command, the menu, wake, unlock): a quiet wait is cut to the
        usual interval at once. A backoff while offline is left alone."""
        if self.quiet:
            self.quiet = False
            if self.repeat:
                self.schedule_poll(jittered(self._poll_interval))

    # ---- tasks -----------------------------------------------------------------------------
    def tasks(self) -> None:
        try:
            self._syncer.refresh_tasks()
            self._logbook.update_today()
        except errors.SignInNeeded:
            self._session.lost()
        except errors.ApiError as exc:
            logger.info("task refresh failed: %s", exc.user_message)
        self._ctx.publish()
        if self.repeat:
            self.schedule_tasks(jittered(self._tasks_interval, 0.1))

    # ---- tick ------------------------------------------------------------------------------
    def tick(self) -> None:
        """Every few seconds: heartbeat the local timer, notice sleep and clock jumps, remind."""
        store = self._ctx.store
        previous_wall = self._detector.last_wall
        shift = self._detector.check()
        now = self._ctx.clock.now()
        meta, local = local_timer.load(store)
        if meta is not None and local is not None and local.running_since is not None:
            if shift.wall_jump:
                true_end = previous_wall + timedelta(seconds=shift.real_seconds)
                logger.warning(
                    "wall clock jumped by %.0f s; re-basing the local timer", shift.wall_jump
                )
                local_timer.rebase(store, meta, true_end, now)
            store.heartbeat(now)
        if shift.slept or shift.wall_jump:
            logger.info("woke up or clock changed (%.0f s real); polling now", shift.real_seconds)
            self.schedule_poll(0)
        if (
            not self._health.online
            and self._session.status().signed_in
            and self._reachability.came_back()
        ):
            self.schedule_poll(0)
        self._ctx.publish()
        for notice in self._reminders.check(self._snapshot(), now):
            self._ctx.notify(notice)

    def network_changed(self, reachable: bool | None) -> None:
        """The OS's word on the network (from the tray): poll at once when it comes back, or
        when it is up while the server has not been reached."""
        back = self._reachability.report(reachable)
        if reachable and (back or not self._health.online) and self._session.status().signed_in:
            logger.info("network reachable; polling now")
            self.schedule_poll(0)

    # ---- bodies of facade calls ------------------------------------------------------------
    def sign_in(self, server_url: str, email: str, password: str) -> CommandResult:
        """Sign in, then poll, refresh tasks and send this account's queue."""
        until = self._server_wait.until()
        if until is not None:
            text = f"The server asked to wait; try again at {until.astimezone():%H:%M:%S}."
            return CommandResult("rejected", text, http_status=429)
        result = self._session.sign_in(server_url, email, password)
        if result.http_status == 429:
            wait = result.data.get("retry_after")
            if isinstance(wait, int | float) and wait > 0:
                self._server_wait.wait_for(float(wait), result.message)
        if result.status != "done":
            return result
        self._health.signed_in(self._ctx.clock.now())
        with contextlib.suppress(errors.ApiError):
            self._syncer.poll()
            self._syncer.refresh_tasks()
        self._drainer.run(poll_after=False)
        if self.repeat:  # the poll loop stops while signed out: start it again
            self.schedule_poll(self._poll_interval)
        self._ctx.publish()
        return result

    def sign_out(self) -> CommandResult:
        result = self._session.sign_out()
        self._ctx.publish()
        return result

    def sync_now(self) -> CommandResult:
        if self._session.api is None or not self._session.status().signed_in:
            self._drainer.apply_local()
            return CommandResult("sign_in_needed", "Please sign in first.")
        self._health.retry_drain_now()
        report = self._drainer.run(poll_after=False)
        if report.sign_in_needed:
            self._ctx.publish()
            return CommandResult("sign_in_needed", ENDED)
        try:
            self._syncer.poll()
            self._health.reached(self._ctx.clock.now())
            self._auto.apply()
            if self._ctx.store.counts().get("pending", 0) and report.transient is None:
                report = self._drainer.run(poll_after=False)
        except errors.SignInNeeded:
            self._session.lost()
            self._ctx.publish()
            return CommandResult("sign_in_needed", ENDED)
        except errors.ApiError as exc:
            self._health.error_seen(exc)
        self._ctx.publish()
        counts = self._ctx.store.counts()
        data: dict[str, object] = {
            "pending": counts.unsent,
            "parked": counts.get("parked", 0),
            "sent": len(report.results),
        }
        waiting = self._waiting_until()
        if waiting is not None:
            # The server's Retry-After is honoured, not reset by the user's click.
            data["next_try_at"] = waiting.isoformat()
            return CommandResult("queued", wait_text(waiting), data=data)
        if report.transient is not None or not self._health.online:
            why = report.transient.user_message if report.transient else "server unreachable"
            return CommandResult("queued", f"Not everything could be sent: {why}", data=data)
        return CommandResult("done", f"Synced {wording.items(len(report.results))}.", data=data)

    def _waiting_until(self) -> datetime | None:
        """When the next send may go, if the server asked to wait (for all, or for the item at
        the head of the queue)."""
        until = self._server_wait.until()
        if until is not None:
            return until
        pending = self._ctx.store.items(("pending",))
        head = pending[0] if pending else None
        if head is not None and head.not_before and head.not_before > self._ctx.clock.now():
            return head.not_before
        return None

    def refresh_tasks(self) -> CommandResult:
        try:
            tasks = self._syncer.refresh_tasks()
        except errors.SignInNeeded:
            self._session.lost()
            return CommandResult("sign_in_needed", "Please sign in again.")
        except errors.ApiError as exc:
            return CommandResult("failed", exc.user_message)
        finally:
            self._ctx.publish()
        return CommandResult("done", wording.plural(len(tasks), "task"))
