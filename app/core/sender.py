"""Sending one queued command to the server, exactly once.

An item whose earlier send had an unknown outcome (``maybe_sent``) is checked on the server
before it is sent again: ``/time-logs/active-timer`` for a start or a stop, ``/time-logs/me``
for a manual entry or a stop's log. Attendance commands need no check: a repeat is refused with
a message that says "already", which counts as done. The Syncer claims the items and handles
transient failures; this module only knows what each kind means on the wire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from app.api import ApiClient, errors, models
from app.api.timeutil import parse_datetime
from app.core import commands, local_timer, marker, records, wording
from app.core.facade import CommandResult
from app.core.rules import AutoMarker
from app.core.tracker import Tracker
from offline_queue import OutboxItem, Store

logger = logging.getLogger(__name__)

LATE_START_SECONDS = 60.0


class RecordDone(Protocol):
    def __call__(
        self,
        item_id: str,
        server_id: str | None = None,
        result: dict[str, Any] | None = None,
        *,
        owner: str | None = None,
    ) -> None: ...


class CommandSender:
    def __init__(
        self,
        store: Store,
        tracker: Tracker,
        now: Callable[[], datetime],
        *,
        api: Callable[[], ApiClient],
        record_done: RecordDone,
        owner: str,
        fetch_logs: Callable[[], list[models.TimeLog]],
    ) -> None:
        self._store = store
        self._tracker = tracker
        self._now = now
        self._require_api = api
        self._record_done = record_done
        self._owner = owner
        # The exactly-once checks read the server's logs through the Logbook, which keeps what
        # it fetched as its copy (one fetch serves the check and the Today total).
        self._fetch_logs = fetch_logs

    def _set_marker(self, value: AutoMarker | None) -> None:
        marker.save(self._store, value)
        self._tracker.set_marker(value)

    def process(self, item: OutboxItem) -> CommandResult:
        kind = item.kind
        handler = {
            commands.START: self._start,
            commands.PAUSE: self._pause,
            commands.RESUME: self._resume,
            commands.STOP: self._stop,
            commands.MANUAL: self._manual,
        }.get(kind)
        if handler is not None:
            return handler(item)
        if kind in commands.ATTENDANCE_KINDS:
            return self._attendance(item)
        message = f"Unknown command kind {kind!r} (written by a newer Timetray?)"
        self._store.park(item.id, message, owner=self._owner)
        return CommandResult("rejected", message, item_id=item.id)

    def _send(self, item: OutboxItem, call: Callable[[], Any]) -> Any:
        """The claim already flagged the item maybe_sent, in the same commit."""
        return call()

    def _rejected(self, item: OutboxItem, exc: errors.Rejected) -> CommandResult:
        """Park a refused item, unless the refusal only says the thing is already done."""
        if commands.already_done(item.kind, exc.status, exc.message):
            self._record_done(item.id, result={"already": exc.message}, owner=self._owner)
            return CommandResult("done", exc.message, item_id=item.id, http_status=exc.status)
        self._store.park(item.id, exc.user_message, exc.status, owner=self._owner)
        return CommandResult("rejected", exc.user_message, item_id=item.id, http_status=exc.status)

    # ---- timer ---------------------------------------------------------------------------
    def _start(self, item: OutboxItem) -> CommandResult:
        api = self._require_api()
        task_id = str(item.payload["task_id"])
        meta, local = local_timer.load(self._store)
        mine = meta if meta is not None and meta.get("start_item") == item.id else None
        if item.maybe_sent:
            active = api.active_timer()
            if active is not None and active.task_id == task_id:
                return self._adopt(item, mine, active)
            return self._to_local(item, mine, "The server did not get the start")
        at = commands.at_of(item.payload) or item.created_at
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
                local_timer.drop(self._store, mine)
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
            _, local = local_timer.load(self._store)
            stopped = meta.get("stopped")
            if stopped:
                follow.append(
                    (
                        commands.STOP,
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
                        commands.PAUSE,
                        commands.timer_payload(
                            commands.PAUSE,
                            session.task_id,
                            self._now(),
                            auto_reason=local.pause_reason
                            if local.pause_reason in ("attendance_checkout", "break_started")
                            else None,
                        ),
                    )
                )
            local_timer.drop(self._store, meta)
        self._record_done(
            item.id, server_id=session.id, result=records.timer_dict(session), owner=self._owner
        )
        for kind, payload in follow:
            self._store.enqueue(kind, payload)
        self._tracker.set_local(None)
        self._tracker.set_server_timer(session)
        return CommandResult(
            "done",
            f"Timer started: {session.task_title}",
            item_id=item.id,
            data=records.timer_dict(session),
        )

    def _to_local(self, item: OutboxItem, meta: dict[str, Any] | None, why: str) -> CommandResult:
        """Keep the timer on this computer: it will reach the server as manual entries."""
        logger.info("start %s kept as a local timer: %s", item.id, why)
        self._record_done(item.id, result={"local": True, "why": why}, owner=self._owner)
        if meta is None:
            return CommandResult("queued", why, item_id=item.id)
        meta = dict(meta, start_item=None)
        local_timer.save_meta(self._store, meta)
        if meta.get("stopped"):
            local_timer.finalize(self._store, meta, self._now())
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
        self._record_done(
            item.id, server_id=session.id, result=records.timer_dict(session), owner=self._owner
        )
        # An automatic pause is remembered, so that its end may resume it (the server only
        # knows "manual_pause" for a pause the client sends).
        self._set_marker(AutoMarker(session.id, auto_reason) if auto_reason else None)
        self._tracker.set_server_timer(session)
        text = "Timer paused" if pause else "Timer resumed"
        return CommandResult("done", text, item_id=item.id, data=records.timer_dict(session))

    def _stop(self, item: OutboxItem) -> CommandResult:
        api = self._require_api()
        task_id = str(item.payload["task_id"])
        at = commands.at_of(item.payload) or item.created_at
        if item.maybe_sent:
            active = api.active_timer()
            still = active is not None and active.task_id == task_id
            timer_id = item.payload.get("timer_id")
            if still and timer_id and active is not None and active.id != timer_id:
                still = False
            if not still:
                found = self._find_stop_log(task_id, at)
                self._record_done(
                    item.id,
                    server_id=found.id if found else None,
                    result=records.log_dict(found) if found else {"already": "stopped"},
                    owner=self._owner,
                )
                self._tracker.set_server_timer(active)
                return CommandResult(
                    "done",
                    "Timer stopped",
                    item_id=item.id,
                    data=records.log_dict(found) if found else {},
                )
        notes = commands.late_stop_notes(item.payload.get("notes"), at, self._now())
        try:
            log = self._send(item, lambda: api.stop_timer(task_id, notes))
        except errors.Rejected as exc:
            result = self._rejected(item, exc)
            if result.status == "done":
                self._tracker.set_server_timer(None)
            return result
        self._record_done(
            item.id, server_id=log.id, result=records.log_dict(log), owner=self._owner
        )
        self._set_marker(None)
        self._tracker.set_server_timer(None)
        return CommandResult(
            "done",
            f"Timer stopped: {wording.minutes(log.duration_minutes)} logged on {log.task_title}",
            item_id=item.id,
            data=records.log_dict(log),
        )

    def _find_stop_log(self, task_id: str, at: datetime) -> models.TimeLog | None:
        api = self._require_api()
        earliest = at + api.clock_offset - timedelta(seconds=5)
        for log in self._fetch_logs():
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
        payload = item.payload
        task_id = str(payload["task_id"])
        started = parse_datetime(payload["started_at"])
        ended = parse_datetime(payload["ended_at"])
        assert started is not None and ended is not None
        if item.maybe_sent:
            for log in self._fetch_logs():
                if (
                    log.task_id == task_id
                    and abs((log.started_at - started).total_seconds()) < 1
                    and log.ended_at is not None
                    and abs((log.ended_at - ended).total_seconds()) < 1
                ):
                    self._record_done(
                        item.id, server_id=log.id, result=records.log_dict(log), owner=self._owner
                    )
                    return CommandResult(
                        "done", "Manual entry saved", item_id=item.id, data=records.log_dict(log)
                    )
        notes = payload.get("notes")
        try:
            log = self._send(item, lambda: api.log_manual(task_id, started, ended, notes))
        except errors.Rejected as exc:
            return self._rejected(item, exc)
        self._record_done(
            item.id, server_id=log.id, result=records.log_dict(log), owner=self._owner
        )
        return CommandResult(
            "done",
            f"Manual entry saved: {wording.minutes(log.duration_minutes)} on {log.task_title}",
            item_id=item.id,
            data=records.log_dict(log),
        )

    # ---- attendance ----------------------------------------------------------------------
    def _attendance(self, item: OutboxItem) -> CommandResult:
        api = self._require_api()
        payload = item.payload
        kind = item.kind
        try:
            if kind == commands.CHECK_IN:
                session = self._send(
                    item, lambda: api.check_in(str(payload.get("work_mode", "office")))
                )
                data = records.attendance_dict(session)
                message = "Checked in"
            elif kind == commands.CHECK_OUT:
                session = self._send(
                    item,
                    lambda: api.check_out(
                        early_checkout_reason=payload.get("early_checkout_reason"),
                        checkout_after_shift_reason=payload.get("checkout_after_shift_reason"),
                        checkout_after_shift_note=payload.get("checkout_after_shift_note"),
                    ),
                )
                data = records.attendance_dict(session)
                message = "Checked out"
            elif kind == commands.BREAK_START:
                brk = self._send(
                    item, lambda: api.start_break(str(payload["break_type"]), payload.get("note"))
                )
                data = records.break_dict(brk)
                message = f"Break started ({brk.break_type})"
            else:
                brk = self._send(item, api.end_break)
                data = records.break_dict(brk)
                message = "Break ended"
        except errors.Rejected as exc:
            return self._rejected(item, exc)
        self._record_done(item.id, server_id=str(data.get("id")), result=data, owner=self._owner)
        return CommandResult("done", message, item_id=item.id, data=data)
