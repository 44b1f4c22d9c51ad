"""What the core keeps of a server answer: plain JSON-able dicts for the outbox's results and
the store's cache (the server's own field names, times in wire format)."""

from __future__ import annotations

from typing import Any

from app.api import models
from app.api.timeutil import to_wire


def log_dict(log: models.TimeLog) -> dict[str, Any]:
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


def timer_dict(timer: models.TimerSession) -> dict[str, Any]:
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


def attendance_dict(session: models.AttendanceSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "checked_in": session.checked_in,
        "work_mode": session.work_mode,
        "check_in_at": to_wire(session.check_in_at),
        "check_out_at": to_wire(session.check_out_at) if session.check_out_at else None,
        "active_break": break_dict(session.active_break) if session.active_break else None,
    }


def break_dict(brk: models.Break) -> dict[str, Any]:
    return {
        "id": brk.id,
        "break_type": brk.break_type,
        "started_at": to_wire(brk.started_at),
        "ended_at": to_wire(brk.ended_at) if brk.ended_at else None,
    }
