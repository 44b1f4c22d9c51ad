"""Every word the tray shows, as pure functions of a snapshot and a clock.

No Qt here on purpose: the tooltip, the menu labels and the icon's *model* (which state, which
text, which badge) can then be tested exhaustively with plain asserts, and the Qt layer is left
with drawing only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Literal

from app.core import wording
from app.core.facade import LogEntry
from app.core.snapshot import AttendanceView, Snapshot, SyncView, TaskView, TimerView
from app.ui.icon_view import IconBadge as IconBadge  # the icon's model: see icon_view.py
from app.ui.icon_view import IconState as IconState
from app.ui.icon_view import IconView as IconView

# Pause reasons the user did not choose: shown in another colour so an automatic pause stands out.
AUTO_PAUSE_REASONS = frozenset({"attendance_checkout", "break_started", "system"})

BREAK_TYPES: tuple[tuple[str, str], ...] = (
    ("dinner", "Dinner"),
    ("prayer", "Prayer"),
    ("other", "Other (note required)"),
)
WORK_MODES: tuple[tuple[str, str], ...] = (("office", "Office"), ("wfh", "Working from home"))

SEARCH_THRESHOLD = 10  # more startable tasks than this -> a search field in the Start menu


# ---------------------------------------------------------------------------------------------
# durations


def icon_elapsed(seconds: float) -> str:
    """Short enough for 16 px: minutes under an hour ("7m"), h:mm above ("1:07")."""
    total_minutes = max(0, int(seconds // 60))
    if total_minutes < 60:
        return f"{total_minutes}m"
    hours, minutes = divmod(total_minutes, 60)
    return f"{hours}:{minutes:02d}"


def clock_elapsed(seconds: float) -> str:
    """h:mm:ss for places with room (menu header, window)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


# The core's wording helpers (one way for the core, the CLI and the tray).
human_duration = wording.duration
plural = wording.plural
entries = wording.entries


# ---------------------------------------------------------------------------------------------
# icon model


def icon_view(snapshot: Snapshot, now: datetime) -> IconView:
    """The icon is a function of the snapshot and the minute; it changes at most once a minute
    while a timer runs, so redrawing "only when it changed" is a cheap equality test."""
    timer = snapshot.timer
    if not snapshot.signed_in:
        state: IconState = "signed_out"
        text = ""
    elif timer is None:
        state = "idle"
        text = ""
    else:
        text = icon_elapsed(timer.elapsed_seconds(now))
        if timer.state == "running":
            state = "running"
        elif (timer.pause_reason or "") in AUTO_PAUSE_REASONS:
            state = "paused_auto"
        else:
            state = "paused"
    return IconView(state=state, text=text, badge=icon_badge(snapshot))


def icon_badge(snapshot: Snapshot) -> IconBadge:
    """One badge, the most urgent: parked items need the user, offline explains the rest."""
    if not snapshot.signed_in:
        return None
    sync = snapshot.sync
    if sync.parked:
        return "parked"
    if snapshot.away is not None:
        return "away"  # a question waits for the person
    if not sync.online:
        return "offline"
    if sync.pending:
        return "waiting"
    return None


# ---------------------------------------------------------------------------------------------
# tooltip and labels


def timer_line(timer: TimerView, now: datetime) -> str:
    project = f" ({timer.project_title})" if timer.project_title else ""
    elapsed = clock_elapsed(timer.elapsed_seconds(now))
    if timer.state == "running":
        return f"{timer.task_title}{project}: {elapsed}"
    return f"{timer.task_title}{project}: {elapsed}, {timer.pause_text}"


def attendance_text(att: AttendanceView) -> str:
    if not att.known:
        return "Attendance: unknown yet"
    if not att.checked_in:
        return "Not checked in"
    mode = {"office": "office", "wfh": "working from home"}.get(att.work_mode or "", "")
    where = f" ({mode})" if mode else ""
    if att.on_break:
        kind = f" ({att.break_type})" if att.break_type else ""
        return f"Checked in{where}, on a break{kind}"
    return f"Checked in{where}"


