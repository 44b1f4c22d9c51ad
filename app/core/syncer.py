"""The Syncer: every network exchange of the core, run on the one worker thread.

It drains the outbox strictly in order (one item at a time, never two starts in parallel),
polls the server's timer and attendance, and refreshes tasks. It feeds what it learns to the
Tracker and asks it what to do automatically. It never decides what the user sees; that is the
Tracker's snapshot.

Exactly once: an item whose earlier send had an unknown outcome (``maybe_sent``) is checked on
the server before it is sent again: ``/time-logs/active-timer`` for a start or a stop,
``/time-logs/me`` for a manual entry or a stop's log. Attendance commands need no check: a
repeat is refused with a message that says "already", which counts as done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.api import ApiClient, errors, models
from app.api.timeutil import parse_datetime, to_wire
from app.core import account, local_timer
from app.core import commands as C
from app.core.backoff import Backoff
from app.core.effects import Outcome
from app.core.facade import CommandResult
from app.core.tracker import AutoMarker, PendingCommand, Tracker
from offline_queue import Completion, OutboxItem, Store

logger = logging.getLogger(__name__)

MARKER_KEY = "auto_pause"
LATE_START_SECONDS = 60.0
# A 5xx on the same item this many times in a row parks it, so one poisoned item cannot hold
# the whole queue back for ever.
# A 5xx is transient (DESIGN rule 4) and is retried for as long as the server is in trouble.
# Only an item the server keeps failing while it answers the polls in between (a request the
# server cannot process, which would otherwise block the queue for ever) is parked, after
# this many attempts.
MAX_SERVER_ERRORS = 8
LEASE_SECONDS = 60.0


@dataclass
class DrainReport:
    results: dict[str, CommandResult] = field(default_factory=dict)
    transient: errors.ApiError | None = None
    retry_in: float | None = None
    sign_in_needed: bool = False
    worked: int = 0
    local: dict[str, Outcome] = field(default_factory=dict)


def _log_dict(log: models.TimeLog) -> dict[str, Any]:
    return {
        "id": log.id,
        "task_id": log.task_id,
        "task_title": log.task_title,
        "project_title": log.project_title,
        "started_at": to_wire(log.started_at),
        "ended_at": to_wire(log.ended_at) if log.ended_at else None,
        "duration_minutes": log.duration_minutes,
        "source_type": log.source_type,
        "notes": log.notes,
    }


def _timer_dict(timer: models.TimerSession) -> dict[str, Any]:
    return {
        "id": timer.id,
        "task_id": timer.task_id,
        "task_title": timer.task_title,
        "project_title": timer.project_title,
        "status": timer.status,
        "pause_reason": timer.pause_reason,
        "accumulated_seconds": timer.accumulated_seconds,
        "started_at": to_wire(timer.started_at),
        "last_resumed_at": to_wire(timer.last_resumed_at) if timer.last_resumed_at else None,
    }


def _attendance_dict(session: models.AttendanceSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "checked_in": session.checked_in,
        "work_mode": session.work_mode,
        "check_in_at": to_wire(session.check_in_at),
        "check_out_at": to_wire(session.check_out_at) if session.check_out_at else None,
        "active_break": _break_dict(session.active_break) if session.active_break else None,
    }


def _break_dict(brk: models.Break) -> dict[str, Any]:
    return {
        "id": brk.id,
        "break_type": brk.break_type,
        "started_at": to_wire(brk.started_at),
        "ended_at": to_wire(brk.ended_at) if brk.ended_at else None,
    }


class Syncer:
    def __init__(
        self,
        store: Store,
        tracker: Tracker,
        now: Callable[[], datetime],
        *,
        owner: str,
        notes_limit: int = 5000,
    ) -> None:
        self.store = store
        self.tracker = tracker
        self.api: ApiClient | None = None
        self._now = now
        self.owner = owner
        self.backoff = Backoff(base=2.0, cap=300.0)
        self.notes_limit = notes_limit
        self._server_errors: dict[str, int] = {}
        self._last_poll_ok = 0  # counts successful polls, to tell a bad item from an outage
        self._poll_seen_at_error: dict[str, int] = {}
        self._deferring = False  # inside a drain: completions ride on the next claim
        self._pending_done: Completion | None = None

    # ------------------------------------------------------------------------------ store ---
    def reload_local(self) -> None:
        """Feed the tracker what the store holds (also what another process changed)."""
        items = self.store.items(("pending", "in_flight"))
        accept = self.accepts()
        pending = [
            PendingCommand(i.id, i.kind, i.payload, i.created_at) for i in items if accept(i)
        ]
        parked = self.store.counts().get("parked", 0)
        self.tracker.set_outbox(pending, parked)
        _, local = local_timer.load(self.store)
        self.tracker.set_local(local)
        cached = self.store.cache_get(MARKER_KEY)
        value = cached.value if cached is not None else None
        if isinstance(value, dict) and value.get("timer_id"):
            self.tracker.set_marker(AutoMarker(str(value["timer_id"]), str(value["reason"])))
        else:
            self.tracker.set_marker(None)

    def set_marker(self, marker: AutoMarker | None) -> None:
        self.store.cache_put(
            MARKER_KEY, {"timer_id": marker.timer_id, "reason": marker.reason} if marker else None
        )
        self.tracker.set_marker(marker)

    # ------------------------------------------------------------------------------- poll ---
    def poll(self) -> None:
        """Active timer + attendance, read together. Raises ApiError on failure."""
        api = self._require_api()
        timer = api.active_timer()
        attendance = api.active_attendance()
        self.tracker.set_server_state(timer, attendance, api.clock_offset)
        self._last_poll_ok += 1
        self._prune_marker(timer)
        self.store.cache_put(
            "server_state",
            {
                "timer": _timer_dict(timer) if timer else None,
                "attendance": _attendance_dict(attendance) if attendance else None,
            },
        )

    def _prune_marker(self, timer: models.TimerSession | None) -> None:
        marker = self.tracker.marker
        if marker is None or marker.timer_id.startswith("local:"):
            return
        if timer is None or timer.id != marker.timer_id or timer.status == "running":
            self.set_marker(None)

    def refresh_tasks(self) -> list[models.Task]:
        tasks = self._require_api().list_tasks()
        self.tracker.set_tasks(tasks)
        self.store.cache_put(
            "tasks",
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
        if self.api is None or not self.api.signed_in:
            raise errors.SignInNeeded("Please sign in first.")
        return self.api

    # ------------------------------------------------------------------------------ drain ---
    def accepts(self) -> Callable[[OutboxItem], bool]:
        """Items of the signed-in account (and server) only; others wait for theirs."""
        api = self.api
        server, email = (api.server_url, api.email) if api is not None else (None, None)
        return lambda item: account.belongs(item.payload, server, email)

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
        if self.api is None or not self.api.signed_in:
            report.sign_in_needed = self.store.counts().get("pending", 0) > 0
            return report
        accept = self.accepts()
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
            item = self.store.claim_next(
                self.owner,
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
                result = self._process(item)
            except errors.SignInNeeded as exc:
                # Refused before the server did anything: the flag is what it was before.
                self.store.retry_later(
                    item.id,
                    exc.user_message,
                    self._now(),
                    maybe_sent=item.maybe_sent,
                    owner=self.owner,
                )
                report.sign_in_needed = True
                break
            except (errors.Unreachable, errors.ServerError, errors.RateLimited) as exc:
                self._transient(item, exc, report)
                break
            except errors.ApiError as exc:  # pragma: no cover - every subclass is handled above
                self.store.park(item.id, exc.user_message, owner=self.owner)
                result = CommandResult("rejected", exc.user_message, item_id=item.id)
            self._server_errors.pop(item.id, None)
            self._poll_seen_at_error.pop(item.id, None)
            self.backoff.reset()
            report.results[item.id] = result

    def _done(
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
        self.store.complete(item_id, server_id, result, owner=owner)

    def _take_done(self) -> Completion | None:
        done, self._pending_done = self._pending_done, None
        return done

    def _flush_done(self) -> None:
        if (done := self._take_done()) is not None:
            self.store.complete(done.item_id, done.server_id, done.result, owner=done.owner)

    def _transient(self, item: OutboxItem, exc: errors.ApiError, report: DrainReport) -> None:
        retry_after = exc.retry_after if isinstance(exc, errors.RateLimited) else None
        delay = self.backoff.next_delay(retry_after)
        # Certainly not applied: refused connection, or a 429 (the server said no).
        never = isinstance(exc, errors.RateLimited) or (
            isinstance(exc, errors.Unreachable) and not exc.may_have_reached
        )
        status = exc.status if isinstance(exc, errors.ServerError) else None
        if isinstance(exc, errors.RateLimited):
            status = 429
        if isinstance(exc, errors.ServerError):
            # Count the failure against the item only if the server answered a poll since its
            # last failure: during an outage every request fails and nothing is the item's fault.
            previous = self._poll_seen_at_error.get(item.id)
            count = self._server_errors.get(item.id, 0)
            if previous is None or self._last_poll_ok > previous:
                count += 1
            self._server_errors[item.id] = count
            self._poll_seen_at_error[item.id] = self._last_poll_ok
            if count >= MAX_SERVER_ERRORS:
                message = (
                    f"The server failed on this item {count} times in a row: {exc.user_message}"
                )
                self.store.park(item.id, message, status, owner=self.owner)
                report.results[item.id] = CommandResult(
                    "rejected", message, item_id=item.id, http_status=status
                )
                self._server_errors.pop(item.id, None)
                self._poll_seen_at_error.pop(item.id, None)
                return
        # The item stays due at once; the worker waits ``delay`` before the next drain (a
        # successful poll ends the wait early, so the queue resumes as soon as the server is back).
        self.store.retry_later(
            item.id,
            exc.user_message,
            self._now(),
            status=status,
            # Certainly not applied this time: back to what it was before this attempt.
            maybe_sent=item.maybe_sent if never else None,
            owner=self.owner,
        )
        report.transient = exc
        report.retry_in = delay

    def _process(self, item: OutboxItem) -> CommandResult:
        kind = item.kind
        handler = {
            C.START: self._start,
            C.PAUSE: self._pause,
            C.RESUME: self._resume,
            C.STOP: self._stop,
            C.MANUAL: self._manual,
        }.get(kind)
        if handler is not None:
            return handler(item)
        if kind in C.ATTENDANCE_KINDS:
            return self._attendance(item)
        message = f"Unknown command kind {kind!r} (written by a newer Timetray?)"
        self.store.park(item.id, message, owner=self.owner)
        return CommandResult("rejected", message, item_id=item.id)

    def _send(self, item: OutboxItem, call: Callable[[], Any]) -> Any:
        """The claim already flagged the item maybe_sent, in the same commit."""
        return call()

    def _rejected(self, item: OutboxItem, exc: errors.Rejected) -> CommandResult:
        """Park a refused item, unless the refusal only says the thing is already done."""
        if C.already_done(item.kind, exc.status, exc.message):
            self._done(item.id, result={"already": exc.message}, owner=self.owner)
            return CommandResult("done", exc.message, item_id=item.id, http_status=exc.status)
        self.store.park(item.id, exc.user_message, exc.status, owner=self.owner)
        return CommandResult("rejected", exc.user_message, item_id=item.id, http_status=exc.status)

    # ---- timer ---------------------------------------------------------------------------
    def _start(self, item: OutboxItem) -> CommandResult:
        api = self._require_api()
        task_id = str(item.payload["task_id"])
        meta, local = local_timer.load(self.store)
        mine = meta if meta is not None and meta.get("start_item") == item.id else None
        if item.maybe_sent:
            active = api.active_timer()
            if active is not None and active.task_id == task_id:
                return self._adopt(item, mine, active)
            return self._to_local(item, mine, "The server did not get the start")
        at = C.at_of(item.payload) or item.created_at
        late = (self._now() - at).total_seconds() > LATE_START_SECONDS
        untouched = (
            mine is not None
            and not mine.get("stopped")
            and (
                local is not None
                and local.running_since is not None
                and local.accumulated_seconds == 0
            )
        )
        if mine is not None and (late or not untouched):
            return self._to_local(item, mine, "The server cannot backdate a start")
        try:
            session = self._send(item, lambda: api.start_timer(task_id))
        except errors.Rejected as exc:
            if mine is not None:
                local_timer.drop(self.store, mine)
            return self._rejected(item, exc)
        except (errors.Unreachable, errors.RateLimited) as exc:
            never = isinstance(exc, errors.RateLimited) or not exc.may_have_reached
            if never and mine is not None:
                return self._to_local(item, mine, exc.user_message)
            raise
        return self._adopt(item, mine, session)

    def _adopt(
        self, item: OutboxItem, meta: dict[str, Any] | None, session: models.TimerSession
    ) -> CommandResult:
        """The server has the timer: it becomes the one shown; the local measurement goes."""
        follow: list[tuple[str, dict[str, Any]]] = []
        if meta is not None:
            _, local = local_timer.load(self.store)
            stopped = meta.get("stopped")
            if stopped:
                follow.append(
                    (
                        C.STOP,
                        {
                            "task_id": session.task_id,
                            "at": stopped["at"],
                            **({"notes": stopped["notes"]} if stopped.get("notes") else {}),
                        },
                    )
                )
            elif local is not None and local.running_since is None:
                follow.append(
                    (
                        C.PAUSE,
                        C.timer_payload(
                            C.PAUSE,
                            session.task_id,
                            self._now(),
                            auto_reason=local.pause_reason
                            if local.pause_reason in ("attendance_checkout", "break_started")
                            else None,
                        ),
                    )
                )
            local_timer.drop(self.store, meta)
        self._done(item.id, server_id=session.id, result=_timer_dict(session), owner=self.owner)
        for kind, payload in follow:
            self.store.enqueue(kind, payload)
        self.tracker.set_local(None)
        self.tracker.set_server_timer(session)
        return CommandResult(
            "done",
            f"Timer started: {session.task_title}",
            item_id=item.id,
            data=_timer_dict(session),
        )

    def _to_local(self, item: OutboxItem, meta: dict[str, Any] | None, why: str) -> CommandResult:
        """Keep the timer on this computer: it will reach the server as manual entries."""
        logger.info("start %s kept as a local timer: %s", item.id, why)
        self._done(item.id, result={"local": True, "why": why}, owner=self.owner)
        if meta is None:
            return CommandResult("queued", why, item_id=item.id)
        meta = dict(meta, start_item=None)
        local_timer.save_meta(self.store, meta)
        if meta.get("stopped"):
            local_timer.finalize(self.store, meta, self._now())
        return CommandResult(
            "queued",
            "Offline timer: measured on this computer; it will be saved as a manual entry "
            "when you stop it.",
            item_id=item.id,
            data={"task_id": meta["task_id"], "source": "local"},
        )

    def _pause(self, item: OutboxItem) -> CommandResult:
        why = item.payload.get("auto_reason")
        return self._pause_or_resume(item, pause=True, auto_reason=str(why) if why else None)

    def _resume(self, item: OutboxItem) -> CommandResult:
        return self._pause_or_resume(item, pause=False, auto_reason=None)

    def _pause_or_resume(
        self, item: OutboxItem, *, pause: bool, auto_reason: str | None
    ) -> CommandResult:
        """Both are no-ops on the server when already in that state, so a resend after an
        unknown outcome is harmless and needs no check first."""
        api = self._require_api()
        task_id = str(item.payload["task_id"])
        call = api.pause_timer if pause else api.resume_timer
        try:
            session = self._send(item, lambda: call(task_id))
        except errors.Rejected as exc:
            return self._rejected(item, exc)
        self._done(item.id, server_id=session.id, result=_timer_dict(session), owner=self.owner)
        # An automatic pause is remembered, so that its end may resume it (the server only
        # knows "manual_pause" for a pause the client sends).
        self.set_marker(AutoMarker(session.id, auto_reason) if auto_reason else None)
        self.tracker.set_server_timer(session)
        text = "Timer paused" if pause else "Timer resumed"
        return CommandResult("done", text, item_id=item.id, data=_timer_dict(session))

    def _stop(self, item: OutboxItem) -> CommandResult:
        api = self._require_api()
        task_id = str(item.payload["task_id"])
        at = C.at_of(item.payload) or item.created_at
        if item.maybe_sent:
            active = api.active_timer()
            still = active is not None and active.task_id == task_id
            timer_id = item.payload.get("timer_id")
            if still and timer_id and active is not None and active.id != timer_id:
                still = False
            if not still:
                found = self._find_stop_log(task_id, at)
                self._done(
                    item.id,
                    server_id=found.id if found else None,
                    result=_log_dict(found) if found else {"already": "stopped"},
                    owner=self.owner,
                )
                self.tracker.set_server_timer(active)
                return CommandResult(
                    "done",
                    "Timer stopped",
                    item_id=item.id,
                    data=_log_dict(found) if found else {},
                )
        notes = C.late_stop_notes(item.payload.get("notes"), at, self._now())
        try:
            log = self._send(item, lambda: api.stop_timer(task_id, notes))
        except errors.Rejected as exc:
            result = self._rejected(item, exc)
            if result.status == "done":
                self.tracker.set_server_timer(None)
            return result
        self._done(item.id, server_id=log.id, result=_log_dict(log), owner=self.owner)
        self.set_marker(None)
        self.tracker.set_server_timer(None)
        return CommandResult(
            "done",
            f"Timer stopped: {log.duration_minutes} min logged on {log.task_title}",
            item_id=item.id,
            data=_log_dict(log),
        )

    def _find_stop_log(self, task_id: str, at: datetime) -> models.TimeLog | None:
        api = self._require_api()
        earliest = at + api.clock_offset - timedelta(seconds=5)
        for log in api.my_logs():
            if (
                log.task_id == task_id
                and log.source_type == "timer"
                and log.ended_at is not None
                and log.ended_at >= earliest
            ):
                return log
        return None

    def _manual(self, item: OutboxItem) -> CommandResult:
        api = self._require_api()
        p = item.payload
        task_id = str(p["task_id"])
        started = parse_datetime(p["started_at"])
        ended = parse_datetime(p["ended_at"])
        assert started is not None and ended is not None
        if item.maybe_sent:
            for log in api.my_logs():
                if (
                    log.task_id == task_id
                    and abs((log.started_at - started).total_seconds()) < 1
                    and log.ended_at is not None
                    and abs((log.ended_at - ended).total_seconds()) < 1
                ):
                    self._done(item.id, server_id=log.id, result=_log_dict(log), owner=self.owner)
                    return CommandResult(
                        "done", "Manual entry saved", item_id=item.id, data=_log_dict(log)
                    )
        notes = p.get("notes")
        try:
            log = self._send(item, lambda: api.log_manual(task_id, started, ended, notes))
        except errors.Rejected as exc:
            return self._rejected(item, exc)
        self._done(item.id, server_id=log.id, result=_log_dict(log), owner=self.owner)
        return CommandResult(
            "done",
            f"Manual entry saved: {log.duration_minutes} min on {log.task_title}",
            item_id=item.id,
            data=_log_dict(log),
        )

    # ---- attendance ----------------------------------------------------------------------
    def _attendance(self, item: OutboxItem) -> CommandResult:
        api = self._require_api()
        p = item.payload
        kind = item.kind
        try:
            if kind == C.CHECK_IN:
                session = self._send(item, lambda: api.check_in(str(p.get("work_mode", "office"))))
                data = _attendance_dict(session)
                message = "Checked in"
            elif kind == C.CHECK_OUT:
                session = self._send(
                    item,
                    lambda: api.check_out(
                        early_checkout_reason=p.get("early_checkout_reason"),
                        checkout_after_shift_reason=p.get("checkout_after_shift_reason"),
                        checkout_after_shift_note=p.get("checkout_after_shift_note"),
                    ),
                )
                data = _attendance_dict(session)
                message = "Checked out"
            elif kind == C.BREAK_START:
                brk = self._send(item, lambda: api.start_break(str(p["break_type"]), p.get("note")))
                data = _break_dict(brk)
                message = f"Break started ({brk.break_type})"
            else:
                brk = self._send(item, api.end_break)
                data = _break_dict(brk)
                message = "Break ended"
        except errors.Rejected as exc:
            return self._rejected(item, exc)
        self._done(item.id, server_id=str(data.get("id")), result=data, owner=self.owner)
        return CommandResult("done", message, item_id=item.id, data=data)
