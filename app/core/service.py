"""``Core``: the CoreFacade the tray and the CLI talk to.

Facade methods run on the caller's thread only long enough to validate and commit the command
to the outbox (or to the local timer journal); everything that touches the network runs as a
job on the one worker thread of an APScheduler ``BackgroundScheduler``, next to the polls and
the drains, so nothing ever runs in parallel with a drain. Outcomes come back through Futures;
snapshots and notices through the subscribed callbacks, on the worker thread.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import filelock
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from app.api import ApiClient, TokenStore, errors, models
from app.api.timeutil import parse_datetime, to_wire
from app.config import Settings
from app.core import commands as C
from app.core import local_timer
from app.core.backoff import Backoff, jittered
from app.core.clock import Clock, ShiftDetector, SystemClock
from app.core.facade import CommandResult, LogEntry, OutboxEntry
from app.core.snapshot import Notice, Snapshot
from app.core.syncer import DrainReport, Syncer
from app.core.tracker import Tracker, transition_notices
from offline_queue import CorruptStoreReset, Store

logger = logging.getLogger(__name__)

T = TypeVar("T")
SESSION_KEY = "session"
TICK_SECONDS = 10.0
AUTH_LOCK = "auth.lock"
DRAIN_LOCK = "drain.lock"


class _CallableClock:
    def __init__(self, fn: Callable[[], datetime]) -> None:
        self._fn = fn
        self._sys = SystemClock()

    def now(self) -> datetime:
        return self._fn()

    def elapsed(self) -> float:
        return self._sys.elapsed()


def _done(result: T) -> Future[T]:
    fut: Future[T] = Future()
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
        self._scheduler: BackgroundScheduler | None = None
        self._snap_cbs: list[Callable[[Snapshot], None]] = []
        self._notice_cbs: list[Callable[[Notice], None]] = []
        self._waiters: dict[str, Future[CommandResult]] = {}
        self._waiter_lock = threading.Lock()
        self._poll_backoff = Backoff(base=settings.poll_interval_seconds, cap=120.0)
        self._polling = False
        self._last_tasks_at: datetime | None = None
        self._sign_in_noticed = False
        self._notified: set[str] = set()
        self._idle_since: datetime | None = None
        self._drain_lock = filelock.FileLock(str(self.data_dir / DRAIN_LOCK))
        self._detector: ShiftDetector | None = None
        self._started = False

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
        self._load_cache()
        self._restore_session()
        self._detector = ShiftDetector(self.clock, tick_seconds=TICK_SECONDS)
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            # Many instances may wait: the single thread runs them one after the other, and a
            # drain asked for while one runs must not be dropped.
            job_defaults={"coalesce": True, "max_instances": 100, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._scheduler = scheduler
        scheduler.start()
        self._started = True
        self._polling = poll
        for event in store.events:
            if isinstance(event, CorruptStoreReset):
                self._later(
                    lambda ev=event: self._emit_notice(  # type: ignore[misc]
                        Notice("store_reset", "Local queue reset", ev.message, "sync")
                    )
                )
        self.syncer.reload_local()
        self.tracker.publish()
        if poll:
            self._schedule("poll", 0)
            self._schedule("tasks", 0)
            scheduler.add_job(self._guard(self._tick), "interval", seconds=TICK_SECONDS, id="tick")

    def shutdown(self) -> None:
        if self._scheduler is not None and self._started:
            # Let queued jobs finish, then stop the scheduler's loop before tearing it down:
            # shutting down while its thread is between "submit" and "remove" of a one-off
            # job makes APScheduler print a JobLookupError traceback.
            with contextlib.suppress(Exception):
                self._submit(lambda: None).result(timeout=30)
            self._started = False
            with contextlib.suppress(Exception):
                self._scheduler.pause()
                time.sleep(0.05)
                self._scheduler.shutdown(wait=True)
        with self._waiter_lock:
            waiters, self._waiters = self._waiters, {}
        for fut in waiters.values():
            if not fut.done():
                fut.set_result(CommandResult("queued", "Saved; it will sync next time."))
        if self.syncer is not None and self.syncer.api is not None:
            self.syncer.api.close()
        if self.store is not None:
            self.store.close()

    # ================================================================== plumbing ==========
    def _guard(self, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception:
                logger.exception("worker job %s failed", getattr(fn, "__name__", fn))

        return run

    def _later(self, fn: Callable[[], None]) -> None:
        if self._scheduler is not None and self._started:
            self._scheduler.add_job(self._guard(fn), "date", run_date=None)

    def _submit(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()

        def job() -> None:
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(fn())
            except BaseException as exc:
                logger.exception("command job failed")
                fut.set_exception(exc)

        if self._scheduler is None or not self._started:
            fut.set_exception(RuntimeError("the core is not started"))
            return fut
        self._scheduler.add_job(job, "date", run_date=None)
        return fut

    def _schedule(self, name: str, delay: float) -> None:
        """(Re)schedule one of the named jobs (poll, drain, tasks) ``delay`` seconds from now."""
        if self._scheduler is None or not self._started:
            return
        fn = {"poll": self._job_poll, "drain": self._job_drain, "tasks": self._job_tasks}[name]
        run = datetime.now(UTC) + timedelta(seconds=max(0.0, delay))
        with contextlib.suppress(Exception):
            self._scheduler.add_job(
                self._guard(fn), "date", run_date=run, id=name, replace_existing=True
            )

    def subscribe(
        self, on_snapshot: Callable[[Snapshot], None], on_notice: Callable[[Notice], None]
    ) -> None:
        self._snap_cbs.append(on_snapshot)
        self._notice_cbs.append(on_notice)

    def snapshot(self) -> Snapshot:
        return self.tracker.snapshot()

    def _emit_notice(self, notice: Notice) -> None:
        logger.info("notice %s: %s", notice.kind, notice.message)
        for cb in list(self._notice_cbs):
            try:
                cb(notice)
            except Exception:
                logger.exception("notice callback failed")

    def _publish(self) -> None:
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
        assert self.syncer is not None
        self.syncer.reload_local()
        self._publish()

    # ================================================================== cache / session ====
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

    def _session_info(self) -> dict[str, Any]:
        cached = self._store().cache_get(SESSION_KEY)
        return dict(cached.value) if cached is not None and isinstance(cached.value, dict) else {}

    def server_url(self) -> str | None:
        return self.settings.server_url or self._session_info().get("server_url")

    def _make_api(self, server_url: str, email: str | None) -> ApiClient:
        tokens = TokenStore(server_url, email, lock_path=self.data_dir / AUTH_LOCK)
        return ApiClient(server_url, token_store=tokens, ca_bundle=self.settings.ca_bundle)

    def _restore_session(self) -> None:
        info = self._session_info()
        server = self.server_url()
        email = info.get("email")
        self.tracker.set_session(
            signed_in=False, email=email, server_url=server, user_name=info.get("user_name")
        )
        if not server:
            return
        try:
            api = self._make_api(server, email)
        except ValueError as exc:
            logger.warning("cannot create the API client: %s", exc)
            return
        assert self.syncer is not None
        self.syncer.api = api
        if (
            not info.get("server_url") or info.get("server_url") == api.server_url
        ) and api.restore_session(email):
            self.tracker.set_session(
                signed_in=True,
                email=api.email,
                server_url=api.server_url,
                user_name=info.get("user_name"),
            )

    def _store(self) -> Store:
        if self.store is None:
            raise RuntimeError("the core is not started")
        return self.store

    def _sign_in_lost(self) -> None:
        self.tracker.set_session(signed_in=False)
        if not self._sign_in_noticed:
            self._sign_in_noticed = True
            pending = self._store().counts().get("pending", 0)
            kept = f" Your {pending} unsent item(s) are kept." if pending else ""
            self._emit_notice(
                Notice(
                    "sign_in_needed",
                    "Sign in again",
                    f"Your session has ended; please sign in again.{kept}",
                    "sign_in",
                )
            )

    # ================================================================== jobs ==============
    def _job_poll(self) -> None:
        syncer = self.syncer
        assert syncer is not None
        was_online = self.tracker.online
        delay = jittered(float(self.settings.poll_interval_seconds))
        try:
            syncer.reload_local()
            syncer.poll()
        except errors.SignInNeeded:
            self._sign_in_lost()
            self._publish()
            return
        except errors.Unreachable as exc:
            self.tracker.set_sync(online=False, last_error=exc.user_message)
            delay = self._poll_backoff.next_delay()
        except errors.ApiError as exc:
            retry = exc.retry_after if isinstance(exc, errors.RateLimited) else None
            self.tracker.set_sync(online=True, last_error=exc.user_message)
            delay = self._poll_backoff.next_delay(retry)
        else:
            self._poll_backoff.reset()
            self.tracker.set_sync(online=True, last_success_at=self._now())
            self._cache_offset()
            if not was_online:
                syncer.backoff.reset()
                self.tracker.set_sync(next_retry_at=None)
            self._apply_auto()
            counts = self._store().counts()
            if counts.get("pending", 0) or counts.get("in_flight", 0):
                self._run_drain(poll_after=False)
        self._publish()
        if self._polling:
            self._schedule("poll", delay)

    def _cache_offset(self) -> None:
        store = self._store()
        state = store.cache_get("server_state")
        if state is not None and isinstance(state.value, dict):
            value = dict(state.value, offset=self.tracker.offset.total_seconds())
            store.cache_put("server_state", value)

    def _apply_auto(self) -> None:
        """Carry out the Tracker's automatic pause/resume decision, once per poll."""
        assert self.syncer is not None
        self.syncer.reload_local()  # decide on the outbox as it is now, not before the drain
        action = self.tracker.decide()
        if action is None:
            return
        timer, _ = self.tracker.effective()
        assert timer is not None
        store = self._store()
        now = self._now()
        logger.info(
            "automatic %s (%s) of the timer on %s", action.action, action.reason, timer.task_id
        )
        if timer.source == "local":
            meta, _local = local_timer.load(store)
            if meta is None:
                return
            if action.action == "pause":
                local_timer.pause(store, meta, now, action.reason)
            else:
                local_timer.resume(store, meta, now)
        else:
            server = self.tracker.server_timer
            kind = C.PAUSE if action.action == "pause" else C.RESUME
            payload = C.timer_payload(
                kind,
                timer.task_id,
                now,
                auto_reason=action.reason if kind == C.PAUSE else None,
                timer_id=server.id if server else None,
            )
            store.enqueue(kind, payload)
        assert self.syncer is not None
        self.syncer.reload_local()

    def _job_drain(self) -> None:
        self._run_drain(poll_after=True)
        self._publish()

    def _run_drain(self, *, poll_after: bool) -> DrainReport:
        syncer = self.syncer
        assert syncer is not None
        syncer.reload_local()
        self._publish()
        report = DrainReport()
        try:
            self._drain_lock.acquire(timeout=30 if self.role == "cli" else 0.5)
        except filelock.Timeout:
            logger.info("another Timetray process is sending the queue; trying again soon")
            self._schedule("drain", 5.0)
            self._settle_waiters(report)
            return report
        try:
            report = syncer.drain()
        finally:
            self._drain_lock.release()
        results = dict(report.results)
        for result in results.values():
            if result.status == "rejected":
                self._emit_notice(
                    Notice("parked", "Not accepted by the server", result.message, "sync")
                )
        if report.sign_in_needed:
            self._sign_in_lost()
        if report.transient is not None:
            exc = report.transient
            offline = isinstance(exc, errors.Unreachable)
            delay = report.retry_in or 5.0
            self.tracker.set_sync(
                online=not offline,
                last_error=exc.user_message,
                next_retry_at=self._now() + timedelta(seconds=delay),
            )
            self._schedule("drain", delay)
        elif report.worked:
            self.tracker.set_sync(
                online=True, last_error=None, last_success_at=self._now(), next_retry_at=None
            )
        if report.worked and report.transient is None and poll_after:
            try:
                syncer.poll()
                self._apply_auto()
                self._cache_offset()
                if self._store().counts().get("pending", 0):
                    results.update(syncer.drain().results)
            except errors.SignInNeeded:
                self._sign_in_lost()
            except errors.ApiError as exc:
                logger.info("poll after a command failed: %s", exc.user_message)
        syncer.reload_local()
        self._publish()
        for item_id, result in results.items():
            self._resolve(item_id, result)
        self._settle_waiters(report)
        return report

    def _settle_waiters(self, report: DrainReport) -> None:
        """Every caller still waiting learns its command is safe and will sync."""
        with self._waiter_lock:
            waiting = list(self._waiters.items())
        store = self._store()
        stopped = report.transient is not None or report.sign_in_needed
        due = store.next_due_at()
        if not stopped and due is not None and due <= self._now():
            # More arrived while this drain ran: the drain already scheduled will answer them.
            waiting = [
                (i, f)
                for i, f in waiting
                if (it := store.get(i)) is not None and it.state in ("done", "parked")
            ]
        for item_id, _fut in waiting:
            item = store.get(item_id)
            if item is None:
                self._resolve(item_id, CommandResult("queued", "Saved on this computer."))
                continue
            if item.state == "done":
                self._resolve(
                    item_id, CommandResult("done", "Done", item_id=item_id, data=item.result or {})
                )
            elif item.state == "parked":
                self._resolve(
                    item_id,
                    CommandResult(
                        "rejected",
                        item.last_error or "",
                        item_id=item_id,
                        http_status=item.last_status,
                    ),
                )
            elif report.sign_in_needed or not self.tracker.snapshot().signed_in:
                self._resolve(
                    item_id,
                    CommandResult(
                        "sign_in_needed",
                        "Saved on this computer; sign in again and it will sync.",
                        item_id=item_id,
                    ),
                )
            else:
                why = report.transient.user_message if report.transient else "The server is busy."
                self._resolve(
                    item_id,
                    CommandResult(
                        "queued",
                        "Saved on this computer; it will sync when the server is reachable. "
                        f"({why})",
                        item_id=item_id,
                    ),
                )
                if item.kind == C.MANUAL:
                    self._emit_notice(
                        Notice(
                            "queued",
                            "Saved offline",
                            "Your manual entry is saved on this computer and will sync.",
                            "sync",
                        )
                    )

    def _resolve(self, item_id: str, result: CommandResult) -> None:
        with self._waiter_lock:
            fut = self._waiters.pop(item_id, None)
        if fut is not None and not fut.done():
            fut.set_result(result)

    def _job_tasks(self) -> None:
        syncer = self.syncer
        assert syncer is not None
        try:
            syncer.refresh_tasks()
            self._last_tasks_at = self._now()
            self._update_today()
        except errors.SignInNeeded:
            self._sign_in_lost()
        except errors.ApiError as exc:
            logger.info("task refresh failed: %s", exc.user_message)
        self._publish()
        if self._polling:
            self._schedule("tasks", jittered(float(self.settings.tasks_refresh_seconds), 0.1))

    def _update_today(self) -> None:
        assert self.syncer is not None and self.syncer.api is not None
        start = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        total = 0.0
        for log in self.syncer.api.my_logs():
            if log.started_at >= start:
                total += log.duration_minutes * 60.0
        for item in self._store().items(("pending", "in_flight")):
            if item.kind == C.MANUAL:
                s = parse_datetime(item.payload.get("started_at"))
                e = parse_datetime(item.payload.get("ended_at"))
                if s and e and s >= start:
                    total += (e - s).total_seconds()
        self.tracker.set_today_logged(total)

    def _tick(self) -> None:
        """Every few seconds: heartbeat the local timer, notice sleep and clock jumps, remind."""
        store = self._store()
        assert self._detector is not None and self.syncer is not None
        previous_wall = self._detector.last_wall
        shift = self._detector.check()
        now = self._now()
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
            self._schedule("poll", 0)
        if not self.tracker.online and self.tracker.snapshot().signed_in and self._probe():
            self._schedule("poll", 0)
        self.syncer.reload_local()
        self._publish()
        self._reminders(now)

    def _probe(self) -> bool:
        """A cheap TCP connect to the server: has the network come back?"""
        url = self.server_url()
        if not url:
            return False
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "", port), timeout=1.0):
                return True
        except OSError:
            return False

    def _reminders(self, now: datetime) -> None:
        snap = self.tracker.snapshot()
        timer = snap.timer
        hours = self.settings.long_timer_hours
        if timer is not None and timer.state == "running" and hours > 0:
            key = f"long:{timer.task_id}:{timer.started_at.isoformat()}"
            if timer.elapsed_seconds(now) > hours * 3600 and key not in self._notified:
                self._notified.add(key)
                self._emit_notice(
                    Notice(
                        "long_timer",
                        "Timer still running",
                        f"Your timer on {timer.task_title} has run for more than {hours:g} hours. "
                        "Did you forget to stop it?",
                        "menu",
                    )
                )
        minutes = self.settings.idle_reminder_minutes
        idle = snap.attendance.checked_in and not snap.attendance.on_break and timer is None
        if not idle:
            self._idle_since = None
            return
        if self._idle_since is None:
            self._idle_since = now
        if minutes > 0 and now - self._idle_since >= timedelta(minutes=minutes):
            key = f"idle:{self._idle_since.isoformat()}"
            if key not in self._notified:
                self._notified.add(key)
                self._emit_notice(
                    Notice(
                        "idle_reminder",
                        "No timer running",
                        f"You are checked in but no timer has run for {minutes} minutes.",
                        "menu",
                    )
                )

    # ================================================================== commands ==========
    def _enqueue(self, kind: str, payload: dict[str, Any]) -> Future[CommandResult]:
        """Commit first, then hand the send to the worker."""
        item = self._store().enqueue(kind, payload)
        fut: Future[CommandResult] = Future()
        with self._waiter_lock:
            self._waiters[item.id] = fut
        self._schedule("drain", 0)
        return fut

    def _failed(self, message: str) -> Future[CommandResult]:
        return _done(CommandResult("failed", message))

    def _needs_session(self) -> Future[CommandResult] | None:
        if self.syncer is None or self.syncer.api is None:
            return _done(CommandResult("sign_in_needed", "Please sign in first."))
        return None

    def login(self, server_url: str, email: str, password: str) -> Future[CommandResult]:
        def job() -> CommandResult:
            assert self.syncer is not None
            try:
                api = self._make_api(server_url, email)
            except ValueError as exc:
                return CommandResult("failed", str(exc))
            try:
                user = api.login(email, password)
            except errors.Rejected as exc:
                api.close()
                return CommandResult("rejected", exc.user_message, http_status=exc.status)
            except errors.RateLimited as exc:
                api.close()
                return CommandResult("rejected", exc.user_message, http_status=429)
            except errors.ApiError as exc:
                api.close()
                return CommandResult("failed", exc.user_message)
            old = self.syncer.api
            self.syncer.api = api
            if old is not None:
                old.close()
            self._store().cache_put(
                SESSION_KEY,
                {"server_url": api.server_url, "email": api.email, "user_name": user.full_name},
            )
            self._sign_in_noticed = False
            self.tracker.set_session(
                signed_in=True, user_name=user.full_name, email=api.email, server_url=api.server_url
            )
            self.tracker.set_sync(online=True, last_success_at=self._now(), last_error=None)
            warning = api.token_store.warning
            with contextlib.suppress(errors.ApiError):
                self.syncer.poll()
                self.syncer.refresh_tasks()
            self._run_drain(poll_after=False)
            self._publish()
            message = f"Signed in as {user.full_name}"
            if warning:
                message += f". {warning}"
            return CommandResult("done", message, data={"user": user.full_name, "email": api.email})

        return self._submit(job)

    def logout(self) -> Future[CommandResult]:
        def job() -> CommandResult:
            assert self.syncer is not None
            api = self.syncer.api
            if api is not None:
                api.logout()
            info = self._session_info()
            self._store().cache_put(SESSION_KEY, {**info, "signed_out": True})
            self.tracker.set_session(signed_in=False)
            self._publish()
            return CommandResult("done", "Signed out")

        return self._submit(job)

    # ---- timer -----------------------------------------------------------------------------
    def _task_titles(self, task_id: str) -> tuple[str, str | None]:
        task = self.tracker.task(task_id)
        return (task.title, task.project_title) if task else ("", None)

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
        task = self.tracker.task(task_id)
        if task is not None and task.start_block_reason:
            return self._failed(task.start_block_reason)
        store = self._store()
        now = self._now()
        title, project = self._task_titles(task_id)
        item_id = str(uuid.uuid4())
        # The local measurement begins at the press; it is dropped once the server has the timer.
        local_timer.begin(store, task_id, title, project, now, item_id)
        payload = C.timer_payload(C.START, task_id, now)
        store.enqueue(C.START, payload, item_id=item_id)
        fut: Future[CommandResult] = Future()
        with self._waiter_lock:
            self._waiters[item_id] = fut
        self._schedule("drain", 0)
        return fut

    def _local_meta(self) -> dict[str, Any] | None:
        meta, local = local_timer.load(self._store())
        return meta if local is not None else None

    def pause(self) -> Future[CommandResult]:
        return self._pause(None)

    def _pause(self, auto_reason: str | None) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        snap = self.snapshot()
        timer = snap.timer
        if timer is None:
            return self._failed("No timer is running.")
        if timer.state == "paused":
            return _done(CommandResult("done", "The timer is already paused."))
        if timer.source == "local":
            meta = self._local_meta()
            if meta is not None:
                local_timer.pause(self._store(), meta, self._now(), auto_reason or "manual_pause")
                self._later(self._refresh_view)
                return _done(CommandResult("done", "Timer paused (measured on this computer)."))
        server = self.tracker.server_timer
        payload = C.timer_payload(
            C.PAUSE, timer.task_id, self._now(), timer_id=server.id if server else None
        )
        return self._enqueue(C.PAUSE, payload)

    def resume(self) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        timer = self.snapshot().timer
        if timer is None:
            return self._failed("No timer to resume.")
        if timer.state == "running":
            return _done(CommandResult("done", "The timer is already running."))
        if timer.source == "local":
            meta = self._local_meta()
            if meta is not None:
                local_timer.resume(self._store(), meta, self._now())
                self._later(self._refresh_view)
                return _done(CommandResult("done", "Timer resumed (measured on this computer)."))
        snap = self.snapshot()
        if snap.attendance.known and not snap.attendance.checked_in:
            return self._failed("You must check in before resuming a task.")
        return self._enqueue(C.RESUME, C.timer_payload(C.RESUME, timer.task_id, self._now()))

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
        now = self._now()
        store = self._store()
        if timer.source == "local":
            meta = self._local_meta()
            if meta is not None:
                meta = local_timer.mark_stopped(store, meta, now, notes)
                if meta.get("start_item"):
                    # The start's fate is still unknown: settled when it is sent.
                    self._schedule("drain", 0)
                    return _done(CommandResult("queued", "Timer stopped; it will sync."))
                ids = local_timer.finalize(store, meta, now)
                if not ids:
                    self._later(self._refresh_view)
                    return _done(
                        CommandResult("done", "Timer stopped (under a second, nothing to log).")
                    )
                fut: Future[CommandResult] = Future()
                with self._waiter_lock:
                    self._waiters[ids[-1]] = fut
                self._schedule("drain", 0)
                return fut
        server = self.tracker.server_timer
        payload = C.timer_payload(
            C.STOP, timer.task_id, now, notes=notes, timer_id=server.id if server else None
        )
        return self._enqueue(C.STOP, payload)

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
            self._later(lambda: self._chain(self.start(task_id), out))

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
        title, _ = self._task_titles(task_id)
        if title:
            payload["task_title"] = title
        return self._enqueue(C.MANUAL, payload)

    # ---- attendance -------------------------------------------------------------------------
    def _mirror_local(self, pause_reason: str | None, resume_reasons: tuple[str, ...]) -> None:
        """A local timer follows the server's attendance rules too."""
        meta = self._local_meta()
        if meta is None:
            return
        _, local = local_timer.load(self._store())
        if local is None:
            return
        if pause_reason and local.running_since is not None:
            local_timer.pause(self._store(), meta, self._now(), pause_reason)
        elif (
            resume_reasons
            and local.running_since is None
            and local.pause_reason in resume_reasons
            and self.settings.auto_resume
        ):
            local_timer.resume(self._store(), meta, self._now())

    def check_in(self, work_mode: str = "office") -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            payload = C.check_in_payload(work_mode, self._now())
        except C.CommandError as exc:
            return self._failed(str(exc))
        fut = self._enqueue(C.CHECK_IN, payload)
        self._mirror_local(None, ("attendance_checkout",))
        return fut

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
        fut = self._enqueue(C.CHECK_OUT, payload)
        self._mirror_local("attendance_checkout", ())
        return fut

    def start_break(self, break_type: str, note: str | None = None) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        try:
            payload = C.break_start_payload(break_type, note, self._now())
        except C.CommandError as exc:
            return self._failed(str(exc))
        fut = self._enqueue(C.BREAK_START, payload)
        self._mirror_local("break_started", ())
        return fut

    def end_break(self) -> Future[CommandResult]:
        if (blocked := self._needs_session()) is not None:
            return blocked
        fut = self._enqueue(C.BREAK_END, {"at": to_wire(self._now())})
        self._mirror_local(None, ("break_started",))
        return fut

    # ---- sync and outbox --------------------------------------------------------------------
    def sync_now(self) -> Future[CommandResult]:
        def job() -> CommandResult:
            assert self.syncer is not None
            if self.syncer.api is None or not self.tracker.snapshot().signed_in:
                self._refresh_view()
                return CommandResult("sign_in_needed", "Please sign in first.")
            self.syncer.backoff.reset()
            report = self._run_drain(poll_after=False)
            if report.sign_in_needed:
                self._publish()
                return CommandResult(
                    "sign_in_needed", "Your session has ended; please sign in again."
                )
            try:
                self.syncer.poll()
                self.tracker.set_sync(online=True, last_success_at=self._now())
                self._cache_offset()
                self._apply_auto()
                if self._store().counts().get("pending", 0) and report.transient is None:
                    report = self._run_drain(poll_after=False)
            except errors.SignInNeeded:
                self._sign_in_lost()
                self._publish()
                return CommandResult(
                    "sign_in_needed", "Your session has ended; please sign in again."
                )
            except errors.Unreachable as exc:
                self.tracker.set_sync(online=False, last_error=exc.user_message)
            except errors.ApiError as exc:
                self.tracker.set_sync(last_error=exc.user_message)
            self._publish()
            counts = self._store().counts()
            data = {
                "pending": counts.get("pending", 0) + counts.get("in_flight", 0),
                "parked": counts.get("parked", 0),
                "sent": len(report.results),
            }
            if report.transient is not None or not self.tracker.online:
                why = report.transient.user_message if report.transient else "server unreachable"
                return CommandResult("queued", f"Not everything could be sent: {why}", data=data)
            return CommandResult("done", f"Synced {len(report.results)} item(s).", data=data)

        return self._submit(job)

    def refresh_tasks(self) -> Future[CommandResult]:
        def job() -> CommandResult:
            assert self.syncer is not None
            try:
                tasks = self.syncer.refresh_tasks()
            except errors.SignInNeeded:
                self._sign_in_lost()
                return CommandResult("sign_in_needed", "Please sign in again.")
            except errors.ApiError as exc:
                return CommandResult("failed", exc.user_message)
            finally:
                self._publish()
            return CommandResult("done", f"{len(tasks)} task(s)")

        return self._submit(job)

    def outbox(self, include_done: bool = False) -> list[OutboxEntry]:
        states = None if include_done else ("pending", "in_flight", "parked")
        titles = {t.id: t.title for t in self.tracker.tasks}
        return [
            OutboxEntry(
                id=i.id,
                kind=i.kind,
                state=i.state,
                payload=i.payload,
                attempts=i.attempts,
                last_error=i.last_error,
                created_at=i.created_at,
                summary=C.summary(i.kind, i.payload, titles),
            )
            for i in self._store().items(states)
        ]

    def retry_parked(
        self, item_id: str, payload: dict[str, Any] | None = None
    ) -> Future[CommandResult]:
        store = self._store()
        item = store.get(item_id)
        if item is None or item.state != "parked":
            return self._failed("No parked item with that id.")
        if payload is not None:
            store.edit(item_id, payload)
        store.unpark(item_id)
        fut: Future[CommandResult] = Future()
        with self._waiter_lock:
            self._waiters[item_id] = fut
        self._schedule("drain", 0)
        return fut

    def discard_parked(self, item_id: str) -> Future[CommandResult]:
        store = self._store()
        item = store.get(item_id)
        if item is None or item.state not in ("parked", "pending"):
            return self._failed("No parked item with that id.")
        store.discard(item_id)
        self._later(self._refresh_view)
        return _done(CommandResult("done", "Discarded", item_id=item_id))

    def logs(self, since: datetime) -> Future[list[LogEntry]]:
        def job() -> list[LogEntry]:
            assert self.syncer is not None
            out: list[LogEntry] = []
            if self.syncer.api is not None:
                try:
                    for log in self.syncer.api.my_logs():
                        if log.started_at >= since and log.ended_at is not None:
                            out.append(
                                LogEntry(
                                    task_id=log.task_id,
                                    task_title=log.task_title,
                                    started_at=log.started_at,
                                    ended_at=log.ended_at,
                                    duration_minutes=log.duration_minutes,
                                    notes=log.notes,
                                    source="manual" if log.source_type == "manual" else "timer",
                                    pending=False,
                                )
                            )
                except errors.ApiError as exc:
                    logger.info("could not fetch logs: %s", exc.user_message)
            for item in self._store().items(("pending", "in_flight", "parked")):
                if item.kind != C.MANUAL:
                    continue
                s = parse_datetime(item.payload.get("started_at"))
                e = parse_datetime(item.payload.get("ended_at"))
                if s is None or e is None or s < since:
                    continue
                tid = str(item.payload.get("task_id"))
                out.append(
                    LogEntry(
                        task_id=tid,
                        task_title=str(
                            item.payload.get("task_title") or self.tracker.task_title(tid)
                        ),
                        started_at=s,
                        ended_at=e,
                        duration_minutes=int((e - s).total_seconds() // 60),
                        notes=item.payload.get("notes"),
                        source="manual",
                        pending=True,
                    )
                )
            out.sort(key=lambda entry: entry.started_at, reverse=True)
            return out

        return self._submit(job)
