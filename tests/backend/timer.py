"""The task timer and time logs: start, pause, resume, stop, active-timer, manual entries and
the log lists (§3 of the contract)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, model_validator

from tests.backend.attendance import open_attendance
from tests.backend.auth import State, User
from tests.backend.clock import to_micros
from tests.backend.errors import ApiError, InternalError
from tests.backend.sessions import (
    create_session,
    get_log,
    get_session,
    insert_log,
    live_session,
    logs_of,
    pause_session,
    resume_session,
    session_view,
    stop_session,
)
from tests.backend.tasks import check_task_for_time, set_status

router = APIRouter()

_NO_ACTIVE = "Active task timer not found."
_NO_PAUSED = "Paused task timer not found."


class TimerRequest(BaseModel):
    task_id: uuid.UUID


class StopRequest(TimerRequest):
    notes: str | None = None


class ManualRequest(BaseModel):
    task_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    notes: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ManualRequest:
        try:
            reversed_order = self.ended_at <= self.started_at
        except TypeError as exc:
            # The real server compares a naive and an aware datetime here and crashes.
            raise InternalError("naive and aware datetimes compared") from exc
        if reversed_order:
            raise ValueError("ended_at must be after started_at")
        return self


@router.post("/time-logs/start")
def start(body: TimerRequest, user: User, state: State) -> dict[str, Any]:
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        if open_attendance(conn, user.id) is None:
            raise ApiError(400, "You must check in before starting a task.")
        if live_session(conn, user.id) is not None:
            raise ApiError(409, "You already have an active or paused task timer.")
        task = check_task_for_time(conn, user, str(body.task_id), manual=False)
        if task["status"] in ("created", "approved"):
            set_status(conn, task["id"], "in_progress", now)
        session_id = create_session(conn, user.id, task["id"], now)
        return session_view(conn, get_session(conn, session_id))


@router.post("/time-logs/pause")
def pause(body: TimerRequest, user: User, state: State) -> dict[str, Any]:
    """Pausing a paused timer is a no-op that keeps its reason (even ``break_started``)."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        session = live_session(conn, user.id)
        if session is None or session["task_id"] != str(body.task_id):
            raise ApiError(404, _NO_ACTIVE)
        pause_session(conn, session, "manual_pause", now)
        return session_view(conn, get_session(conn, session["id"]))


@router.post("/time-logs/resume")
def resume(body: TimerRequest, user: User, state: State) -> dict[str, Any]:
    """The check-in rule comes first, so no timer and no check-in is a 400, not a 404."""
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        if open_attendance(conn, user.id) is None:
            raise ApiError(400, "You must check in before resuming a task.")
        session = live_session(conn, user.id)
        if session is None or session["task_id"] != str(body.task_id):
            raise ApiError(404, _NO_PAUSED)
        resume_session(conn, session, now)
        return session_view(conn, get_session(conn, session["id"]))


@router.post("/time-logs/stop")
def stop(body: StopRequest, user: User, state: State) -> dict[str, Any]:
    now = to_micros(state.clock.now())
    with state.db.transaction() as conn:
        session = live_session(conn, user.id)
        if session is None or session["task_id"] != str(body.task_id):
            raise ApiError(404, _NO_ACTIVE)
        log_id = stop_session(conn, session, body.notes, now)
        return get_log(conn, log_id)


@router.get("/time-logs/active-timer")
def active_timer(user: User, state: State) -> dict[str, Any] | None:
    with state.db.transaction() as conn:
        session = live_session(conn, user.id)
        return None if session is None else session_view(conn, session)


@router.post("/time-logs/manual")
def manual(body: ManualRequest, user: User, state: State) -> dict[str, Any]:
    """No check-in needed; refused only when it overlaps a *completed* log (strictly)."""
    now = to_micros(state.clock.now())
    started, ended = to_micros(body.started_at), to_micros(body.ended_at)
    with state.db.transaction() as conn:
        task = check_task_for_time(conn, user, str(body.task_id), manual=True)
        overlap = conn.execute(
            "SELECT 1 FROM time_logs WHERE user_id = ? AND status = 'completed'"
            " AND started_at < ? AND ended_at > ? LIMIT 1",
            (user.id, ended, started),
        ).fetchone()
        if overlap is not None:
            raise ApiError(409, "Manual log overlaps an existing time log.")
        log_id = insert_log(
            conn,
            user_id=user.id,
            task_id=task["id"],
            started_at=started,
            ended_at=ended,
            duration_minutes=(ended - started) // 60_000_000,
            source_type="manual",
            notes=body.notes,
            now=now,
        )
        return get_log(conn, log_id)


@router.get("/time-logs/me")
def my_logs(user: User, state: State) -> list[dict[str, Any]]:
    with state.db.transaction() as conn:
        return logs_of(conn, [user.id])


@router.get("/time-logs/team")
def team_logs(user: User, state: State) -> list[dict[str, Any]]:
    """Managers see their direct reports and themselves, admins everyone; others get 403."""
    with state.db.transaction() as conn:
        if user.role == "admin":
            return logs_of(conn, None)
        if user.role != "manager":
            raise ApiError(403, "Access denied")
        reports = conn.execute("SELECT id FROM users WHERE manager_id = ?", (user.id,)).fetchall()
        return logs_of(conn, [user.id, *(r["id"] for r in reports)])
