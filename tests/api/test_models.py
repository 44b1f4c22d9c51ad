"""Models read what the tray needs from real-shaped JSON and ignore what they do not know."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.api.models import (
    AttendanceSession,
    Break,
    ModelError,
    Task,
    TimeLog,
    TimerSession,
    TokenPair,
    User,
)

TIMER = {
    "id": "0cc56cdd-0000-4000-8000-000000000000",
    "task_id": "60000000-0000-4000-8000-000000000003",
    "task_title": "Implement tray sync",
    "project_title": "Desktop Tray Client",
    "user_id": "33333333-3333-4333-8333-333333333333",
    "status": "running",
    "started_at": "2026-11-22T07:55:50.600417Z",
    "last_resumed_at": "2026-11-22T07:55:50.600417Z",
    "paused_at": None,
    "accumulated_seconds": 0,
    "pause_reason": None,
    "created_at": "2026-11-22T07:55:50.600417Z",
    "updated_at": "2026-11-22T07:55:50.600417+00:00",
    "some_future_field": {"nested": True},
}


def test_timer_from_contract_example_and_elapsed() -> None:
    timer = TimerSession.from_json(TIMER)
    assert timer.running and timer.task_title == "Implement tray sync"
    assert timer.started_at == datetime(2026, 11, 22, 7, 55, 50, 600417, tzinfo=UTC)
    later = datetime(2026, 11, 22, 7, 56, 50, 600417, tzinfo=UTC)
    assert timer.elapsed_seconds(later) == 60.0
    paused = TimerSession.from_json(
        {**TIMER, "status": "paused", "accumulated_seconds": 125, "pause_reason": "break_started"}
    )
    assert paused.elapsed_seconds(later) == 125.0
    assert paused.pause_reason == "break_started"


def test_missing_optional_fields_default_and_missing_id_is_an_error() -> None:
    minimal = TimerSession.from_json(
        {"id": "t", "task_id": "x", "started_at": "2026-11-22T07:55:50Z"}
    )
    assert minimal.accumulated_seconds == 0.0 and minimal.pause_reason is None
    with pytest.raises(ModelError):
        TimerSession.from_json({"task_id": "x", "started_at": "2026-11-22T07:55:50Z"})
    with pytest.raises(ModelError):
        TimerSession.from_json(None)
    with pytest.raises(ModelError):
        TimerSession.from_json({**TIMER, "started_at": "soon"})


def test_time_log_and_task() -> None:
    log = TimeLog.from_json(
        {
            "id": "l",
            "task_id": "t",
            "started_at": "2026-11-20T10:00:00Z",
            "ended_at": "2026-11-20T10:45:59Z",
            "duration_minutes": 45,
            "source_type": "manual",
            "notes": None,
            "status": "completed",
            "user_name": "Erin Employee",
        }
    )
    assert log.duration_minutes == 45 and log.source_type == "manual"
    assert log.ended_at == datetime(2026, 11, 20, 10, 45, 59, tzinfo=UTC)
    blocked = Task.from_json(
        {"id": "t", "title": "Fix login bug", "status": "blocked", "can_start_timer": True}
    )
    assert blocked.start_block_reason == "Cannot start timer on a blocked task"
    archived = Task.from_json({"id": "t", "title": "Old", "status": "archived"})
    assert archived.start_block_reason is None


def test_attendance_with_breaks() -> None:
    brk = {
        "id": "b",
        "attendance_session_id": "a",
        "break_type": "prayer",
        "started_at": "2026-11-22T08:00:00Z",
        "ended_at": None,
        "duration_minutes": None,
        "note": None,
        "is_paid": True,
    }
    session = AttendanceSession.from_json(
        {
            "id": "a",
            "check_in_at": "2026-11-22T07:00:00Z",
            "check_out_at": None,
            "work_mode": "wfh",
            "session_status": "active",
            "breaks": [brk],
            "active_break": brk,
            "attendance_classification": "x",
        }
    )
    assert session.checked_in and session.on_break and session.work_mode == "wfh"
    assert session.breaks[0] == session.active_break == Break.from_json(brk)
    assert session.active_break is not None and session.active_break.active


def test_login_user_shape_and_tokens_never_in_repr() -> None:
    user = User.from_json(
        {
            "id": "u",
            "full_name": "Erin Employee",
            "role": "employee",
            "presence_updated_at": None,
            "department": "Engineering",
        }
    )
    assert user.email is None and user.department == "Engineering"
    pair = TokenPair.from_json({"access_token": "a.b.c", "refresh_token": "r.s.t"})
    assert "a.b.c" not in repr(pair) and "r.s.t" not in repr(pair)
    with pytest.raises(ModelError):
        TokenPair.from_json({"access_token": "a.b.c"})