def sync_text(sync: SyncView) -> str:
    """One line, in words, on whether the server has everything yet."""
    parts: list[str] = []
    if sync.pending:
        parts.append(f"{entries(sync.pending)} waiting to sync")
    if sync.parked:
        parts.append(f"{entries(sync.parked)} need{'s' if sync.parked == 1 else ''} your attention")
    if not sync.online:
        head = "Offline"
        if sync.last_error:
            head = f"Offline ({sync.last_error})"
        parts.insert(0, head)
    if not parts:
        return "All synced"
    return "; ".join(parts)


def tooltip_text(snapshot: Snapshot, now: datetime, week_target_hours: float = 0.0) -> str:
    if not snapshot.signed_in:
        lines = ["Timetray: signed out", "Right-click (or click) to sign in"]
        if snapshot.sync.pending or snapshot.sync.parked:
            lines.append(sync_text(snapshot.sync))
        return "\n".join(lines)
    lines = []
    if snapshot.away is not None:
        lines.append("You were away: keep or discard? (in the menu)")
    timer = snapshot.timer
    if timer is None:
        lines.append("No timer running")
    else:
        lines.append(f"Task: {timer.task_title}")
        if timer.project_title:
            lines.append(f"Project: {timer.project_title}")
        status = "" if timer.state == "running" else f" ({timer.pause_text})"
        lines.append(f"Elapsed: {clock_elapsed(timer.elapsed_seconds(now))}{status}")
    today = today_total_seconds(snapshot, now)
    if today is not None:  # unknown until the server's logs (or today's copy) are read
        lines.append(f"Today: {human_duration(today)}")
    week = week_total_seconds(snapshot, now)
    if week is not None:
        lines.append(week_line(week, week_target_hours))
    lines.append(attendance_text(snapshot.attendance))
    lines.append(sync_text(snapshot.sync))
    return "\n".join(lines)


def today_total_seconds(snapshot: Snapshot, now: datetime) -> float | None:
    """Completed logs today plus the live timer, so the total moves while you work; None
    while today's logs are not known (a live timer alone would read as the day's total)."""
    if snapshot.today_logged_seconds is None:
        return None
    live = snapshot.timer.elapsed_seconds(now) if snapshot.timer else 0.0
    return snapshot.today_logged_seconds + live


def week_total_seconds(snapshot: Snapshot, now: datetime) -> float | None:
    """Logged since Monday plus the live timer; None while the week's logs are not known."""
    if snapshot.week_logged_seconds is None:
        return None
    live = snapshot.timer.elapsed_seconds(now) if snapshot.timer else 0.0
    return snapshot.week_logged_seconds + live


