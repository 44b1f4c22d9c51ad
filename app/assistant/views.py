"""What the read tools answer: plain JSON-able dicts plus one short text a person can read.

Pure functions of the core's immutable views (Snapshot, OutboxEntry, LogEntry, WeekModel) and
"now", so every answer is checked on fixed data. Times go out as ISO 8601 with the offset; the
assistant turns them into words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from app.core.facade import LogEntry, OutboxEntry
from app.core.snapshot import Snapshot, TaskView
from app.core.week import NO_PROJECT, WeekEntry, WeekModel, build_week, local_midnight, monday_of
from app.core.week_text import SYNC_TEXT, hm

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def account(snap: Snapshot) -> dict[str, Any]:
    return {
        "signed_in": snap.signed_in,
        "online": snap.sync.online,
        "user": snap.user_name,
        "email": snap.email,
    }


def _offline_line(snap: Snapshot) -> str:
    if not snap.signed_in:
        return "Not signed in: sign in with the Timetray tray or `timetray login`."
    if not snap.sync.online:
        return "Offline: the server can't be reached; shown as last known, changes will sync."
    return ""


def active_timer(snap: Snapshot, now: datetime) -> tuple[dict[str, Any], str]:
    timer = snap.timer
    obj: dict[str, Any] = {**account(snap), "timer": None}
    if timer is None:
        text = "No timer is running."
    else:
        elapsed = int(timer.elapsed_seconds(now))
        obj["timer"] = {
            "task_id": timer.task_id,
            "task_title": timer.task_title,
            "project_title": timer.project_title,
            "state": timer.state,
            "pause_reason": timer.pause_reason,
            "pause_text": timer.pause_text,
            "started_at": iso(timer.started_at),
            "elapsed_seconds": elapsed,
            "elapsed": hm(elapsed),
            "measured_offline": timer.source == "local",
        }
        state = "running" if timer.state == "running" else (timer.pause_text or "paused")
        where = " (measured on this computer while offline)" if timer.source == "local" else ""
        project = f" [{timer.project_title}]" if timer.project_title else ""
        text = f"Timer on {timer.task_title}{project}: {hm(elapsed)} so far, {state}{where}."
    extra = _offline_line(snap)
    return obj, f"{text} {extra}".strip()


def task_obj(task: TaskView) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "project_title": task.project_title,
        "status": task.status,
        "startable": task.startable,
        "why_not_startable": task.reason,
    }


def tasks(snap: Snapshot, query: str | None) -> tuple[dict[str, Any], str]:
    wanted = (query or "").strip().casefold()
    found = [
        t
        for t in snap.tasks
        if not wanted
        or wanted in t.title.casefold()
        or wanted in (t.project_title or "").casefold()
        or t.id.casefold() == wanted
    ]
    lines = [
        f"- {t.title} ({t.project_title or NO_PROJECT}, {t.status}) id {t.id}"
        + ("" if t.startable else f": cannot start: {t.reason}")
        for t in found
    ]
    head = f"{len(found)} task(s)" + (f" matching {query!r}" if wanted else "")
    obj = {"query": query, "tasks": [task_obj(t) for t in found], **account(snap)}
    return obj, "\n".join([head + ":", *lines]) if found else head + "."


def attendance(snap: Snapshot) -> tuple[dict[str, Any], str]:
    att = snap.attendance
    obj = {
        **account(snap),
        "known": att.known,
        "checked_in": att.checked_in,
        "checked_in_at": iso(att.checked_in_at),
        "work_mode": att.work_mode,
        "on_break": att.on_break,
        "break_type": att.break_type,
    }
    if not att.known:
        text = "Attendance is not known yet (no answer from the server so far)."
    elif not att.checked_in:
        text = "Not checked in."
    else:
        since = att.checked_in_at.astimezone().strftime("%H:%M") if att.checked_in_at else "?"
        text = f"Checked in since {since} ({att.work_mode or 'office'})"
        text += f", on a {att.break_type or ''} break." if att.on_break else "."
    return obj, f"{text} {_offline_line(snap)}".strip()


def sync_status(snap: Snapshot, items: Sequence[OutboxEntry]) -> tuple[dict[str, Any], str]:
    def item(e: OutboxEntry) -> dict[str, Any]:
        return {
            "id": e.id,
            "kind": e.kind,
            "state": e.state,
            "summary": e.summary,
            "attempts": e.attempts,
            "server_message": e.last_error,
            "created_at": iso(e.created_at),
        }

    waiting = [item(e) for e in items if e.state in ("pending", "in_flight")]
    parked = [item(e) for e in items if e.state == "parked"]
    obj = {
        **account(snap),
        "last_error": snap.sync.last_error,
        "last_success_at": iso(snap.sync.last_success_at),
        "waiting": waiting,
        "parked": parked,
    }
    lines = [
        ("Online" if snap.sync.online else "Offline")
        + f": {len(waiting)} change(s) waiting to sync, {len(parked)} refused by the server."
    ]
    lines += [f"- waiting: {w['summary']}" for w in waiting]
    lines += [
        f"- refused: {p['summary']}: {p['server_message'] or 'no reason given'}" for p in parked
    ]
    if parked:
        lines.append("Refused items wait in the tray's Sync window to be fixed or discarded.")
    return obj, "\n".join(lines)


def week_entries(logs: Iterable[LogEntry], snap: Snapshot) -> list[WeekEntry]:
    """The core's logs carry their sync state; the task list names a project a log saved
    offline does not."""
    projects = {t.id: t.project_title for t in snap.tasks}
    return [WeekEntry.from_log(log, project=projects.get(log.task_id)) for log in logs]


def week_span(week_of: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = monday_of(week_of)
    return local_midnight(start, tz), local_midnight(start + timedelta(days=7), tz)


def timesheet(
    entries: Iterable[WeekEntry], week_of: date, tz: tzinfo, now: datetime, snap: Snapshot
) -> tuple[dict[str, Any], str]:
    model = build_week(entries, week_of, tz, now, timer=snap.timer, offline=not snap.sync.online)
    return timesheet_obj(model, snap), timesheet_text(model)


def timesheet_obj(model: WeekModel, snap: Snapshot) -> dict[str, Any]:
    pieces = [p for day in model.days for p in day.pieces]
    pending = [p for p in pieces if p.entry.state != "synced"]
    return {
        **account(snap),
        "week_start": model.start.isoformat(),
        "week_end": model.end.isoformat(),
        "total_seconds": model.total_seconds,
        "total": hm(model.total_seconds),
        "days": [
            {
                "date": day.day.isoformat(),
                "weekday": WEEKDAYS[day.day.weekday()],
                "total_seconds": day.total_seconds,
                "total": hm(day.total_seconds),
            }
            for day in model.days
        ],
        "tasks": [
            {
                "task_id": row.task_id,
                "task_title": row.task_title,
                "project": row.project,
                "seconds_by_day": list(row.seconds),
                "total_seconds": row.total_seconds,
                "total": hm(row.total_seconds),
            }
            for row in model.rows
        ],
        "entries": [
            {
                "task_id": p.entry.task_id,
                "task_title": p.entry.task_title,
                "project": p.entry.project,
                "start": iso(p.start),
                "end": iso(p.end),
                "seconds": p.seconds,
                "source": p.entry.source,
                "sync_state": p.entry.state,  # synced | waiting | parked | running
                "pending": p.entry.state != "synced",
            }
            for p in pieces
        ],
        "pending_entries": len(pending),
        "offline": model.offline,
    }


def timesheet_text(model: WeekModel) -> str:
    lines = [f"Week {model.start:%Y-%m-%d} to {model.end:%Y-%m-%d}: {hm(model.total_seconds)}"]
    lines.append(
        "  ".join(f"{WEEKDAYS[d.day.weekday()][:3]} {hm(d.total_seconds)}" for d in model.days)
    )
    for row in model.rows:
        lines.append(f"- {row.task_title} ({row.project}): {hm(row.total_seconds)}")
    marked = [p for d in model.days for p in d.pieces if p.entry.state in ("waiting", "parked")]
    for piece in marked:
        lines.append(
            f"  * {piece.entry.task_title} {piece.start:%a %H:%M}-{piece.end:%H:%M}: "
            f"{SYNC_TEXT[piece.entry.state]}"
        )
    if model.offline:
        lines.append("Offline: the server's entries may be out of date.")
    return "\n".join(lines)
