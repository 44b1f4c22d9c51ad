"""The worker's jobs: drain, poll, task refresh and the tick, plus the bodies of the facade
calls that need the network (sync now, task refresh, logs).

Everything here runs on the one worker thread (:mod:`app.core.worker`), so it may change the
Tracker and the local timer freely; it publishes a snapshot after every change.
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import filelock

from app.api import errors
from app.api.timeutil import parse_datetime
from app.core import commands as C
from app.core import local_timer
from app.core.backoff import Backoff, jittered
from app.core.effects import Outcome
from app.core.facade import CommandResult, LogEntry
from app.core.snapshot import Notice
from app.core.syncer import DrainReport

if TYPE_CHECKING:
    from app.core.service import Core

logger = logging.getLogger(__name__)

DRAIN_LOCK = "drain.lock"


def _late_timer_text(kind: str, payload: dict[str, object]) -> str | None:
    """What the user must know about a pause or stop of a server timer that waits offline:
    the server applies it only when it arrives and cannot be told the real time."""
    at = C.at_of(payload)
    if at is None or not payload.get("timer_id"):
        return None
    stamp = at.astimezone().strftime("%H:%M:%S")
    if kind == C.STOP:
        return (
            f"Stopped at {stamp}: the server can only stop the timer when this reaches it, "
            "so the log's notes will record the time you stopped."
        )
    if kind == C.PAUSE:
        return f"Paused at {stamp} here; the server pauses its timer only when this reaches it."
    return None


# Rounds of "poll, then send what arrived meanwhile" after one drain, before the worker moves on.
MAX_FOLLOW_UPS = 5


class Jobs:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.poll_backoff = Backoff(base=core.settings.poll_interval_seconds, cap=120.0)
        self.drain_lock = filelock.FileLock(str(core.data_dir / DRAIN_LOCK))
        self.blocked = False  # the last drain stopped on a transient error or a lost session

    # ---- scheduling helpers ----------------------------------------------------------------
    def schedule(self, name: str, delay: float) -> None:
        fn = {
            "poll": self.poll,
            "drain": self.drain,
            "tasks": self.tasks,
            "apply": self.apply_local,
        }[name]
        self.core.worker.schedule(name, fn, delay)

    # ---- poll ------------------------------------------------------------------------------
    def poll(self) -> None:
        core = self.core
        syncer = core.syncer
        assert syncer is not None
        was_online = core.tracker.online
        delay = jittered(float(core.settings.poll_interval_seconds))
        try:
            syncer.reload_local()
            syncer.poll()
        except errors.SignInNeeded:
            core.session.lost()
            core._publish()
            return
        except errors.Unreachable as exc:
            core.tracker.set_sync(online=False, last_error=exc.user_message)
            delay = self.poll_backoff.next_delay()
        except errors.ApiError as exc:
            retry = exc.retry_after if isinstance(exc, errors.RateLimited) else None
            core.tracker.set_sync(online=True, last_error=exc.user_message)
            delay = self.poll_backoff.next_delay(retry)
        else:
            self.poll_backoff.reset()
            core.tracker.set_sync(online=True, last_success_at=core._now())
            self.cache_offset()
            if not was_online:
                syncer.backoff.reset()
                core.tracker.set_sync(next_retry_at=None)
            self.apply_auto()
            counts = core._store().counts()
            if counts.get("pending", 0) or counts.get("in_flight", 0):
                self.run_drain(poll_after=False)
        core._publish()
        if core._polling:
            self.schedule("poll", delay)

    def cache_offset(self) -> None:
        store = self.core._store()
        state = store.cache_get("server_state")
        if state is not None and isinstance(state.value, dict):
            value = dict(state.value, offset=self.core.tracker.offset.total_seconds())
            store.cache_put("server_state", value)

    def apply_auto(self) -> None:
        """Carry out the Tracker's automatic pause/resume decision, once per poll."""
        core = self.core
        assert core.syncer is not None
        core.syncer.reload_local()  # decide on the outbox as it is now, not before the drain
        action = core.tracker.decide()
        if action is None:
            return
        timer, _ = core.tracker.effective()
        assert timer is not None
        store = core._store()
        now = core._now()
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
            server = core.tracker.server_timer
            kind = C.PAUSE if action.action == "pause" else C.RESUME
            payload = C.timer_payload(
                kind,
                timer.task_id,
                now,
                auto_reason=action.reason if kind == C.PAUSE else None,
                timer_id=server.id if server else None,
            )
            core._stamped_enqueue(kind, payload)
        core.syncer.reload_local()

    # ---- drain -----------------------------------------------------------------------------
    def drain(self) -> None:
        self.run_drain(poll_after=True)
        self.core._publish()

    def apply_local(self) -> None:
        """Give pending commands their local effect now (the start of the tray, or a drain)."""
        core = self.core
        assert core.effects is not None
        try:
            self.drain_lock.acquire(timeout=0.5)
        except filelock.Timeout:
            return  # the process holding it applies them
        try:
            outcomes = core.effects.apply_pending()
        finally:
            self.drain_lock.release()
        core._refresh_view()
        self._resolve_local(outcomes)
        if self.blocked:
            # The last drain could not send (offline, signed out): no drain will answer
            # soon, so tell the callers now that their command is safe.
            self.settle_waiters(DrainReport(), force=True)

    def _resolve_local(self, outcomes: dict[str, Outcome]) -> None:
        waiters = self.core.waiters
        for item_id, outcome in outcomes.items():
            if outcome.follow is not None:
                waiters.move(item_id, outcome.follow)
            elif outcome.result is not None:
                waiters.resolve(item_id, outcome.result)

    def run_drain(self, *, poll_after: bool) -> DrainReport:
        core = self.core
        syncer = core.syncer
        assert syncer is not None and core.effects is not None
        report = DrainReport()
        try:
            self.drain_lock.acquire(timeout=30 if core.role == "cli" else 0.5)
        except filelock.Timeout:
            logger.info("another Timetray process is sending the queue; trying again soon")
            self.schedule("drain", 5.0)
            self.settle_waiters(report)
            return report
        try:
            # Local effects first, shown at once, before anything waits on the network.
            outcomes = core.effects.apply_pending()
            core._refresh_view()
            self._resolve_local(outcomes)
            report = syncer.drain(before_send=core.effects.ensure)
        finally:
            self.drain_lock.release()
        self._resolve_local(report.local)
        self.blocked = report.transient is not None or report.sign_in_needed
        results = dict(report.results)
        for result in results.values():
            if result.status == "rejected":
                core._emit_notice(
                    Notice("parked", "Not accepted by the server", result.message, "sync")
                )
        if report.sign_in_needed:
            core.session.lost()
        if report.transient is not None:
            exc = report.transient
            offline = isinstance(exc, errors.Unreachable)
            delay = report.retry_in or 5.0
            core.tracker.set_sync(
                online=not offline,
                last_error=exc.user_message,
                next_retry_at=core._now() + timedelta(seconds=delay),
            )
            self.schedule("drain", delay)
        elif report.worked:
            core.tracker.set_sync(
                online=True, last_error=None, last_success_at=core._now(), next_retry_at=None
            )
        if report.worked and report.transient is None and poll_after:
            try:
                # Poll after what was sent; commands that arrived meanwhile are sent too, and
                # polled after in turn, so the state shown follows the last command (bounded).
                for _ in range(MAX_FOLLOW_UPS):
                    syncer.poll()
                    self.apply_auto()
                    self.cache_offset()
                    if not core._store().counts().get("pending", 0):
                        break
                    more = syncer.drain(before_send=core.effects.ensure)
                    self._resolve_local(more.local)
                    results.update(more.results)
                    if not more.worked or more.transient is not None:
                        break
            except errors.SignInNeeded:
                core.session.lost()
            except errors.ApiError as exc:
                logger.info("poll after a command failed: %s", exc.user_message)
        core._refresh_view()
        for item_id, result in results.items():
            core.waiters.resolve(item_id, result)
        self.settle_waiters(report)
        return report

    def settle_waiters(self, report: DrainReport, *, force: bool = False) -> None:
        """Every caller still waiting learns its command is safe and will sync (except for
        commands whose local effect is still to come: the job applying it answers them)."""
        core = self.core
        assert core.effects is not None
        applied = core.effects.applied_seq()
        store = core._store()
        stopped = report.transient is not None or report.sign_in_needed or force
        due = store.next_due_at()
        accept = core.syncer.accepts() if core.syncer is not None else None
        items = {i: store.get(i) for i in core.waiters.ids()}
        waiting = [
            i for i, it in items.items() if it is None or it.state != "pending" or it.seq <= applied
        ]
        if not stopped and due is not None and due <= core._now():
            # More arrived while this drain ran: the drain already scheduled will answer them,
            # unless they wait for another account (nothing will answer those soon).
            waiting = [
                i
                for i in waiting
                if (it := items[i]) is not None
                and (it.state in ("done", "parked") or (accept is not None and not accept(it)))
            ]
        for item_id in waiting:
            item = items[item_id]
            if item is None:
                core.waiters.resolve(item_id, CommandResult("queued", "Saved on this computer."))
                continue
            result = item.result or {}
            if item.state == "done" and "failed" in result:
                core.waiters.resolve(
                    item_id, CommandResult("failed", str(result["failed"]), item_id=item_id)
                )
            elif item.state == "done":
                core.waiters.resolve(
                    item_id, CommandResult("done", "Done", item_id=item_id, data=result)
                )
            elif item.state == "parked":
                core.waiters.resolve(
                    item_id,
                    CommandResult(
                        "rejected",
                        item.last_error or "",
                        item_id=item_id,
                        http_status=item.last_status,
                    ),
                )
            elif report.sign_in_needed or not core.tracker.snapshot().signed_in:
                core.waiters.resolve(
                    item_id,
                    CommandResult(
                        "sign_in_needed",
                        "Saved on this computer; sign in again and it will sync.",
                        item_id=item_id,
                    ),
                )
            else:
                if report.transient is not None:
                    why = report.transient.user_message
                elif not core.tracker.online:
                    why = "The server cannot be reached right now."
                else:
                    why = "The server is busy."
                if accept is not None and not accept(item):
                    why = "It belongs to another account and waits for it to sign in."
                message = (
                    f"Saved on this computer; it will sync when the server is reachable. ({why})"
                )
                late = _late_timer_text(item.kind, item.payload)
                if late:
                    message = f"{message} {late}"
                core.waiters.resolve(item_id, CommandResult("queued", message, item_id=item_id))
                if item.kind == C.STOP and late:
                    core._emit_notice(Notice("queued", "Stop saved offline", late, "sync"))
                if item.kind == C.MANUAL:
                    core._emit_notice(
                        Notice(
                            "queued",
                            "Saved offline",
                            "Your manual entry is saved on this computer and will sync.",
                            "sync",
                        )
                    )

    # ---- tasks -----------------------------------------------------------------------------
    def tasks(self) -> None:
        core = self.core
        syncer = core.syncer
        assert syncer is not None
        try:
            syncer.refresh_tasks()
            self.update_today()
        except errors.SignInNeeded:
            core.session.lost()
        except errors.ApiError as exc:
            logger.info("task refresh failed: %s", exc.user_message)
        core._publish()
        if core._polling:
            self.schedule("tasks", jittered(float(core.settings.tasks_refresh_seconds), 0.1))

    def update_today(self) -> None:
        core = self.core
        assert core.syncer is not None and core.syncer.api is not None
        start = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        total = 0.0
        for log in core.syncer.api.my_logs():
            if log.started_at >= start:
                total += log.duration_minutes * 60.0
        for item in core._store().items(("pending", "in_flight")):
            if item.kind == C.MANUAL:
                s = parse_datetime(item.payload.get("started_at"))
                e = parse_datetime(item.payload.get("ended_at"))
                if s and e and s >= start:
                    total += (e - s).total_seconds()
        core.tracker.set_today_logged(total)

    # ---- tick ------------------------------------------------------------------------------
    def tick(self) -> None:
        """Every few seconds: heartbeat the local timer, notice sleep and clock jumps, remind."""
        core = self.core
        store = core._store()
        detector = core.detector
        assert detector is not None and core.syncer is not None
        previous_wall = detector.last_wall
        shift = detector.check()
        now = core._now()
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
            self.schedule("poll", 0)
        if not core.tracker.online and core.tracker.snapshot().signed_in and self._probe():
            self.schedule("poll", 0)
        core._refresh_view()
        for notice in core.reminders.check(core.tracker.snapshot(), now):
            core._emit_notice(notice)

    def _probe(self) -> bool:
        """A cheap TCP connect to the server: has the network come back?"""
        url = self.core.session.server_url()
        if not url:
            return False
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "", port), timeout=1.0):
                return True
        except OSError:
            return False

    # ---- bodies of facade calls ------------------------------------------------------------
    def sync_now(self) -> CommandResult:
        core = self.core
        assert core.syncer is not None
        syncer = core.syncer
        if syncer.api is None or not core.tracker.snapshot().signed_in:
            self.apply_local()
            return CommandResult("sign_in_needed", "Please sign in first.")
        syncer.backoff.reset()
        report = self.run_drain(poll_after=False)
        if report.sign_in_needed:
            core._publish()
            return CommandResult("sign_in_needed", "Your session has ended; please sign in again.")
        try:
            syncer.poll()
            core.tracker.set_sync(online=True, last_success_at=core._now())
            self.cache_offset()
            self.apply_auto()
            if core._store().counts().get("pending", 0) and report.transient is None:
                report = self.run_drain(poll_after=False)
        except errors.SignInNeeded:
            core.session.lost()
            core._publish()
            return CommandResult("sign_in_needed", "Your session has ended; please sign in again.")
        except errors.Unreachable as exc:
            core.tracker.set_sync(online=False, last_error=exc.user_message)
        except errors.ApiError as exc:
            core.tracker.set_sync(last_error=exc.user_message)
        core._publish()
        counts = core._store().counts()
        data = {
            "pending": counts.get("pending", 0) + counts.get("in_flight", 0),
            "parked": counts.get("parked", 0),
            "sent": len(report.results),
        }
        if report.transient is not None or not core.tracker.online:
            why = report.transient.user_message if report.transient else "server unreachable"
            return CommandResult("queued", f"Not everything could be sent: {why}", data=data)
        return CommandResult("done", f"Synced {len(report.results)} item(s).", data=data)

    def refresh_tasks(self) -> CommandResult:
        core = self.core
        assert core.syncer is not None
        try:
            tasks = core.syncer.refresh_tasks()
        except errors.SignInNeeded:
            core.session.lost()
            return CommandResult("sign_in_needed", "Please sign in again.")
        except errors.ApiError as exc:
            return CommandResult("failed", exc.user_message)
        finally:
            core._publish()
        return CommandResult("done", f"{len(tasks)} task(s)")

    def logs(self, since: datetime) -> list[LogEntry]:
        core = self.core
        assert core.syncer is not None
        out: list[LogEntry] = []
        if core.syncer.api is not None:
            try:
                for log in core.syncer.api.my_logs():
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
        for item in core._store().items(("pending", "in_flight", "parked")):
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
                    task_title=str(item.payload.get("task_title") or core.tracker.task_title(tid)),
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
