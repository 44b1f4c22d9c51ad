"""Sending the outbox: the drain job, the local effects it applies first, and the answers owed
to the callers waiting on their commands.

Everything here runs on the one worker thread (:mod:`app.core.worker`). A file lock keeps two
processes (a tray and a CLI command) from draining the same store at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import filelock

from app.api import errors
from app.core import commands
from app.core.auto import AutoPauser
from app.core.context import CoreContext
from app.core.effects import LocalEffects, Outcome
from app.core.facade import CommandResult
from app.core.health import SyncHealth
from app.core.session import Session
from app.core.snapshot import Notice
from app.core.syncer import DrainReport, Syncer
from app.core.waiters import Waiters
from offline_queue import OutboxItem

logger = logging.getLogger(__name__)

DRAIN_LOCK = "drain.lock"
# Rounds of "poll, then send what arrived meanwhile" after one drain, before the worker moves on.
MAX_FOLLOW_UPS = 5
TRANSIENT_RETRY_SECONDS = 5.0


def _late_timer_text(kind: str, payload: dict[str, object]) -> str | None:
    """What the user must know about a pause or stop of a server timer that waits offline:
    the server applies it only when it arrives and cannot be told the real time."""
    at = commands.at_of(payload)
    if at is None or not payload.get("timer_id"):
        return None
    stamp = at.astimezone().strftime("%H:%M:%S")
    if kind == commands.STOP:
        return (
            f"Stopped at {stamp}: the server can only stop the timer when this reaches it, "
            "so the log's notes will record the time you stopped."
        )
    if kind == commands.PAUSE:
        return f"Paused at {stamp} here; the server pauses its timer only when this reaches it."
    return None


class Drainer:
    def __init__(
        self,
        ctx: CoreContext,
        syncer: Syncer,
        effects: LocalEffects,
        waiters: Waiters,
        session: Session,
        health: SyncHealth,
        auto: AutoPauser,
        *,
        data_dir: Path,
        patient: bool,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._ctx = ctx
        self._syncer = syncer
        self._effects = effects
        self._waiters = waiters
        self._session = session
        self._health = health
        self._auto = auto
        self._lock = filelock.FileLock(str(data_dir / DRAIN_LOCK))
        # A CLI command waits for a tray's drain to finish; a tray tries again soon instead.
        self._lock_timeout = 30.0 if patient else 0.5
        # What the outbox holds changed (today's total counts queued and synced entries).
        self._on_change = on_change

    # ---- jobs ------------------------------------------------------------------------------
    def schedule(self, delay: float = 0.0) -> None:
        self._ctx.worker.schedule("drain", self.drain, delay)

    def schedule_apply(self) -> None:
        """The local effect of a new command must not wait for a drain pushed back by a
        backoff: it is its own job."""
        self._ctx.worker.schedule("apply", self.apply_local, 0.0)

    def drain(self) -> None:
        self.run(poll_after=True)
        self._ctx.publish()

    def apply_local(self) -> None:
        """Give pending commands their local effect now (the start of the tray, or a drain)."""
        try:
            self._lock.acquire(timeout=0.5)
        except filelock.Timeout:
            return  # the process holding it applies them
        try:
            outcomes = self._effects.apply_pending()
        finally:
            self._lock.release()
        self._on_change()
        self._ctx.publish()
        self._resolve_local(outcomes)
        if self._health.blocked:
            # The last drain could not send (offline, signed out): no drain will answer
            # soon, so tell the callers now that their command is safe.
            self._settle(DrainReport(), force=True)

    # ---- the drain -------------------------------------------------------------------------
    def run(self, *, poll_after: bool) -> DrainReport:
        report = DrainReport()
        try:
            self._lock.acquire(timeout=self._lock_timeout)
        except filelock.Timeout:
            logger.info("another Timetray process is sending the queue; trying again soon")
            self.schedule(TRANSIENT_RETRY_SECONDS)
            self._settle(report)
            return report
        try:
            # Local effects first, shown at once, before anything waits on the network.
            outcomes = self._effects.apply_pending()
            self._ctx.publish()
            self._resolve_local(outcomes)
            report = self._syncer.drain(before_send=self._effects.ensure)
        finally:
            self._lock.release()
        self._resolve_local(report.local)
        results = dict(report.results)
        for result in results.values():
            if result.status == "rejected":
                self._ctx.notify(
                    Notice("parked", "Not accepted by the server", result.message, "sync")
                )
        if report.sign_in_needed:
            self._session.lost()
        delay = report.retry_in or TRANSIENT_RETRY_SECONDS
        self._health.drain_finished(
            worked=bool(report.worked),
            transient=report.transient,
            retry_in=delay,
            sign_in_needed=report.sign_in_needed,
            at=self._ctx.clock.now(),
        )
        self._on_change()
        if report.transient is not None:
            self.schedule(delay)
        elif (due := self._ctx.store.next_due_at()) is not None:
            # The head waits out the server's Retry-After (this or another process saw it).
            wait = (due - self._ctx.clock.now()).total_seconds()
            if wait > 0:
                self.schedule(wait)
        if report.worked and report.transient is None and poll_after:
            results.update(self._follow_up())
        self._ctx.publish()
        for item_id, result in results.items():
            self._waiters.resolve(item_id, result)
        self._settle(report)
        return report

    def _follow_up(self) -> dict[str, CommandResult]:
        """Poll after what was sent; commands that arrived meanwhile are sent too, and polled
        after in turn, so the state shown follows the last command (bounded)."""
        results: dict[str, CommandResult] = {}
        try:
            for _ in range(MAX_FOLLOW_UPS):
                self._syncer.poll()
                self._auto.apply()
                if not self._ctx.store.counts().get("pending", 0):
                    break
                more = self._syncer.drain(before_send=self._effects.ensure)
                self._resolve_local(more.local)
                results.update(more.results)
                if not more.worked or more.transient is not None:
                    break
        except errors.SignInNeeded:
            self._session.lost()
        except errors.ApiError as exc:
            logger.info("poll after a command failed: %s", exc.user_message)
        return results

    def _resolve_local(self, outcomes: dict[str, Outcome]) -> None:
        for item_id, outcome in outcomes.items():
            if outcome.follow is not None:
                self._waiters.move(item_id, outcome.follow)
            elif outcome.result is not None:
                self._waiters.resolve(item_id, outcome.result)

    # ---- answers ---------------------------------------------------------------------------
    def _settle(self, report: DrainReport, *, force: bool = False) -> None:
        """Every caller still waiting learns its command is safe and will sync (except for
        commands whose local effect is still to come: the job applying it answers them)."""
        store = self._ctx.store
        applied = self._effects.applied_seq()
        stopped = report.transient is not None or report.sign_in_needed or force
        due = store.next_due_at()
        accept = self._session.accepts()
        items = {i: store.get(i) for i in self._waiters.ids()}
        waiting = [
            i for i, it in items.items() if it is None or it.state != "pending" or it.seq <= applied
        ]
        if not stopped and due is not None and due <= self._ctx.clock.now():
            # More arrived while this drain ran: the drain already scheduled will answer them,
            # unless they wait for another account (nothing will answer those soon).
            waiting = [
                i
                for i in waiting
                if (it := items[i]) is not None
                and (it.state in ("done", "parked") or not accept(it))
            ]
        for item_id in waiting:
            item = items[item_id]
            if item is None:
                self._waiters.resolve(item_id, CommandResult("queued", "Saved on this computer."))
            else:
                self._waiters.resolve(item_id, self._answer(item, report, accept(item)))

    def _answer(self, item: OutboxItem, report: DrainReport, accepted: bool) -> CommandResult:
        item_id = item.id
        result = item.result or {}
        if item.state == "done" and "failed" in result:
            return CommandResult("failed", str(result["failed"]), item_id=item_id)
        if item.state == "done":
            return CommandResult("done", "Done", item_id=item_id, data=result)
        if item.state == "parked":
            return CommandResult(
                "rejected", item.last_error or "", item_id=item_id, http_status=item.last_status
            )
        if report.sign_in_needed or not self._session.status().signed_in:
            return CommandResult(
                "sign_in_needed",
                "Saved on this computer; sign in again and it will sync.",
                item_id=item_id,
            )
        if report.transient is not None:
            why = report.transient.user_message
        elif not self._health.online:
            why = "The server cannot be reached right now."
        else:
            why = "The server is busy."
        if not accepted:
            why = "It belongs to another account and waits for it to sign in."
        message = f"Saved on this computer; it will sync when the server is reachable. ({why})"
        late = _late_timer_text(item.kind, item.payload)
        if late:
            message = f"{message} {late}"
        if item.kind == commands.STOP and late:
            self._ctx.notify(Notice("queued", "Stop saved offline", late, "sync"))
        if item.kind == commands.MANUAL:
            self._ctx.notify(
                Notice(
                    "queued",
                    "Saved offline",
                    "Your manual entry is saved on this computer and will sync.",
                    "sync",
                )
            )
        return CommandResult("queued", message, item_id=item_id)
