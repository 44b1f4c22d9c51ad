"""The Tracker's pure rules: how server state, the outbox and a locally measured timer combine
into what the user sees, when the timer pauses or resumes by itself, and which changes deserve a
notice. No state and no I/O here, so every rule is testable on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from app.api import models
from app.api.timeutil import parse_datetime
from app.core import commands, wording
from app.core.manual_refusals import MANUAL_REASON
from app.core.snapshot import AttendanceView, Notice, Snapshot, TaskView, TimerView

AUTO_REASONS = frozenset({"attendance_checkout", "break_started"})

AUTO_PAUSE_TEXT = {
    "attendance_checkout": "Your timer was paused because you are checked out.",
    "break_started": "Your timer was paused because you are on a break.",
}
AUTO_RESUME_TEXT = {
    "attendance_checkout": "Your timer was resumed because you checked in again.",
    "break_started": "Your timer was resumed because your break ended.",
}


@dataclass(frozen=True)
class PendingCommand:
    """An outbox item not yet confirmed by the server (pending or in flight)."""

    id: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class LocalTimer:
    """A timer measured on this computer (started offline, or a start the server never got)."""

    id: str
    task_id: str
    task_title: str
    project_title: str | None
    started_at: datetime
    accumulated_seconds: float
    running_since: datetime | None
    pause_reason: str | None
    start_item: str | None = None  # outbox id of a start whose fate is still unknown


@dataclass(frozen=True)
class AutoMarker:
    """Remembers that *we* paused a server timer automatically (the server then says
    ``manual_pause``), so that the right reason is shown and the pause is undone later."""

    timer_id: str
    reason: str


@dataclass(frozen=True)
class AutoAction:
    action: Literal["pause", "resume"]
    reason: str


def task_view(task: models.Task, manual_refused: frozenset[str] = frozenset()) -> TaskView:
    """``manual_refused``: projects whose tasks the server refused a manual entry for."""
    reason = task.start_block_reason
    refused = task.project_id is not None and task.project_id in manual_refused
    return TaskView(
        id=task.id,
        title=task.title,
        project_title=task.project_title,
        status=task.status,
        startable=reason is None,
        reason=reason,
        updated_at=task.updated_at,
        manual_reason=MANUAL_REASON if refused else None,
    )


def server_timer_view(
    timer: models.TimerSession, offset: timedelta, marker: AutoMarker | None
) -> TimerView:
    """The server's timer on the client's clock: elapsed = accumulated + (now + offset -
    last_resumed_at), the server's own formula."""
    running = timer.status == "running"
    reason = timer.pause_reason if not running else None
    mine = marker is not None and marker.timer_id == timer.id
    if not running and mine and marker is not None and reason in (None, "manual_pause"):
        reason = marker.reason
    since = None
    if running:
        base = timer.last_resumed_at or timer.started_at
        since = base - offset
    return TimerView(
        task_id=timer.task_id,
        task_title=timer.task_title,
        project_title=timer.project_title,
        state="running" if running else "paused",
        pause_reason=reason,
        source="server",
        started_at=timer.started_at - offset,
        accumulated_seconds=float(timer.accumulated_seconds),
        running_since=since,
    )


def local_timer_view(local: LocalTimer) -> TimerView:
    running = local.running_since is not None
    return TimerView(
        task_id=local.task_id,
        task_title=local.task_title,
        project_title=local.project_title,
        state="running" if running else "paused",
        pause_reason=None if running else (local.pause_reason or "manual_pause"),
        source="local",
        started_at=local.started_at,
        accumulated_seconds=local.accumulated_seconds,
        running_since=local.running_since,
    )


def attendance_view(
    session: models.AttendanceSession | None, known: bool, offset: timedelta
) -> AttendanceView:
    if session is None or not session.checked_in:
        return AttendanceView(known=known)
    brk = session.active_break
    return AttendanceView(
        checked_in=True,
        on_break=brk is not None,
        break_type=brk.break_type if brk else None,
        work_mode=session.work_mode,
        checked_in_at=session.check_in_at - offset,
        known=known,
    )


def _pause(view: TimerView, at: datetime, reason: str) -> TimerView:
    if view.state != "running":
        return view
    return replace(
        view,
        state="paused",
        pause_reason=reason,
        accumulated_seconds=view.elapsed_seconds(at),
        running_since=None,
    )


def _resume(view: TimerView, at: datetime) -> TimerView:
    if view.state == "running":
        return view
    return replace(view, state="running", pause_reason=None, running_since=at)


