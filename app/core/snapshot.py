"""Immutable views of the tracker's state.

Everything outside the Tracker (the tray, the CLI) reads these and nothing else, so the tray is a
pure function of a :class:`Snapshot` and a clock. All datetimes are timezone-aware UTC on the
*client's* clock (server times are already corrected by the measured clock offset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

TimerState = Literal["running", "paused"]
TimerSource = Literal["server", "local"]
# Server reasons plus the client's own: "offline_pause" is a pause pressed while offline,
# queued for the server.
PAUSE_REASON_TEXT: dict[str, str] = {
    "manual_pause": "paused by you",
    "attendance_checkout": "paused because you checked out",
    "break_started": "paused for your break",
    "system": "paused by the server",
    "offline_pause": "paused by you (offline, will sync)",
    "away": "paused while you were away",
}


@dataclass(frozen=True)
class TimerView:
    """The live timer, from the server or measured locally while offline."""

    task_id: str
    task_title: str
    project_title: str | None
    state: TimerState
    pause_reason: str | None
    source: TimerSource
    started_at: datetime
    accumulated_seconds: float
    running_since: datetime | None  # client-clock instant the current run began; None if paused

    def elapsed_seconds(self, now: datetime) -> float:
        """Seconds worked so far: accumulated + the current run (never negative)."""
        if self.state == "running" and self.running_since is not None:
            return self.accumulated_seconds + max(0.0, (now - self.running_since).total_seconds())
        return self.accumulated_seconds

    @property
    def pause_text(self) -> str | None:
        if self.state != "paused":
            return None
        return PAUSE_REASON_TEXT.get(self.pause_reason or "", "paused")


@dataclass(frozen=True)
class AttendanceView:
    checked_in: bool = False
    on_break: bool = False
    break_type: str | None = None
    work_mode: str | None = None
    checked_in_at: datetime | None = None
    known: bool = False  # False until the first successful poll (or cache load)


@dataclass(frozen=True)
class SyncView:
    online: bool = False
    pending: int = 0
    parked: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = None
    next_retry_at: datetime | None = None


@dataclass(frozen=True)
class TaskView:
    id: str
    title: str
    project_title: str | None
    status: str
    startable: bool
    reason: str | None  # why the server would reject a timer start, when not startable
    updated_at: datetime | None = None
    # Why the server refuses manual entries on this task (learnt from a refusal: the task list
    # has no project status), else None; the manual-entry dialog leaves such tasks out.
    manual_reason: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a command cannot be offered now: a few words for a greyed menu label ("end the
    break first") and the sentence a tooltip or a refused command says."""

    hint: str
    reason: str


BREAK_RESUME = Refusal(
    "end the break first",
    "You are on a break: the timer stays paused until you end it. "
    "End break resumes a timer your break paused.",
)
CHECKED_OUT_RESUME = Refusal(
    "check in first",
    "You must check in before resuming a task: the server resumes a timer only while you "
    "are checked in.",
)


@dataclass(frozen=True)
class AwayPending:
    """An unanswered "you were away" question: the tray badge, its dialog, ``timetray status``."""

    id: int
    message: str  # in the computer's time zone, one line per fact
    task_id: str
    task_title: str
    kind: str  # idle | lock | sleep | wake
    began: datetime
    ended: datetime
    can_resume: bool  # False when a break or check-out took over during the absence
    choices: tuple[str, ...]  # values of app.away.commands.Choice


@dataclass(frozen=True)
class Snapshot:
    signed_in: bool = False
    user_name: str | None = None
    email: str | None = None
    server_url: str | None = None
    timer: TimerView | None = None
    attendance: AttendanceView = field(default_factory=AttendanceView)
    sync: SyncView = field(default_factory=SyncView)
    tasks: tuple[TaskView, ...] = ()
    # completed logs today (server + pending local); None: not known yet (no copy of the
    # server's logs from today), so nothing is shown rather than a wrong total
    today_logged_seconds: float | None = None
    # the same since Monday 00:00 (local), for the week line; None: not known yet
    week_logged_seconds: float | None = None
    away: AwayPending | None = None  # the oldest unanswered away question
    away_unavailable: tuple[str, ...] = ()  # "idle detection unavailable: ..." for Settings
    revision: int = 0  # increases on every change; the UI redraws only when it moves

    @property
    def resume_refusal(self) -> Refusal | None:
        """Why Resume would not work now, for the menu, the fallback window and the core's
        refusal alike. The server does accept a resume during a break, but Timetray pauses a
        timer that runs during a break (its core promise), so offering it would only flip the
        timer back and forth; while checked out the server refuses it."""
        timer, att = self.timer, self.attendance
        if timer is None or timer.state == "running" or not att.known:
            return None
        if not att.checked_in:
            return CHECKED_OUT_RESUME
        if att.on_break:
            return BREAK_RESUME
        return None


NoticeKind = Literal[
    "auto_pause",
    "auto_resume",
    "parked",
    "offline",
    "online",
    "queued",
    "long_timer",
    "idle_reminder",
    "store_reset",
    "sign_in_needed",
    "error",
    "away",
]


@dataclass(frozen=True)
class Notice:
    """Something the user must be told once (a notification), with where a click should lead."""

    kind: NoticeKind
    title: str
    message: str
    target: Literal["menu", "sync", "today", "settings", "sign_in", "away"] | None = None
