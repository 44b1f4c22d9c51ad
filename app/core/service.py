"""``CoreService``: the implementation of the CoreFacade the tray and the CLI talk to.

A facade method runs on the caller's thread (the Qt GUI thread in the tray) and does only three
things there: a quick check against the immutable snapshot (a clear ``failed`` for what is
obviously impossible), one short durable insert of the command into the outbox with the moment
it was pressed (write first: a crash right after the click loses nothing), and a wake-up of the
worker. Everything else, the local timer, the Tracker, the network, happens on the one worker
thread (:mod:`app.core.drain`, :mod:`app.core.polling`, :mod:`app.core.effects`), so nothing
ever races a drain. Outcomes come back through Futures; snapshots and notices through the
subscribed callbacks, on the worker thread. :func:`app.core.wiring.build_core` builds one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.api.timeutil import to_wire
from app.away.commands import Choice
from app.away.signals import AwaySignals
from app.core import account, commands
from app.core.away import AwayKeeper
from app.core.clock import Clock
from app.core.context import CoreContext
from app.core.drain import Drainer
from app.core.facade import CommandResult, LogsView, OutboxEntry
from app.core.logbook import Logbook
from app.core.polling import Poller
from app.core.publisher import Listeners, Publisher
from app.core.session import Session
from app.core.snapshot import Notice, Snapshot
from app.core.syncer import Syncer
from app.core.tracker import Tracker
from app.core.waiters import Waiters
from app.core.worker import Worker
from offline_queue import CorruptStoreReset, Store
from offline_queue.errors import StoreError

logger = logging.getLogger(__name__)

TICK_SECONDS = 10.0


def _done(result: CommandResult) -> Future[CommandResult]:
    fut: Future[CommandResult] = Future()
    fut.set_result(result)
    return fut


@dataclass(frozen=True)
class CoreParts:
    """Everything :func:`app.core.wiring.build_core` made, handed over in one piece."""

    ctx: CoreContext
    tracker: Tracker
    session: Session
    syncer: Syncer
    drainer: Drainer
    poller: Poller
    logbook: Logbook
    waiters: Waiters
    listeners: Listeners
    publisher: Publisher
    notes_limit: int
    away: AwayKeeper
    signals: AwaySignals | None = None  # the tray's idle, lock and sleep watchers


class CoreService:
    """See the module docstring and :class:`app.core.facade.CoreFacade`.

    ``store``, ``worker``, ``clock``, ``session``, ``syncer`` and ``poller`` are public for the
    front ends' own needs (the CLI's clock) and for tests that drive the worker by hand.
    """

    def __init__(self, parts: CoreParts) -> None:
        ctx = parts.ctx
        self.store: Store = ctx.store
        self.worker: Worker = ctx.worker
        self.clock: Clock = ctx.clock
        self.session = parts.session
        self.syncer = parts.syncer
        self.poller = parts.poller
        self._ctx = ctx
        self._clock = ctx.clock
        self._worker = ctx.worker
        self._tracker = parts.tracker
        self._drainer = parts.drainer
        self._logbook = parts.logbook
        self._waiters = parts.waiters
        self._listeners = parts.listeners
        self._publisher = parts.publisher
        self._notes_limit = parts.notes_limit
        self._away = parts.away
        self._signals = parts.signals

    # ================================================================== lifecycle =========
    def open(self, poll: bool = True) -> None:
        """Restore the session, start the worker (and, with ``poll``, the periodic jobs and a
        first poll at once)."""
        self.syncer.restore_cached()
        self.session.restore()
        # Today's total from the stored copy of the server's logs, before any request.
        self._logbook.update_today(fetch=False)
        self._worker.start()
        self.poller.repeat = poll
        for event in self.store.events:
            if isinstance(event, CorruptStoreReset):
                notice = Notice("store_reset", "Local queue reset", event.message, "sync")
                self._worker.later(lambda n=notice: self._ctx.notify(n))  # type: ignore[misc]
        self._publisher.prime()
        # Commands committed just before a crash may still owe their local effect.
        self._worker.later(self._drainer.apply_local)
        if poll:
            self.poller.schedule_poll(0)
            self.poller.schedule_tasks(0)
            self._worker.every("tick", self.poller.tick, TICK_SECONDS)
        if self._signals is not None:
            self._signals.start(self._away.on_event)

    def away_signals(self) -> AwaySignals | None:
        """The running watchers (tests drive fakes through them)."""
        return self._signals

    def shutdown(self) -> None:
        if self._signals is not None:
            self._signals.stop()
        self._worker.stop()
        self._waiters.resolve_all(CommandResult("queued", "Saved; it will sync next time."))
        self.session.close()
        self.store.close()

    def refresh_view(self) -> None:
        """Worker thread only: show what the store holds now."""
        self._ctx.publish()

    # ================================================================== plumbing ==========
    def subscribe(
        self, on_snapshot: Callable[[Snapshot], None], on_notice: Callable[[Notice], None]
    ) -> None:
        self._listeners.subscribe(on_snapshot, on_notice)

    def snapshot(self) -> Snapshot:
        return self._tracker.snapshot()

    def server_url(self) -> str | None:
        return self.session.server_url()

    # ================================================================== committing ========
    def _commit(self, kind: str, payload: dict[str, Any]) -> Future[CommandResult]:
        """The caller's-thread part of every command: one durable insert, then wake the
        worker, which gives it its local effect and sends it."""
        try:
            item = self._ctx.enqueue(kind, payload)
        except (StoreError, OSError) as exc:
            logger.error("could not save a %s command: %s", kind, exc)
            return self._failed(f"Could not save this on the computer: {exc}")
        fut = self._waiters.add(item.id)
        self._drainer.schedule_apply()
        self._drainer.schedule()
        self._worker.later(self.poller.quicken)
        return fut

    def _failed(self, message: str) -> Future[CommandResult]:
        return _done(CommandResult("failed", message))

    def _needs_session(self) -> Future[CommandResult] | None:
        if self.session.api is None:
            return _done(CommandResult("sign_in_needed", "Please sign in first."))
        return None

    def _server_timer_id(self) -> str | None:
        server = self._tracker.server_timer  # an immutable model: a plain read is safe
        return server.id if server is not None else None

    # ================================================================== session ===========
    def login(self, server_url: str, email: str, password: str) -> Future[CommandResult]:
        return self._worker.submit(lambda: self.poller.sign_in(server_url, email, password))

    def logout(self) -> Future[CommandResult]:
        return self._worker.submit(self.poller.sign_out)

    # ================================================================== timer =============
    def start(self, task_id: str) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        snap = self.snapshot()
        # The most useful reason first: one that no other step would cure (the task itself
        # cannot be started), then the check-in, then the running timer (which a switch cures).
        task = next((t for t in snap.tasks if t.id == task_id), None)
        if task is not None and not task.startable and task.reason:
            return self._failed(task.reason)
        if snap.attendance.known and not snap.attendance.checked_in:
            return self._failed("You must check in before starting a task.")
        if snap.timer is not None:
            return self._failed(
                f"A timer is already running on {snap.timer.task_title or snap.timer.task_id}; "
                "stop it first, or switch to this task."
            )
        payload = commands.timer_payload(commands.START, task_id, self._clock.now())
        if task is not None:
            payload["task_title"] = task.title
            payload["project_title"] = task.project_title
        return self._commit(commands.START, payload)

    def pause(self) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        timer = self.snapshot().timer
        if timer is None:
            return self._failed("No timer is running.")
        if timer.state == "paused":
            return _done(CommandResult("done", "The timer is already paused."))
        payload = commands.timer_payload(
            commands.PAUSE, timer.task_id, self._clock.now(), timer_id=self._server_timer_id()
        )
        return self._commit(commands.PAUSE, payload)

    def resume(self) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        snap = self.snapshot()
        timer = snap.timer
        if timer is None:
            return self._failed("No timer to resume.")
        if timer.state == "running":
            return _done(CommandResult("done", "The timer is already running."))
        if (refusal := snap.resume_refusal) is not None:
            return self._failed(refusal.reason)
        return self._commit(
            commands.RESUME,
            commands.timer_payload(commands.RESUME, timer.task_id, self._clock.now()),
        )

    def stop(self, notes: str | None = None) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            notes = commands.check_notes(notes, self._notes_limit)
        except commands.CommandError as exc:
            return self._failed(str(exc))
        timer = self.snapshot().timer
        if timer is None:
            return self._failed("No timer is running.")
        payload = commands.timer_payload(
            commands.STOP,
            timer.task_id,
            self._clock.now(),
            notes=notes,
            timer_id=self._server_timer_id(),
        )
        return self._commit(commands.STOP, payload)

    def switch(self, task_id: str, notes: str | None = None) -> Future[CommandResult]:
        first = self.stop(notes)
        out: Future[CommandResult] = Future()

        def after(done: Future[CommandResult]) -> None:
            try:
                res = done.result()
            except Exception as exc:  # pragma: no cover - defensive
                out.set_exception(exc)
                return
            if not res.ok:
                out.set_result(res)
                return
            self._worker.later(lambda: self._chain(self.start(task_id), out))

        first.add_done_callback(after)
        return out

    def _chain(self, inner: Future[CommandResult], out: Future[CommandResult]) -> None:
        inner.add_done_callback(lambda f: out.set_result(f.result()))

    def log_manual(
        self, task_id: str, started_at: datetime, ended_at: datetime, notes: str | None
    ) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            notes = commands.check_notes(notes, self._notes_limit)
            payload = commands.manual_payload(
                task_id, started_at, ended_at, notes, self._clock.now()
            )
        except commands.CommandError as exc:
            return self._failed(str(exc))
        task = next((t for t in self.snapshot().tasks if t.id == task_id), None)
        if task is not None:
            payload["task_title"] = task.title
        return self._commit(commands.MANUAL, payload)

    # ================================================================== attendance ========
    def check_in(self, work_mode: str = "office") -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            payload = commands.check_in_payload(work_mode, self._clock.now())
        except commands.CommandError as exc:
            return self._failed(str(exc))
        return self._commit(commands.CHECK_IN, payload)

    def check_out(
        self,
        early_reason: str | None = None,
        after_shift_reason: str | None = None,
        after_shift_note: str | None = None,
    ) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        payload = commands.check_out_payload(
            self._clock.now(), early_reason, after_shift_reason, after_shift_note
        )
        return self._commit(commands.CHECK_OUT, payload)

    def start_break(self, break_type: str, note: str | None = None) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            payload = commands.break_start_payload(break_type, note, self._clock.now())
        except commands.CommandError as exc:
            return self._failed(str(exc))
        return self._commit(commands.BREAK_START, payload)

    def end_break(self) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        return self._commit(commands.BREAK_END, {"at": to_wire(self._clock.now())})

    # ================================================================== away ==============
    def answer_away(self, choice: str, task_id: str | None = None) -> Future[CommandResult]:
        """Answer the oldest "you were away" question (``Choice`` values: discard,
        discard-paused, keep, keep-as with ``task_id``)."""
        try:
            picked = Choice(choice)
        except ValueError:
            return self._failed(f"Unknown answer {choice!r}: one of {', '.join(Choice)}.")
        return self._away.answer(picked, task_id)

    def poll_soon(self) -> None:
        """The person is here (the menu opened): poll at the quick interval again."""
        self._worker.later(self.poller.quicken)

    # ================================================================== sync / outbox =====
    def sync_now(self) -> Future[CommandResult]:
        return self._worker.submit(self.poller.sync_now)

    def refresh_tasks(self) -> Future[CommandResult]:
        return self._worker.submit(self.poller.refresh_tasks)

    def network_changed(self, reachable: bool | None) -> None:
        self._worker.later(lambda: self.poller.network_changed(reachable))

    def logs(self, since: datetime) -> Future[LogsView]:
        return self._worker.submit(lambda: self._logbook.logs(since))

    def outbox(self, include_done: bool = False) -> list[OutboxEntry]:
        states = None if include_done else ("pending", "in_flight", "parked")
        snap = self.snapshot()
        titles = {t.id: t.title for t in snap.tasks}
        server, email = self.session.account()
        out: list[OutboxEntry] = []
        for item in self.store.items(states):
            summary = commands.summary(item.kind, item.payload, titles)
            if item.state == "pending":
                note = account.waiting_note(item.payload, server, email, snap.signed_in)
                if note:
                    summary = f"{summary} ({note})"
            out.append(
                OutboxEntry(
                    id=item.id,
                    kind=item.kind,
                    state=item.state,
                    payload=item.payload,
                    attempts=item.attempts,
                    last_error=item.last_error,
                    created_at=item.created_at,
                    summary=summary,
                )
            )
        return out

    def retry_parked(
        self, item_id: str, payload: dict[str, Any] | None = None
    ) -> Future[CommandResult]:
        item = self.store.get(item_id)
        if item is None or item.state != "parked":
            return self._failed("No parked item with that id.")
        if payload is not None:
            kept = (
                {account.ACCOUNT_KEY: item.payload[account.ACCOUNT_KEY]}
                if (account.ACCOUNT_KEY in item.payload and account.ACCOUNT_KEY not in payload)
                else {}
            )
            self.store.edit(item_id, {**payload, **kept})
        self.store.unpark(item_id)
        fut = self._waiters.add(item_id)
        self._drainer.schedule()
        return fut

    def discard_parked(self, item_id: str) -> Future[CommandResult]:
        item = self.store.get(item_id)
        if item is None or item.state not in ("parked", "pending"):
            return self._failed("No parked item with that id.")
        self.store.discard(item_id)
        self._worker.later(self._ctx.publish)
        return _done(CommandResult("done", "Discarded", item_id=item_id))