def week_line(seconds: float, target_hours: float) -> str:
    """ "Week: 31:20 of 40:00", or "Week: 31:20" with no target: progress, never a nag."""
    minutes = max(0, int(seconds // 60))
    done = f"{minutes // 60}:{minutes % 60:02d}"
    if target_hours <= 0:
        return f"Week: {done}"
    target = round(target_hours * 60)
    return f"Week: {done} of {target // 60}:{target % 60:02d}"


def header_text(snapshot: Snapshot, now: datetime) -> str:
    if not snapshot.signed_in:
        return "Signed out"
    if snapshot.timer is None:
        return "No timer running"
    return timer_line(snapshot.timer, now)


def task_label(task: TaskView) -> str:
    project = f"  ·  {task.project_title}" if task.project_title else ""
    if task.startable:
        return f"{task.title}{project}"
    return f"{task.title}{project}  ({task.reason or 'not allowed'})"


def order_tasks(tasks: Iterable[TaskView], recent_ids: Sequence[str] = ()) -> list[TaskView]:
    """Startable first; inside that, tasks you used lately, then most recently updated."""
    rank = {task_id: i for i, task_id in enumerate(recent_ids)}
    epoch = datetime.min.replace(tzinfo=None)

    def key(task: TaskView) -> tuple[int, int, float]:
        updated = task.updated_at.replace(tzinfo=None) if task.updated_at else epoch
        return (
            0 if task.startable else 1,
            rank.get(task.id, len(rank)),
            -(updated - epoch).total_seconds(),
        )

    return sorted(tasks, key=key)


def task_matches(task: TaskView, query: str) -> bool:
    words = query.casefold().split()
    hay = f"{task.title} {task.project_title or ''}".casefold()
    return all(word in hay for word in words)


def quit_warning(snapshot: Snapshot, now: datetime) -> str | None:
    """What the user would lose track of by quitting now, or None when quitting is harmless."""
    parts: list[str] = []
    timer = snapshot.timer
    if timer is not None and timer.state == "running":
        parts.append(
            f"A timer is running on “{timer.task_title}” "
            f"({clock_elapsed(timer.elapsed_seconds(now))}). It keeps running on the server, "
            "but Timetray will not show it or pause it for breaks until you start it again."
        )
    waiting = snapshot.sync.pending + snapshot.sync.parked
    if waiting:
        parts.append(
            f"{entries(waiting)} not synced yet. "
            "They are saved and will be sent the next time Timetray runs."
        )
    return "\n\n".join(parts) or None


# ---------------------------------------------------------------------------------------------
# checks the server would make


def checkout_requirement(message: str) -> Literal["early", "after_shift"] | None:
    """Which question to ask after a rejected check-out, from the server's own words."""
    text = message.casefold()
    if "before your shift ends" in text or "early" in text:
        return "early"
    if "after shift end" in text or "reason and note are required" in text:
        return "after_shift"
    return None


def validate_manual(
    started_at: datetime,
    ended_at: datetime,
    notes: str,
    known_logs: Iterable[LogEntry],
    notes_max: int,
) -> list[str]:
    """The server's checks for a manual entry (end after start, no overlap with a completed
    log of any task, plus our own notes limit), done before sending so the user fixes them in
    the dialog instead of in the parked list."""
    problems: list[str] = []
    if ended_at <= started_at:
        problems.append("The end time must be after the start time.")
    if notes_max and len(notes) > notes_max:
        problems.append(f"Notes are too long ({len(notes)} of at most {notes_max} characters).")
    if ended_at > started_at:
        for log in known_logs:
            if log.started_at < ended_at and started_at < log.ended_at:
                local_start = log.started_at.astimezone().strftime("%H:%M")
                local_end = log.ended_at.astimezone().strftime("%H:%M")
                problems.append(
                    f"It overlaps “{log.task_title}” {local_start}-{local_end}"
                    f"{' (waiting to sync)' if log.pending else ''}."
                )
                break
    return problems


def retry_after_text(seconds: float | None) -> str:
    if not seconds:
        return "Too many attempts. Please wait before trying again."
    minutes = int((seconds + 59) // 60)
    if seconds < 60:
        return f"Too many attempts. Try again in {int(seconds)} s."
    return f"Too many attempts. Try again in {plural(minutes, 'minute')}."


def day_totals(logs: Iterable[LogEntry]) -> list[tuple[str, int, list[LogEntry]]]:
    """Logs grouped by local day, newest day first, with the day's total in minutes; within a
    day the entries read in time order, as a day is lived."""
    groups: dict[str, list[LogEntry]] = {}
    for log in sorted(logs, key=lambda entry: entry.started_at):
        day = log.started_at.astimezone().strftime("%a %d %b %Y")
        groups.setdefault(day, []).append(log)
    days = [(day, sum(e.duration_minutes for e in items), items) for day, items in groups.items()]
    return days[::-1]


def local_day_start(now: datetime, days_back: int = 0) -> datetime:
    local = now.astimezone()
    start = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_back)
    return start


def week_start(now: datetime) -> datetime:
    local = now.astimezone()
    return local_day_start(now, days_back=local.weekday())
