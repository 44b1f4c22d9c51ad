"""``Core``: the CoreFacade the tray and the CLI talk to.

A facade method runs on the caller's thread (the Qt GUI thread in the tray) and does only three
things there: a quick check against the immutable snapshot (a clear ``failed`` for what is
obviously impossible), one short durable insert of the command into the outbox with the moment
it was pressed (write first: a crash right after the click loses nothing), and a wake-up of the
worker. Everything else, the local timer, the Tracker, the network, happens on the one worker
thread (:mod:`app.core.jobs`, :mod:`app.core.effects`), so nothing ever races a drain.
Outcomes come back through Futures; snapshots and notices through the subscribed callbacks, on
the worker thread.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from app.api import models
from app.api.timeutil import to_wire
from app.config import Settings
from app.core import account
from app.core import commands as C
from app.core.clock import Clock, ShiftDetector, SystemClock
from app.core.effects import LocalEffects
from app.core.facade import CommandResult, LogEntry, OutboxEntry
from app.core.jobs import Jobs
from app.core.reminders import Reminders
from app.core.session import SESSION_KEY, Session
from app.core.snapshot import Notice, Snapshot
from app.core.syncer import Syncer
from app.core.tracker import Tracker, transition_notices
from app.core.waiters import Waiters
from app.core.worker import Worker
from offline_queue import CorruptStoreReset, OutboxItem, Store
from offline_queue.errors import StoreError

logger = logging.getLogger(__name__)

T = TypeVar("T")
TICK_SECONDS = 10.0
__all__ = ["SESSION_KEY", "TICK_SECONDS", "Core"]


class _CallableClock:
    def __init__(self, fn: Callable[[], datetime]) -> None:
        self._fn = fn
        self._sys = SystemClock()

    def now(self) -> datetime:
        return self._fn()

    def elapsed(self) -> float:
        return self._sys.elapsed()


def _done(result: CommandResult) -> Future[CommandResult]:
    fut: Future[CommandResult] = Future()
    fut.set_result(result)
    return fut


class Core:
    """See the module docstring and :class:`app.core.facade.CoreFacade`."""

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        *,
        clock: Clock | Callable[[], datetime] | None = None,
        role: str = "tray",
    ) -> None:
        self.settings = settings
        self.data_dir = Path(data_dir)
        if clock is None:
            self.clock: Clock = SystemClock()
        elif callable(clock):
            self.clock = _CallableClock(clock)
        else:
            self.clock = clock
        self.role = role
        self.tracker = Tracker(auto_resume=settings.auto_resume)
        self.store: Store | None = None
        self.syncer: Syncer | None = None
        self.effects: LocalEffects | None = None
        self.worker = Worker()
        self.waiters = Waiters()
        self.session = Session(self)
        self.jobs = Jobs(self)
        self.reminders = Reminders(settings.long_timer_hours, settings.idle_reminder_minutes)
        self.detector: ShiftDetector | None = None
        self._snap_cbs: list[Callable[[Snapshot], None]] = []
        self._notice_cbs: list[Callable[[Notice], None]] = []
        self._polling = False

    # ================================================================== lifecycle =========
    def _now(self) -> datetime:
        return self.clock.now()

    def open(self, poll: bool = True) -> None:
        """Open the store, restore the session, start the worker (and, with ``poll``, the
        periodic jobs and a first poll at once)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store.open(
            self.data_dir, clock=self._now, retention_days=self.settings.retention_days
        )
        self.store = store
        self.syncer = Syncer(
            store,
            self.tracker,
            self._now,
            owner=f"timetray@{socket.gethostname()}",
            notes_limit=self.settings.notes_max_length,
        )
        self.effects = LocalEffects(
            store, self.tracker, self._now, auto_resume=self.settings.auto_resume
        )
        self._load_cache()
        self.session.restore()
        self.detector = ShiftDetector(self.clock, tick_seconds=TICK_SECONDS)
        self.worker.start()
        self._polling = poll
        for event in store.events:
            if isinstance(event, CorruptStoreReset):
                notice = Notice("store_reset", "Local queue reset", event.message, "sync")
                self.worker.later(lambda n=notice: self._emit_notice(n))  # type: ignore[misc]
        self.syncer.reload_local()
        self.tracker.publish()
        # Commands committed just before a crash may still owe their local effect.
        self.worker.later(self.jobs.apply_local)
        if poll:
            self.jobs.schedule("poll", 0)
            self.jobs.schedule("tasks", 0)
            self.worker.every("tick", self.jobs.tick, TICK_SECONDS)

    def shutdown(self) -> None:
        self.worker.stop()
        self.waiters.resolve_all(CommandResult("queued", "Saved; it will sync next time."))
        if self.syncer is not None and self.syncer.api is not None:
            self.syncer.api.close()
        if self.store is not None:
            self.store.close()

    # ================================================================== plumbing ==========
    def subscribe(
        self, on_snapshot: Callable[[Snapshot], None], on_notice: Callable[[Notice], None]
    ) -> None:
        self._snap_cbs.append(on_snapshot)
        self._notice_cbs.append(on_notice)

    def snapshot(self) -> Snapshot:
        return self.tracker.snapshot()

    def server_url(self) -> str | None:
        return self.session.server_url()

    def _store(self) -> Store:
        if self.store is None:
            raise RuntimeError("the core is not started")
        return self.store

    def _emit_notice(self, notice: Notice) -> None:
        logger.info("notice %s: %s", notice.kind, notice.message)
        for cb in list(self._notice_cbs):
            try:
                cb(notice)
            except Exception:
                logger.exception("notice callback failed")

    def _publish(self) -> None:
        """Worker thread only: a new snapshot, its notices, and the callbacks."""
        prev, new = self.tracker.publish()
        if new.revision == prev.revision:
            return
        for notice in transition_notices(prev, new):
            self._emit_notice(notice)
        for cb in list(self._snap_cbs):
            try:
                cb(new)
            except Exception:
                logger.exception("snapshot callback failed")

    def _refresh_view(self) -> None:
        """Worker thread only: feed the tracker what the store holds now, and publish."""
        assert self.syncer is not None
        self.syncer.reload_local()
        self._publish()

    def _load_cache(self) -> None:
        store = self._store()
        tasks = store.cache_get("tasks")
        if tasks is not None and isinstance(tasks.value, list):
            with contextlib.suppress(models.ModelError, ValueError):
                self.tracker.set_tasks(models.Task.from_json(t) for t in tasks.value)
        state = store.cache_get("server_state")
        if state is not None and isinstance(state.value, dict):
            with contextlib.suppress(models.ModelError, ValueError, TypeError):
                raw_t = state.value.get("timer")
                raw_a = state.value.get("attendance")
                offset = timedelta(seconds=float(state.value.get("offset") or 0.0))
                self.tracker.set_server_state(
                    models.TimerSession.from_json(raw_t) if raw_t else None,
                    models.AttendanceSession.from_json(raw_a) if raw_a else None,
                    offset,
                )

    # ================================================================== committing ========
    def _account(self) -> tuple[str | None, str | None]:
        api = self.syncer.api if self.syncer is not None else None
        return (api.server_url, api.email) if api is not None else (None, None)

    def _stamped_enqueue(self, kind: str, payload: dict[str, Any]) -> OutboxItem:
        server, email = self._account()
        return self._store().enqueue(kind, account.stamp(payload, server, email))

    def _commit(self, kind: str, payload: dict[str, Any]) -> Future[CommandResult]:
        """The caller's-thread part of every command: one durable insert, then wake the
        worker, which gives it its local effect and sends it."""
        try:
            item = self._stamped_enqueue(kind, payload)
        except (StoreError, OSError) as exc:
            logger.error("could not save a %s command: %s", kind, exc)
            return self._failed(f"Could not save this on the computer: {exc}")
        fut = self.waiters.add(item.id)
        # Two jobs: the local effect must not wait for a drain pushed back by a backoff.
        self.jobs.schedule("apply", 0)
        self.jobs.schedule("drain", 0)
        return fut

    def _failed(self, message: str) -> Future[CommandResult]:
        return _done(CommandResult("failed", message))

    def _needs_session(self) -> Future[CommandResult] | None:
        if self.syncer is None or self.syncer.api is None:
            return _done(CommandResult("sign_in_needed", "Please sign in first."))
        return None

    def _server_timer_id(self) -> str | None:
        server = self.tracker.server_timer  # an immutable model: a plain read is safe
        return server.id if server is not None else None

    # ================================================================== session ===========
    def login(self, server_url: str, email: str, password: str) -> Future[CommandResult]:
        return self.worker.submit(lambda: self.session.login(server_url, email, password))

    def logout(self) -> Future[CommandResult]:
        return self.worker.submit(self.session.logout)

    # ================================================================== timer =============
    def start(self, task_id: str) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        snap = self.snapshot()
        if snap.timer is not None:
            return self._failed(
                f"A timer is already running on {snap.timer.task_title or snap.timer.task_id}; "
                "stop it first (or switch)."
            )
        if snap.attendance.known and not snap.attendance.checked_in:
            return self._failed("You must check in before starting a task.")
        task = next((t for t in snap.tasks if t.id == task_id), None)
        if task is not None and not task.startable and task.reason:
            return self._failed(task.reason)
        payload = C.timer_payload(C.START, task_id, self._now())
        if task is not None:
            payload["task_title"] = task.title
            payload["project_title"] = task.project_title
        return self._commit(C.START, payload)

    def pause(self) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        timer = self.snapshot().timer
        if timer is None:
            return self._failed("No timer is running.")
        if timer.state == "paused":
            return _done(CommandResult("done", "The timer is already paused."))
        payload = C.timer_payload(
            C.PAUSE, timer.task_id, self._now(), timer_id=self._server_timer_id()
        )
        return self._commit(C.PAUSE, payload)

    def resume(self) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        snap = self.snapshot()
        timer = snap.timer
        if timer is None:
            return self._failed("No timer to resume.")
        if timer.state == "running":
            return _done(CommandResult("done", "The timer is already running."))
        if timer.source == "server" and snap.attendance.known and not snap.attendance.checked_in:
            return self._failed("You must check in before resuming a task.")
        return self._commit(C.RESUME, C.timer_payload(C.RESUME, timer.task_id, self._now()))

    def stop(self, notes: str | None = None) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            notes = C.check_notes(notes, self.settings.notes_max_length)
        except C.CommandError as exc:
            return self._failed(str(exc))
        timer = self.snapshot().timer
        if timer is None:
            return self._failed("No timer is running.")
        payload = C.timer_payload(
            C.STOP, timer.task_id, self._now(), notes=notes, timer_id=self._server_timer_id()
        )
        return self._commit(C.STOP, payload)

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
            self.worker.later(lambda: self._chain(self.start(task_id), out))

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
            notes = C.check_notes(notes, self.settings.notes_max_length)
            payload = C.manual_payload(task_id, started_at, ended_at, notes, self._now())
        except C.CommandError as exc:
            return self._failed(str(exc))
        task = next((t for t in self.snapshot().tasks if t.id == task_id), None)
        if task is not None:
            payload["task_title"] = task.title
        return self._commit(C.MANUAL, payload)

    # ================================================================== attendance ========
    def check_in(self, work_mode: str = "office") -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            payload = C.check_in_payload(work_mode, self._now())
        except C.CommandError as exc:
            return self._failed(str(exc))
        return self._commit(C.CHECK_IN, payload)

    def check_out(
        self,
        early_reason: str | None = None,
        after_shift_reason: str | None = None,
        after_shift_note: str | None = None,
    ) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        payload = C.check_out_payload(
            self._now(), early_reason, after_shift_reason, after_shift_note
        )
        return self._commit(C.CHECK_OUT, payload)

    def start_break(self, break_type: str, note: str | None = None) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            payload = C.break_start_payload(break_type, note, self._now())
        except C.CommandError as exc:
            return self._failed(str(exc))
        return self._commit(C.BREAK_START, payload)

    def end_break(self) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        return self._commit(C.BREAK_END, {"at": to_wire(self._now())})

    # ================================================================== sync / outbox =====
    def sync_now(self) -> Future[CommandResult]:
        return self.worker.submit(self.jobs.sync_now)

    def refresh_tasks(self) -> Future[CommandResult]:
        return self.worker.submit(self.jobs.refresh_tasks)

    def logs(self, since: datetime) -> Future[list[LogEntry]]:
        return self.worker.submit(lambda: self.jobs.logs(since))

    def outbox(self, include_done: bool = False) -> list[OutboxEntry]:
        states = None if include_done else ("pending", "in_flight", "parked")
        snap = self.snapshot()
        titles = {t.id: t.title for t in snap.tasks}
        server, email = self._account()
        out: list[OutboxEntry] = []
        for i in self._store().items(states):
            summary = C.summary(i.kind, i.payload, titles)
            if i.state == "pending":
                note = account.waiting_note(i.payload, server, email, snap.signed_in)
                if note:
                    summary = f"{summary} ({note})"
            out.append(
                OutboxEntry(
                    id=i.id,
                    kind=i.kind,
                    state=i.state,
                    payload=i.payload,
                    attempts=i.attempts,
                    last_error=i.last_error,
                    created_at=i.created_at,
                    summary=summary,
                )
            )
        return out

    def retry_parked(
        self, item_id: str, payload: dict[str, Any] | None = None
    ) -> Future[CommandResult]:
        store = self._store()
        item = store.get(item_id)
        if item is None or item.state != "parked":
            return self._failed("No parked item with that id.")
        if payload is not None:
            kept = (
                {account.ACCOUNT_KEY: item.payload[account.ACCOUNT_KEY]}
                if (account.ACCOUNT_KEY in item.payload and account.ACCOUNT_KEY not in payload)
                else {}
            )
            store.edit(item_id, {**payload, **kept})
        store.unpark(item_id)
        fut = self.waiters.add(item_id)
        self.jobs.schedule("drain", 0)
        return fut

    def discard_parked(self, item_id: str) -> Future[CommandResult]:
        store = self._store()
        item = store.get(item_id)
        if item is None or item.state not in ("parked", "pending"):
            return self._failed("No parked item with that id.")
        store.discard(item_id)
        self.worker.later(self._refresh_view)
        return _done(CommandResult("done", "Discarded", item_id=item_id))