def apply_pending(
    timer: TimerView | None,
    attendance: AttendanceView,
    pending: Iterable[PendingCommand],
    *,
    online: bool,
) -> tuple[TimerView | None, AttendanceView]:
    """What the state will be once the outbox has reached the server, mirroring the server's own
    rules (checkout and break start pause a running timer, check-in and break end resume it)."""
    for cmd in pending:
        at = commands.at_of(cmd.payload) or cmd.created_at
        kind = cmd.kind
        server_timer = timer is not None and timer.source == "server"
        same_task = timer is not None and timer.task_id == cmd.payload.get("task_id")
        if kind == commands.PAUSE and timer is not None and same_task and server_timer:
            why = cmd.payload.get("auto_reason")
            timer = _pause(
                timer, at, str(why) if why else "manual_pause" if online else "offline_pause"
            )
        elif kind == commands.RESUME and timer is not None and same_task and server_timer:
            timer = _resume(timer, at)
        elif kind == commands.STOP and same_task and server_timer:
            timer = None
        elif kind == commands.CHECK_IN:
            attendance = replace(
                attendance,
                checked_in=True,
                on_break=False,
                break_type=None,
                work_mode=str(cmd.payload.get("work_mode") or "office"),
                checked_in_at=at,
            )
            if timer is not None and server_timer and timer.pause_reason == "attendance_checkout":
                timer = _resume(timer, at)
        elif kind == commands.CHECK_OUT:
            if timer is not None and server_timer:
                if timer.state == "paused" and timer.pause_reason == "break_started":
                    timer = replace(timer, pause_reason="attendance_checkout")
                else:
                    timer = _pause(timer, at, "attendance_checkout")
            attendance = replace(
                attendance, checked_in=False, on_break=False, break_type=None, checked_in_at=None
            )
        elif kind == commands.BREAK_START:
            attendance = replace(
                attendance, on_break=True, break_type=str(cmd.payload.get("break_type") or "")
            )
            if timer is not None and server_timer:
                timer = _pause(timer, at, "break_started")
        elif kind == commands.BREAK_END:
            attendance = replace(attendance, on_break=False, break_type=None)
            if timer is not None and server_timer and timer.pause_reason == "break_started":
                timer = _resume(timer, at)
    return timer, attendance


def decide_auto(
    timer: TimerView | None, attendance: AttendanceView, *, auto_resume: bool
) -> AutoAction | None:
    """The heart of the mission: a running timer while checked out or on a break gets paused;
    an automatic pause whose cause is over gets resumed (if the user wants that). A pause the
    user made is never touched."""
    if timer is None or not attendance.known:
        return None
    cause = None
    if not attendance.checked_in:
        cause = "attendance_checkout"
    elif attendance.on_break:
        cause = "break_started"
    if cause is not None and timer.state == "running":
        return AutoAction("pause", cause)
    if (
        cause is None
        and auto_resume
        and timer.state == "paused"
        and timer.pause_reason in AUTO_REASONS
    ):
        return AutoAction("resume", str(timer.pause_reason))
    return None


def _cause_over(reason: str, attendance: AttendanceView) -> bool:
    """Whether the break or check-out that paused the timer is over, so that "resumed because
    your break ended" is true (a resume made elsewhere during the break is not that)."""
    if reason == "break_started":
        return not attendance.on_break
    return attendance.checked_in


def _same_timer(a: TimerView, b: TimerView) -> bool:
    return a.task_id == b.task_id and abs((a.started_at - b.started_at).total_seconds()) < 5


def transition_notices(prev: Snapshot | None, new: Snapshot) -> list[Notice]:
    """Notices owed for a change of state: each automatic pause or resume once, with why, and
    the moments the server is lost and found again."""
    notices: list[Notice] = []
    if prev is None:
        return notices
    a, b = prev.timer, new.timer
    if a is not None and b is not None and _same_timer(a, b):
        if a.state == "running" and b.state == "paused" and b.pause_reason in AUTO_REASONS:
            notices.append(
                Notice(
                    "auto_pause",
                    f"Timer paused: {b.task_title}",
                    AUTO_PAUSE_TEXT[str(b.pause_reason)],
                    "menu",
                )
            )
        elif (
            a.state == "paused"
            and b.state == "running"
            and a.pause_reason in AUTO_REASONS
            and _cause_over(str(a.pause_reason), new.attendance)
        ):
            notices.append(
                Notice(
                    "auto_resume",
                    f"Timer resumed: {b.task_title}",
                    AUTO_RESUME_TEXT[str(a.pause_reason)],
                    "menu",
                )
            )
    if prev.signed_in and new.signed_in and prev.sync.online != new.sync.online:
        if new.sync.online:
            waiting = new.sync.pending
            tail = f" Sending {wording.plural(waiting, 'saved item')}." if waiting else ""
            notices.append(
                Notice("online", "Back online", f"The server is reachable again.{tail}", "sync")
            )
        elif prev.sync.last_success_at is not None:
            notices.append(
                Notice(
                    "offline",
                    "Working offline",
                    "Can't reach the server. Your time is saved on this computer and will sync "
                    "when the connection is back.",
                    "sync",
                )
            )
    return notices


def local_timer_from(meta: dict[str, Any] | None, segments: Sequence[Any]) -> LocalTimer | None:
    """Rebuild the local timer from its stored description and its segments (store rows with
    ``started_at``, ``ended_at`` and ``meta``)."""
    if not meta:
        return None
    mine = [seg for seg in segments if (seg.meta or {}).get("timer_id") == meta.get("id")]
    accumulated = 0.0
    running_since: datetime | None = None
    first: datetime | None = None
    for seg in mine:
        first = seg.started_at if first is None or seg.started_at < first else first
        if seg.ended_at is None:
            running_since = seg.started_at
        else:
            accumulated += max(0.0, (seg.ended_at - seg.started_at).total_seconds())
    started = first or parse_datetime(meta.get("started_at")) or datetime.now().astimezone()
    return LocalTimer(
        id=str(meta["id"]),
        task_id=str(meta["task_id"]),
        task_title=str(meta.get("task_title") or ""),
        project_title=meta.get("project_title"),
        started_at=started,
        accumulated_seconds=accumulated,
        running_since=running_since,
        pause_reason=None if running_since else meta.get("pause_reason") or "manual_pause",
        start_item=meta.get("start_item"),
    )
